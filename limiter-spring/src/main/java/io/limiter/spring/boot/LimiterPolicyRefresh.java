package io.limiter.spring.boot;

import io.limiter.core.LimitPolicy;
import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.PolicySettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.core.env.Environment;

/**
 * Applies {@code limiter.policies.*} again from the {@link Environment} as it is now, without a restart: for property
 * sources that change at runtime (a config server, a mounted config map re-read into the environment). Called by the
 * actuator write {@code POST /actuator/ratelimits/policies} (which exists only when the endpoint's writes are enabled,
 * and is then to be protected like them: docs/spring.md), by Spring Cloud's {@code EnvironmentChangeEvent} when
 * spring-cloud-context is present ({@code io.limiter.spring.boot.cloud.LimiterEnvironmentChangeListener}) or by
 * application code.
 *
 * <p>A refresh is checked exactly as at startup: the whole {@code limiter.*} tree is bound and validated, and any
 * problem refuses the refresh whole, with the same listing as a startup failure ({@link RateLimitConfigException});
 * the running policies stay in force. Otherwise every changed or added policy replaces the registry's at once
 * ({@link RateLimiterRegistry#replaceAll}): each client's state carries over when the policy's shape (algorithm and
 * periods) stays the same, and starts empty otherwise, never a lockout. Each change publishes a
 * {@link RateLimitPolicyChangedEvent}; with Micrometer, the counter {@code limiter.policy.changes} counts them.
 *
 * <p>Not re-read: policies removed from the properties (they stay, since annotations may name them), URL rules
 * ({@code limiter.filter.*}) and store settings. A policy with step throttling follows a change of its limits,
 * algorithm, cost, shadow or failure mode (its tiers, schedule, levels and penalty apply to the new limits; a change
 * they cannot apply to is refused with the reason), but its step settings themselves ({@code tiers},
 * {@code tier-key}, {@code schedule}, {@code adaptive}, {@code penalty}) are built once at startup: changing them is
 * refused, naming them. Thread-safe: refreshes are serialized.
 */
public final class LimiterPolicyRefresh {

  private static final List<String> STEP_PARTS = List.of("tiers", "tier-key", "schedule", "adaptive", "penalty");

  private final Environment environment;
  private final RateLimiterRegistry registry;
  private final @Nullable ApplicationEventPublisher events;
  /** The keys and missing-key strategies bound at startup: the integrations resolve them once, so they cannot change. */
  private final io.limiter.spring.@Nullable PolicyDefaults startup;
  /** The step settings of each policy at startup, as written: built once, so they cannot change. */
  private final Map<String, Map<String, String>> startupSteps = new HashMap<>();
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * @param environment where {@code limiter.*} is read from
   * @param registry the application's policies
   * @param events where changes are published, or null
   */
  public LimiterPolicyRefresh(Environment environment, RateLimiterRegistry registry,
      @Nullable ApplicationEventPublisher events) {
    this(environment, registry, events, null);
  }

  /**
   * @param environment where {@code limiter.*} is read from
   * @param registry the application's policies
   * @param events where changes are published, or null
   * @param startup the properties bound at startup, whose policy keys a refresh may not change; null for none
   */
  public LimiterPolicyRefresh(Environment environment, RateLimiterRegistry registry,
      @Nullable ApplicationEventPublisher events, @Nullable LimiterProperties startup) {
    PolicyProperties read = startup == null ? null : PolicyProperties.read(startup);
    this.startup = read == null ? null : read.defaults();
    if (read != null) {
      read.settings().forEach((name, settings) -> startupSteps.put(name, steps(settings)));
    }
    this.environment = Objects.requireNonNull(environment, "environment");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.events = events;
  }

  /**
   * Re-reads {@code limiter.policies.*} and applies what changed.
   *
   * @return the changes made, in the order of the properties; empty if nothing changed
   * @throws RateLimitConfigException listing every problem, as at startup; nothing was changed then
   */
  public List<PolicyChange> refresh() {
    lock.lock();
    try {
      List<String> problems = LimiterPropertiesCheck.problems(environment);
      if (!problems.isEmpty()) {
        throw new RateLimitConfigException(problems);
      }
      LimiterProperties properties = Binder.get(environment).bind("limiter", Bindable.of(LimiterProperties.class))
          .orElseGet(LimiterProperties::new);
      PolicyProperties read = PolicyProperties.read(properties); // throws the startup listing of policy problems
      List<LimitPolicy> changed = new ArrayList<>();
      List<String> refused = new ArrayList<>();
      if (startup != null) {
        for (String name : read.settings().keySet()) {
          if (!Objects.equals(startup.keys().get(name), read.defaults().keys().get(name))
              || !Objects.equals(startup.missingKeys().get(name), read.defaults().missingKeys().get(name))) {
            refused.add("limiter.policies." + name + ": key and missing-key are resolved once at startup and cannot "
                + "change at runtime (they did); restart the application");
          }
        }
      }
      for (LimitPolicy policy : read.policies()) {
        LimitPolicy running = registry.find(policy.name()).map(l -> l.policy()).orElse(null);
        if (Objects.equals(policy, running)) {
          continue;
        }
        PolicySettings settings = read.settings().get(policy.name());
        Map<String, String> steps = settings == null ? Map.of() : steps(settings);
        Map<String, String> before = startupSteps.getOrDefault(policy.name(), Map.of());
        // without the startup properties, a policy with steps cannot be told apart from one whose steps changed
        if (running != null && (startup == null ? !steps.isEmpty() : !steps.equals(before))) {
          refused.add("limiter.policies." + policy.name() + ": its step settings " + STEP_PARTS + " are built once "
              + "at startup and cannot change at runtime (" + (startup == null ? "unknown" : before) + " at startup, "
              + steps + " now); restart the application to change them (its limits, algorithm, cost, shadow and "
              + "failure-mode may change)");
          continue;
        }
        changed.add(policy);
      }
      if (!refused.isEmpty()) {
        throw new RateLimitConfigException(refused);
      }
      // throws the startup-style listing when a stepped policy's steps cannot apply to its new limits
      List<PolicyChange> changes = registry.replaceAll(changed);
      if (events != null) {
        for (PolicyChange change : changes) {
          events.publishEvent(new RateLimitPolicyChangedEvent(this, change));
        }
      }
      return changes;
    } finally {
      lock.unlock();
    }
  }

  /** The step settings of a policy as written, by name; blank ones left out. */
  private static Map<String, String> steps(PolicySettings settings) {
    Map<String, String> steps = new TreeMap<>();
    for (String part : STEP_PARTS) {
      if (settings.has(part)) { // so it is set
        steps.put(part, Objects.requireNonNull(settings.get(part)).value().trim());
      }
    }
    return steps;
  }

  @Override
  public String toString() {
    return "LimiterPolicyRefresh{" + registry.names() + "}";
  }
}
