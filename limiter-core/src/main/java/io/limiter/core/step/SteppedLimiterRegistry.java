package io.limiter.core.step;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * An application's {@link SteppedRateLimiter}s, one per policy with step-function throttling, shared by every
 * front-end that charges the policy (an aspect, a URL-rule filter, an actuator endpoint), so that they share its
 * penalty box as well as its store state. Their request context is the tier <em>name</em>: each caller resolves the
 * tier its own way and passes the name. Limiters are built by {@link StepParts#build}, so every front-end gets the
 * same checks and messages, and each follows the registry's changes of its policy
 * ({@link RateLimiterRegistry#replace}: the steps apply to the new limits, or the change is refused whole when they
 * cannot). An entry's {@link Entry#parts() parts} are those it was built with: step settings are not changed at
 * runtime. Thread-safe.
 */
public final class SteppedLimiterRegistry {

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
  public SteppedLimiterRegistry(RateLimiterRegistry registry, StepControllerRegistry controllers,
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
  public @Nullable Entry find(String policy) {
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
  public @Nullable Entry build(LimitPolicy policy,
 StepParts parts, String owner, String where, List<String> problems) {
    Entry existing = byPolicy.get(policy.name());
    if (existing != null) {
      if (existing.owner().equals(owner)) {
        return existing;
      }
      problems.add(where + ": policy " + policy.name() + " already has step-function throttling from " + existing.owner()
          + "; give the policy another name, or define it once and refer to it by name");
      return null;
    }
    SteppedRateLimiter<String> limiter = parts.build(policy, registry, controllers, penaltyListeners, where,
        problems);
    if (limiter == null) {
      return null;
    }
    Entry entry = new Entry(limiter, parts, owner);
    Entry raced = byPolicy.putIfAbsent(policy.name(), entry);
    return raced != null ? raced : entry;
  }
}
