package io.limiter.web.internal;

import io.limiter.core.ChargeOn;
import io.limiter.core.KeyResolver;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimiter;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import io.limiter.web.RequestKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One limit the filter applies: a limiter, the permits a request takes, how to find the key and what to do without
 * one; plus, for path rules, where it applies. Built once at init; its identity is what the once-per-request guard
 * records, so a forward to a path under the same rule is not charged twice.
 */
public final class Binding {

  private final String source;
  private final RateLimiter limiter;
  private final long permits;
  private final KeyResolver<HttpRequestView> key;
  private final @Nullable KeyReference keyReference;
  private final String keyDescription;
  private final @Nullable String keyChallenge;
  private final MissingKeyStrategy missingKey;
  private final List<PathPattern> patterns;
  private final Set<String> methods;
  private final StepBinder.@Nullable Stepped stepped;
  private final boolean sharedKey;
  private final ChargeOn chargeOn;
  private final @Nullable ActualCost actualCost;

  /**
   * @param source where it was configured, for messages: {@code rule search}, {@code @RateLimit on X.doGet}
   * @param limiter the limiter
   * @param permits the cost of one request
   * @param key the key resolver
   * @param keyReference the key as configured, for the missing-key response; null for a custom resolver
   * @param missingKey what to do without a key
   * @param patterns compiled path patterns; empty for annotations (which apply by servlet)
   * @param methods upper-case HTTP methods, empty for all
   * @param stepped the policy's step-function throttling (then {@code limiter} is its limiter), or null
   */
  public Binding(String source, RateLimiter limiter, long permits, KeyResolver<HttpRequestView> key,
      @Nullable KeyReference keyReference, MissingKeyStrategy missingKey, List<PathPattern> patterns,
      Set<String> methods, StepBinder.@Nullable Stepped stepped) {
    this.source = source;
    this.limiter = stepped != null ? stepped.limiter() : limiter;
    this.stepped = stepped;
    this.permits = permits;
    this.key = key;
    this.keyReference = keyReference;
    this.keyDescription = keyReference == null ? "a client key" : keyReference.describe();
    this.keyChallenge = keyReference == null ? null : keyReference.challenge().orElse(null);
    this.sharedKey = keyReference != null && keyReference.parts().size() == 1
        && keyReference.parts().get(0).kind() == KeyReference.Kind.GLOBAL;
    this.missingKey = missingKey;
    this.patterns = List.copyOf(patterns);
    this.methods = Set.copyOf(methods);
    this.chargeOn = ChargeOn.always();
    this.actualCost = null;
  }

  private Binding(Binding b, ChargeOn chargeOn, @Nullable ActualCost actualCost) {
    this.source = b.source;
    this.limiter = b.limiter;
    this.stepped = b.stepped;
    this.permits = b.permits;
    this.key = b.key;
    this.keyReference = b.keyReference;
    this.keyDescription = b.keyDescription;
    this.keyChallenge = b.keyChallenge;
    this.sharedKey = b.sharedKey;
    this.missingKey = b.missingKey;
    this.patterns = b.patterns;
    this.methods = b.methods;
    this.chargeOn = chargeOn;
    this.actualCost = actualCost;
  }

  /**
   * @param on which outcomes keep a request's permits
   * @return this binding charging on that outcome
   */
  public Binding withChargeOn(ChargeOn on) {
    return on.equals(chargeOn) ? this : new Binding(this, on, actualCost);
  }

  /**
   * @param cost where the actual cost is read when the response is complete, or null to keep the cost reserved
   * @return this binding settling to that cost
   */
  public Binding withActualCost(@Nullable ActualCost cost) {
    return cost == actualCost ? this : new Binding(this, chargeOn, cost);
  }

  /** @return where the actual cost is read when the response is complete, or null (the reserved cost stays) */
  public @Nullable ActualCost actualCost() {
    return actualCost;
  }

  /** @return which outcomes keep a request's permits ({@link ChargeOn#always()}: every admitted request's) */
  public ChargeOn chargeOn() {
    return chargeOn;
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
  public boolean appliesTo(String method, String canonicalPath) {
    if (!methods.isEmpty() && !methods.contains(method) && !(method.equals("HEAD") && methods.contains("GET"))) {
      return false;
    }
    for (int i = 0; i < patterns.size(); i++) { // indexed: no iterator per request and rule
      if (patterns.get(i).matches(canonicalPath)) {
        return true;
      }
    }
    return false;
  }

  public String source() {
    return source;
  }

  public RateLimiter limiter() {
    return limiter;
  }

  public long permits() {
    return permits;
  }

  public KeyResolver<HttpRequestView> key() {
    return key;
  }

  /** Whether every request shares one key ({@code global}): the penalty box must never box it. */
  public boolean sharedKey() {
    return sharedKey;
  }

  /**
   * What a request whose key is missing lacks, for the missing-key response: only the parts of a composite key that
   * are absent, so that {@code ip, attribute:loginName} says "the request attribute loginName" rather than claiming
   * the (present) client address is missing too. A composite key is missing if any part is; when every header,
   * principal and attribute part is present, the client address must be what failed, and the whole key is named.
   *
   * @param request the request without a key
   * @return a phrase such as {@code the request attribute loginName}
   */
  public String missingKeyDescription(HttpRequestView request) {
    if (keyReference == null || keyReference.parts().size() < 2) {
      return keyDescription;
    }
    List<String> missing = new ArrayList<>();
    for (KeyReference.Part part : keyReference.parts()) {
      KeyResolver<HttpRequestView> plain = switch (part.kind()) {
        // header and attribute parts always have an argument
        case HEADER -> RequestKeys.header(Objects.requireNonNull(part.argument(), "argument"));
        case PRINCIPAL -> RequestKeys.principal();
        case ATTRIBUTE -> RequestKeys.attribute(Objects.requireNonNull(part.argument(), "argument"));
        default -> null; // ip needs the filter's resolver, global is never missing: decided by elimination below
      };
      if (plain != null && KeyResolver.isMissing(plain.resolve(request))) {
        missing.add(KeyReference.parse(part.toString()).describe());
      }
    }
    return missing.isEmpty() ? keyDescription : String.join(" and ", missing);
  }

  /** The {@code WWW-Authenticate} challenge for a 401 without the key, or null if the key has none. */
  public @Nullable String keyChallenge() {
    return keyChallenge;
  }

  public MissingKeyStrategy missingKey() {
    return missingKey;
  }

  public StepBinder.@Nullable Stepped stepped() {
    return stepped;
  }

  @Override
  public String toString() {
    return source + " -> " + limiter.policy();
  }
}
