package io.limiter.spring.boot.actuate;

import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.StepChange;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.spring.aop.RateLimitAspectSupport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code ratelimits} actuator endpoint.
 *
 * <ul>
 *   <li>{@code GET /actuator/ratelimits}: the store; every configured policy (from properties, beans, annotations and
 *       filter rules) with its limits, algorithm, cost, shadow flag, failure mode, the methods that use it and its
 *       step-function throttling (tiers, schedule, controller, penalty, the limits in force now); and every step
 *       controller with its level, factor, levels, pin, last health and last change.
 *   <li>{@code GET /actuator/ratelimits/{policy}}: one policy.
 *   <li>{@code POST /actuator/ratelimits/controllers/{name}} with {@code {"level": "25%", "reason": "..."}} (a
 *       factor of the controller's levels, or a level index): pins the controller's level.
 *   <li>{@code DELETE /actuator/ratelimits/controllers/{name}}: unpins it; the controller steps on its signals again.
 *   <li>{@code DELETE /actuator/ratelimits/penalties/{policy}?key=<stored key>}: releases a client from the policy's
 *       penalty box. The key is the client's stored key, as the listener and the logs show it
 *       ({@code ip:203.0.113.7}, {@code h:x-api-key:<value>}, {@code !missing:<bucket>}; see
 *       {@link io.limiter.core.KeyKind}).
 * </ul>
 * <b>Access is read-only by default</b> ({@link Access#READ_ONLY}): the write operations let a caller throttle every
 * client (pin a low level) or free itself from a penalty box, so they exist only when an application opts in with
 * {@code management.endpoint.ratelimits.access=unrestricted}, and should then be protected like every write operation
 * of the actuator (see docs/spring.md for a Spring Security configuration). Thread-safe.
 */
@Endpoint(id = "ratelimits", defaultAccess = Access.READ_ONLY)
public class RateLimitsEndpoint {

  static final String CONTROLLERS = "controllers";
  static final String PENALTIES = "penalties";

  private final RateLimiterRegistry registry;
  private final @Nullable RateLimitAspectSupport support;
  private final StepControllerRegistry controllers;
  private final Map<String, Instant> lastChangeAt = new ConcurrentHashMap<>();
  private final io.limiter.spring.boot.@Nullable LimiterPolicyRefresh refresh;

  /**
   * @param registry the registry
   * @param support the annotation engine, or null
   */
  public RateLimitsEndpoint(RateLimiterRegistry registry, @Nullable RateLimitAspectSupport support) {
    this(registry, support, null);
  }

  /**
   * @param registry the registry
   * @param support the annotation engine, or null
   * @param refresh re-applies {@code limiter.policies.*} for {@code POST .../policies}, or null
   */
  public RateLimitsEndpoint(RateLimiterRegistry registry, @Nullable RateLimitAspectSupport support,
      io.limiter.spring.boot.@Nullable LimiterPolicyRefresh refresh) {
    this.refresh = refresh;
    this.registry = Objects.requireNonNull(registry, "registry");
    this.support = support;
    this.controllers = support == null ? new StepControllerRegistry() : support.stepControllers();
    for (StepController c : controllers.controllers()) {
      // the controller's ticker is monotonic, not a wall clock: note when each change was seen
      c.addListener(change -> lastChangeAt.put(change.controller(), Instant.now()));
    }
  }

  /** @return the store, all policies and all step controllers */
  @ReadOperation
  public RateLimitsDescriptor rateLimits() {
    Map<String, List<String>> usage = usage();
    Map<String, SteppedRateLimiter<String>> stepped = stepped();
    Map<String, PolicyDescriptor> policies = new LinkedHashMap<>();
    for (LimitPolicy policy : registry.policies()) {
      policies.put(policy.name(), describe(policy, usage, stepped.get(policy.name())));
    }
    Map<String, ControllerDescriptor> described = new LinkedHashMap<>();
    for (StepController c : controllers.controllers()) {
      described.put(c.name(), describe(c));
    }
    return new RateLimitsDescriptor(registry.store().toString(), registry.store().trackedKeys(), policies,
        described);
  }

  /**
   * @param name a policy name
   * @return the policy, or null (404) if there is none
   */
  @ReadOperation
  public @Nullable PolicyDescriptor policy(@Selector String name) {
    return registry.find(name).map(l -> describe(l.policy(), usage(), stepped().get(name))).orElse(null);
  }

  /**
   * Re-applies {@code limiter.policies.*} from the environment as it is now ({@code POST /actuator/ratelimits/policies}):
   * checked as at startup, refused whole (400 with the problem listing; the running policies stay) when anything is
   * wrong. A write operation: it exists only when the endpoint's writes are enabled, and must then be protected.
   *
   * @param section {@code policies}
   * @return the changes made
   * @throws InvalidEndpointRequestException (400) for another section or an invalid configuration
   */
  @WriteOperation
  public RefreshDescriptor refresh(@Selector String section) {
    if (!"policies".equals(section) || refresh == null) {
      throw new InvalidEndpointRequestException("POST /actuator/ratelimits/policies re-applies limiter.policies.*; \""
          + section + "\" is not policies" + (refresh == null ? " (or no LimiterPolicyRefresh bean exists)" : ""),
          "unknown section " + section);
    }
    try {
      return new RefreshDescriptor(refresh.refresh().stream().map(c -> new PolicyChangeDescriptor(c.name(),
          c.previous() == null ? null : c.previous().spec().toString(), c.current().spec().toString(),
          c.previous() == null ? "added" : c.stateKept() ? "kept" : "reset")).toList());
    } catch (io.limiter.core.RateLimitConfigException e) {
      throw new InvalidEndpointRequestException("refused; the running policies stay in force: " + e.getMessage(),
          "invalid limiter properties");
    }
  }

  /**
   * The changes a refresh made.
   *
   * @param changes one per changed or added policy
   */
  public record RefreshDescriptor(List<PolicyChangeDescriptor> changes) {
  }

  /**
   * One policy changed by a refresh.
   *
   * @param policy its name
   * @param from its limits before, or null if added
   * @param to its limits now
   * @param state {@code kept} (same shape), {@code reset} (another shape: clients start fresh) or {@code added}
   */
  public record PolicyChangeDescriptor(String policy, @Nullable String from, String to, String state) {
  }

  /**
   * Pins a step controller's level until it is unpinned.
   *
   * @param section {@code controllers}
   * @param name the controller
   * @param level a factor of the controller's levels ({@code 25%}, {@code 0.25}) or a level index ({@code 3})
   * @param reason why, for the event and the log line; default "pinned through the actuator"
   * @return the controller after the pin
   * @throws InvalidEndpointRequestException (400) for an unknown controller or level
   */
  @WriteOperation
  public ControllerDescriptor pin(@Selector String section, @Selector String name, String level,
      @Nullable String reason) {
    if (!CONTROLLERS.equals(section)) {
      throw new InvalidEndpointRequestException("POST /actuator/ratelimits/" + CONTROLLERS + "/{name} pins a "
          + "controller; \"" + section + "\" is not " + CONTROLLERS, "unknown section " + section);
    }
    StepController controller = controller(name);
    int index = levelIndex(controller, level);
    controller.pin(index, reason == null || reason.isBlank() ? "pinned through the actuator" : reason);
    return describe(controller);
  }

  /**
   * Unpins a controller ({@code DELETE .../controllers/{name}}) or releases a client from a policy's penalty box
   * ({@code DELETE .../penalties/{policy}?key=...}).
   *
   * @param section {@code controllers} or {@code penalties}
   * @param name the controller or the policy
   * @param key the stored key of the client to release, e.g. {@code ip:203.0.113.7} (penalties only)
   * @param reason why, for the event and the log line (controllers only)
   * @return the controller after the unpin, or whether the client was boxed
   * @throws InvalidEndpointRequestException (400) for an unknown controller, a policy without penalty box or a
   *     missing key
   */
  @DeleteOperation
  public Object unpinOrRelease(@Selector String section, @Selector String name, @Nullable String key,
      @Nullable String reason) {
    if (CONTROLLERS.equals(section)) {
      StepController controller = controller(name);
      controller.unpin(reason == null || reason.isBlank() ? "unpinned through the actuator" : reason);
      return describe(controller);
    }
    if (PENALTIES.equals(section)) {
      if (key == null || key.isBlank()) {
        throw new InvalidEndpointRequestException("the client to release is missing: add ?key=<client key>",
            "missing key");
      }
      SteppedRateLimiter<String> limiter = stepped().get(name);
      if (limiter == null || limiter.penaltyBox().isEmpty()) {
        List<String> boxed = new ArrayList<>();
        stepped().forEach((policy, l) -> l.penaltyBox().ifPresent(b -> boxed.add(policy)));
        throw new InvalidEndpointRequestException("policy \"" + name + "\" has no penalty box; policies with one: "
            + boxed, "no penalty box " + name);
      }
      // a stored key of the library (!missing:..., !sha256:...) is taken as given: only an operator reaches this
      String canonical = key.charAt(0) == '!' ? key : limiter.forKey(key).key();
      return new ReleaseDescriptor(name, canonical, limiter.penaltyBox().get().release(canonical));
    }
    throw new InvalidEndpointRequestException("DELETE /actuator/ratelimits/{section}/{name}: section must be "
        + CONTROLLERS + " or " + PENALTIES + " but was \"" + section + "\"", "unknown section " + section);
  }

  private StepController controller(String name) {
    return controllers.find(name).orElseThrow(() -> new InvalidEndpointRequestException("unknown step controller \""
        + name + "\"; known controllers: " + controllers.names(), "unknown step controller " + name));
  }

  private static int levelIndex(StepController controller, String level) {
    String text = level == null ? "" : level.trim();
    List<Double> levels = controller.levels();
    try {
      if (text.endsWith("%") || text.contains(".")) {
        double factor = text.endsWith("%")
            ? Double.parseDouble(text.substring(0, text.length() - 1).trim()) / 100 : Double.parseDouble(text);
        for (int i = 0; i < levels.size(); i++) {
          if (Math.abs(levels.get(i) - factor) < 1e-9) {
            return i;
          }
        }
      } else {
        int index = Integer.parseInt(text);
        if (index >= 0 && index < levels.size()) {
          return index;
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidEndpointRequestException("level \"" + level + "\" is not a level of step controller "
        + controller.name() + "; its levels are " + percents(levels) + " (indexes 0 to " + (levels.size() - 1) + ")",
        "unknown level " + level);
  }

  private Map<String, List<String>> usage() {
    Map<String, List<String>> byPolicy = new LinkedHashMap<>();
    if (support != null) {
      support.usage().forEach((method, names) -> names.forEach(
          n -> byPolicy.computeIfAbsent(n, k -> new ArrayList<>()).add(method)));
    }
    return byPolicy;
  }

  private Map<String, SteppedRateLimiter<String>> stepped() {
    return support == null ? Map.of() : support.steppedLimiters();
  }

  private static PolicyDescriptor describe(LimitPolicy policy, Map<String, List<String>> usage,
      @Nullable SteppedRateLimiter<String> stepped) {
    return new PolicyDescriptor(policy.spec().toString(), limits(policy), policy.algorithm().name(), policy.cost(),
        policy.shadow(), policy.failureMode().name(), usage.getOrDefault(policy.name(), List.of()),
        stepped == null ? null : steps(stepped));
  }

  private static List<LimitDescriptor> limits(LimitPolicy policy) {
    List<LimitDescriptor> limits = new ArrayList<>();
    for (Limit limit : policy.limits()) {
      limits.add(new LimitDescriptor(limit.toString(), limit.permits(), limit.periodNanos() / 1_000_000_000.0,
          limit.burst()));
    }
    return limits;
  }

  private static StepsDescriptor steps(SteppedRateLimiter<String> s) {
    Map<String, String> now = new LinkedHashMap<>();
    now.put("(default)", s.currentPolicy(null).map(p -> p.spec().toString()).orElse("unlimited"));
    s.tiers().ifPresent(tiers -> tiers.tiers().forEach(t -> now.put(t.name(),
        s.currentPolicy(t.name()).map(p -> p.spec().toString()).orElse("unlimited"))));
    return new StepsDescriptor(s.tiers().map(Object::toString).orElse(null),
        s.schedule().map(Object::toString).orElse(null), s.controller().map(StepController::name).orElse(null),
        s.penaltyBox().map(b -> b.rule().toString()).orElse(null),
        s.penaltyBox().map(b -> b.trackedKeys()).orElse(0L), now);
  }

  private ControllerDescriptor describe(StepController c) {
    StepChange change = c.lastChange();
    ChangeDescriptor last = change == null ? null : new ChangeDescriptor(change.fromLevel(), change.toLevel(),
        percent(change.fromFactor()), percent(change.toFactor()), change.cause().name(), change.reason(),
        lastChangeAt.get(c.name()));
    return new ControllerDescriptor(c.level(), percent(c.factor()), percents(c.levels()), c.pinned(),
        percent(c.levels().get(c.floor())), percent(c.levels().get(c.ceiling())),
        c.lastHealth().status().name().toLowerCase(Locale.ROOT), c.lastHealth().detail(), c.interval().toString(),
        c.running(), c.signalFailures(), c.warnings(), last);
  }

  private static List<String> percents(List<Double> factors) {
    List<String> out = new ArrayList<>();
    for (double f : factors) {
      out.add(percent(f));
    }
    return out;
  }

  private static String percent(double factor) {
    double p = factor * 100;
    return (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "%";
  }

  /**
   * @param store the store
   * @param trackedKeys the keys the store tracks now (-1 if unknown)
   * @param policies the policies by name
   * @param controllers the step controllers by name
   */
  public record RateLimitsDescriptor(String store, long trackedKeys, Map<String, PolicyDescriptor> policies,
      Map<String, ControllerDescriptor> controllers) {
  }

  /**
   * @param limits the limits as a rate spec
   * @param limitList each limit
   * @param algorithm the algorithm
   * @param cost the default cost of a call
   * @param shadow whether over-limit calls are only reported
   * @param failureMode what a store failure does
   * @param usedBy the annotated methods that use the policy
   * @param steps the step-function throttling, or null if the policy has none
   */
  public record PolicyDescriptor(String limits, List<LimitDescriptor> limitList, String algorithm, long cost,
      boolean shadow, String failureMode, List<String> usedBy, @Nullable StepsDescriptor steps) {
  }

  /**
   * @param limit the limit in the rate grammar
   * @param permits the permits per period
   * @param periodSeconds the period
   * @param burst the capacity
   */
  public record LimitDescriptor(String limit, long permits, double periodSeconds, long burst) {
  }

  /**
   * @param tiers the tiers, or null
   * @param schedule the schedule, or null
   * @param adaptive the step controller's name, or null
   * @param penalty the penalty rule, or null
   * @param penaltyTrackedClients clients the penalty box tracks now (boxed or with recent rejections)
   * @param limitsNow the limits in force now for clients without a tier ({@code (default)}) and for each tier
   */
  public record StepsDescriptor(@Nullable String tiers, @Nullable String schedule, @Nullable String adaptive,
      @Nullable String penalty,
      long penaltyTrackedClients, Map<String, String> limitsNow) {
  }

  /**
   * @param level the current level, an index into {@code levels}
   * @param factor the factor of the current level
   * @param levels the factors of all levels
   * @param pinned whether an operator pinned the level
   * @param floor the lowest level the controller steps down to
   * @param ceiling the highest level it steps up to
   * @param health the combined health of the last sample: healthy, unknown, unhealthy or severe
   * @param healthDetail the signals' verdicts
   * @param interval the time between samples
   * @param running whether the controller samples on its own thread
   * @param signalFailures health signals that threw or did not answer in time since the controller was built
   * @param warnings risky settings found when the controller was built
   * @param lastChange the last level change, or null
   */
  public record ControllerDescriptor(int level, String factor, List<String> levels, boolean pinned, String floor,
      String ceiling, String health, String healthDetail, String interval, boolean running, long signalFailures,
      List<String> warnings, @Nullable ChangeDescriptor lastChange) {
  }

  /**
   * @param fromLevel the level before
   * @param toLevel the level after
   * @param fromFactor the factor before
   * @param toFactor the factor after
   * @param cause DOWN, UP, EMERGENCY, PIN or UNPIN
   * @param reason the signals' verdicts or the operator's reason
   * @param at when the endpoint saw the change, or null if before the endpoint existed
   */
  public record ChangeDescriptor(int fromLevel, int toLevel, String fromFactor, String toFactor, String cause,
      String reason, @Nullable Instant at) {
  }

  /**
   * @param policy the policy
   * @param key the client key
   * @param released whether the client was in the box
   */
  public record ReleaseDescriptor(String policy, String key, boolean released) {
  }
}
