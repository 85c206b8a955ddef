package io.limiter.servlet.internal;

import io.limiter.core.KeyResolver;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimiter;
import io.limiter.servlet.KeyReference;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Set;

/**
 * One limit the filter applies: a limiter, the permits a request takes, how to find the key and what to do without
 * one; plus, for path rules, where it applies. Built once at init; its identity is what the once-per-request guard
 * records, so a forward to a path under the same rule is not charged twice.
 */
public final class Binding {

  private final String source;
  private final RateLimiter limiter;
  private final long permits;
  private final KeyResolver<HttpServletRequest> key;
  private final String keyDescription;
  private final String keyChallenge;
  private final MissingKeyStrategy missingKey;
  private final List<PathPattern> patterns;
  private final Set<String> methods;
  private final StepBinder.Stepped stepped;
  private final boolean sharedKey;

  /**
   * @param source where it was configured, for messages: {@code rule search}, {@code @RateLimit on X.doGet}
   * @param limiter the limiter
   * @param permits the cost of one request
   * @param key the key resolver
   * @param keyReference the key as configured, for the missing-key response; null for a custom resolver
   * @param missingKey what to do without a key
   * @param patterns compiled path patterns; empty for annotations (which apply by servlet)
   * @param methods upper-case HTTP methods, empty for all
   * @param stepped the policy's step throttling (then {@code limiter} is its limiter), or null
   */
  public Binding(String source, RateLimiter limiter, long permits, KeyResolver<HttpServletRequest> key,
      KeyReference keyReference, MissingKeyStrategy missingKey, List<PathPattern> patterns, Set<String> methods,
      StepBinder.Stepped stepped) {
    this.source = source;
    this.limiter = stepped != null ? stepped.limiter() : limiter;
    this.stepped = stepped;
    this.permits = permits;
    this.key = key;
    this.keyDescription = keyReference == null ? "a client key" : keyReference.describe();
    this.keyChallenge = keyReference == null ? null : keyReference.challenge().orElse(null);
    this.sharedKey = keyReference != null && keyReference.parts().size() == 1
        && keyReference.parts().get(0).kind() == KeyReference.Kind.GLOBAL;
    this.missingKey = missingKey;
    this.patterns = List.copyOf(patterns);
    this.methods = Set.copyOf(methods);
  }

  /**
   * Reports a cost that no limit of the policy can ever admit.
   *
   * @param policy the policy
   * @param cost the permits one request takes
   * @param problems receives the problem
   * @param where the prefix naming the configuration element, ending in {@code ": "}
   */
  public static void checkCost(LimitPolicy policy, long cost, List<String> problems, String where) {
    for (Limit limit : policy.limits()) {
      if (cost > limit.burst()) {
        problems.add(where + "cost " + cost + " exceeds the capacity " + limit.burst() + " of limit " + limit
            + " of policy " + policy.name() + "; every request would be rejected");
      }
    }
  }

  /** Whether a path rule applies; HEAD counts as GET because servlets answer HEAD by running doGet. */
  boolean appliesTo(String method, String canonicalPath) {
    if (!methods.isEmpty() && !methods.contains(method) && !(method.equals("HEAD") && methods.contains("GET"))) {
      return false;
    }
    for (PathPattern p : patterns) {
      if (p.matches(canonicalPath)) {
        return true;
      }
    }
    return false;
  }

  String source() {
    return source;
  }

  RateLimiter limiter() {
    return limiter;
  }

  long permits() {
    return permits;
  }

  KeyResolver<HttpServletRequest> key() {
    return key;
  }

  /** Whether every request shares one key ({@code global}): the penalty box must never box it. */
  boolean sharedKey() {
    return sharedKey;
  }

  String keyDescription() {
    return keyDescription;
  }

  /** The {@code WWW-Authenticate} challenge for a 401 without the key, or null if the key has none. */
  String keyChallenge() {
    return keyChallenge;
  }

  MissingKeyStrategy missingKey() {
    return missingKey;
  }

  StepBinder.Stepped stepped() {
    return stepped;
  }

  @Override
  public String toString() {
    return source + " -> " + limiter.policy();
  }
}
