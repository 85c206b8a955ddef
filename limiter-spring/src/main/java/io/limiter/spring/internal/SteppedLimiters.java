package io.limiter.spring.internal;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * The application's {@link SteppedRateLimiter}s, one per policy with step-function throttling, shared by the
 * {@code @RateLimit} aspect, the URL-rule filter and the actuator endpoint (so they share the policy's penalty box).
 * Their request context is the tier <em>name</em>: each caller resolves the tier its own way (a SpEL expression over
 * the method's arguments, a header of the request) and passes the name. Thread-safe.
 */
public final class SteppedLimiters {

  /**
   * The step parts of one policy as written, with where each came from.
   *
   * @param tiers the tier spec, or null
   * @param tierKey where a call's tier comes from, or null
   * @param schedule the schedule spec, or null
   * @param adaptive the controller name, or null
   * @param penalty the penalty spec, or null
   * @param source names an element for messages: {@code tiers} → {@code property limiter.policies.api.tiers}
   */
  public record StepParts(String tiers, String tierKey, String schedule, String adaptive, String penalty,
      UnaryOperator<String> source) {

    /** Blank strings mean "not set". */
    public StepParts {
      tiers = blankToNull(tiers);
      tierKey = blankToNull(tierKey);
      schedule = blankToNull(schedule);
      adaptive = blankToNull(adaptive);
      penalty = blankToNull(penalty);
      Objects.requireNonNull(source, "source");
    }

    /** @return whether no part is set */
    public boolean isEmpty() {
      return tiers == null && tierKey == null && schedule == null && adaptive == null && penalty == null;
    }

    /**
     * @param names the names of the elements in the caller's style, in the order tiers, tier key, schedule,
     *     adaptive, penalty
     * @return the names of the parts that are set
     */
    public List<String> names(String... names) {
      String[] values = {tiers, tierKey, schedule, adaptive, penalty};
      List<String> set = new java.util.ArrayList<>();
      for (int i = 0; i < values.length; i++) {
        if (values[i] != null) {
          set.add(names[i]);
        }
      }
      return set;
    }

    private static String blankToNull(String s) {
      return s == null || s.isBlank() ? null : s.trim();
    }
  }

  /**
   * A built limiter with the parts it came from.
   *
   * @param limiter the limiter; its context is the tier name
   * @param parts what it was built from
   * @param owner the element that defined it (a property prefix, an annotated element)
   */
  public record Entry(SteppedRateLimiter<String> limiter, StepParts parts, String owner) {
  }

  private final RateLimiterRegistry registry;
  private final StepControllerRegistry controllers;
  private final List<PenaltyListener> penaltyListeners;
  private final Map<String, Entry> byPolicy = new ConcurrentHashMap<>();

  /**
   * @param registry the store and decision listener of the limiters
   * @param controllers the step controllers policies refer to by name
   * @param penaltyListeners told about clients entering and leaving every penalty box
   */
  public SteppedLimiters(RateLimiterRegistry registry, StepControllerRegistry controllers,
      List<PenaltyListener> penaltyListeners) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.controllers = Objects.requireNonNull(controllers, "controllers");
    this.penaltyListeners = List.copyOf(penaltyListeners);
  }

  /** @return the step controllers */
  public StepControllerRegistry controllers() {
    return controllers;
  }

  /**
   * @param policy a policy name
   * @return its stepped limiter, or null
   */
  public Entry find(String policy) {
    return byPolicy.get(policy);
  }

  /** @return every stepped limiter by policy name, sorted */
  public Map<String, Entry> all() {
    return new TreeMap<>(byPolicy);
  }

  /**
   * Builds the stepped limiter of a policy, or returns the one {@code owner} built before.
   *
   * @param policy the policy (registered in the registry)
   * @param parts its steps, not empty
   * @param owner the defining element; a second owner of the same policy name is a problem
   * @param where names the element in messages about the combination, e.g. {@code @RateLimit on Api.search()}
   * @param problems receives what is wrong
   * @return the entry, or null if there were problems
   */
  public Entry build(LimitPolicy policy, StepParts parts, String owner, String where, List<String> problems) {
    Entry existing = byPolicy.get(policy.name());
    if (existing != null) {
      if (existing.owner().equals(owner)) {
        return existing;
      }
      problems.add(where + ": policy " + policy.name() + " already has step throttling from " + existing.owner()
          + "; give the policy another name, or define it once and refer to it by name");
      return null;
    }
    int before = problems.size();
    SteppedRateLimiter.Builder<String> b = SteppedRateLimiter.<String>builder(policy, registry.store())
        .listener(registry.listener());
    if (parts.tiers() != null) {
      b.tiers(parts.tiers(), parts.source().apply("tiers"));
      if (parts.tierKey() == null) {
        problems.add(where + ": tiers need a tier key (" + parts.source().apply("tierKey") + ", e.g. authority:PLAN_, "
            + "attribute:plan or a SpEL expression that looks the plan up) to find a call's tier");
      }
      b.tierResolver(tier -> tier);
    } else if (parts.tierKey() != null) {
      problems.add(parts.source().apply("tierKey") + ": tier key \"" + parts.tierKey() + "\" needs tiers ("
          + parts.source().apply("tiers") + ")");
    }
    if (parts.schedule() != null) {
      b.schedule(parts.schedule(), parts.source().apply("schedule"));
    }
    if (parts.adaptive() != null) {
      StepController controller = controllers.find(parts.adaptive()).orElse(null);
      if (controller == null) {
        problems.add(parts.source().apply("adaptive") + ": unknown step controller \"" + parts.adaptive()
            + "\"; known controllers: " + (controllers.names().isEmpty() ? "none (define them with limiter.adaptive."
            + "<name>.* or StepController beans)" : controllers.names()));
      } else {
        b.controller(controller);
      }
    }
    if (parts.penalty() != null) {
      b.penalty(parts.penalty(), parts.source().apply("penalty"));
      penaltyListeners.forEach(b::penaltyListener);
    }
    SteppedRateLimiter<String> limiter = null;
    try {
      limiter = b.build();
    } catch (RateLimitConfigException e) {
      Map<String, String> unique = new LinkedHashMap<>();
      for (String p : e.problems()) {
        // parse problems name their source already; combination problems ("policy api: ...") get the element
        unique.putIfAbsent(p, p.startsWith("policy " + policy.name() + ":") ? where + ": " + p : p);
      }
      problems.addAll(unique.values());
    }
    if (problems.size() > before || limiter == null) {
      return null;
    }
    Entry entry = new Entry(limiter, parts, owner);
    Entry raced = byPolicy.putIfAbsent(policy.name(), entry);
    return raced != null ? raced : entry;
  }
}
