package io.limiter.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one immutable result of asking a store for permits; it flows unchanged from the store to the HTTP layer, which
 * only formats it (429, {@code Retry-After}, {@code RateLimit} fields, problem body).
 *
 * <p>It says whether the request may proceed ({@link #allowed()}) and why: the {@link #outcome()}, the
 * {@link #limit() limit that decided} (for a rejection the one that forces the longest wait; for an admission the one
 * with the fewest permits left), the {@link #remaining() permits left} under it (never negative), the exact
 * {@link #retryAfter() time until a retry succeeds} and the {@link #resetAfter() time until it is full again}. The
 * state of every limit of a multi-limit policy is in {@link #limitStates()}.
 *
 * <p>Retry-after is exact for the store's clock: with no other traffic for the key, a retry of the same cost after
 * exactly {@code retryAfterNanos()} succeeds and one nanosecond earlier fails. A request that can never succeed (its
 * cost exceeds a limit's capacity) has {@code retryAfterNanos() == Decision.NEVER}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Decision {

  /** {@link #retryAfterNanos()} of a request that can never succeed: its cost exceeds a limit's capacity. */
  public static final long NEVER = Long.MAX_VALUE;

  /** What happened to the request. */
  public enum Outcome {
    /** Within the limits; the permits were charged. */
    ALLOWED,
    /** Over a limit; nothing was charged. */
    REJECTED,
    /** Over a limit in a {@link LimitPolicy#shadow() shadow} policy: let through, nothing charged, reported. */
    SHADOW_REJECTED
  }

  private final LimitPolicy policy;
  private final Outcome outcome;
  private final boolean degraded;
  private final int limitIndex;
  private final long remaining;
  private final long retryAfterNanos;
  private final long resetAfterNanos;
  private final long refillAfterNanos;
  /** Remaining, reset and refill of every limit, interleaved; null with one limit (the fields say it all). */
  private final long @Nullable [] perLimit;
  private final boolean unlimited;

  private Decision(LimitPolicy policy, Outcome outcome, boolean degraded, int limitIndex, long remaining,
      long retryAfterNanos, long resetAfterNanos, long refillAfterNanos, long @Nullable [] perLimit) {
    this(policy, outcome, degraded, limitIndex, remaining, retryAfterNanos, resetAfterNanos, refillAfterNanos,
        perLimit, false);
  }

  private Decision(LimitPolicy policy, Outcome outcome, boolean degraded, int limitIndex, long remaining,
      long retryAfterNanos, long resetAfterNanos, long refillAfterNanos, long @Nullable [] perLimit,
      boolean unlimited) {
    this.unlimited = unlimited;
    this.policy = policy;
    this.outcome = outcome;
    this.degraded = degraded;
    this.limitIndex = limitIndex;
    this.remaining = Math.max(0, remaining);
    this.retryAfterNanos = Math.max(0, retryAfterNanos);
    this.resetAfterNanos = Math.max(0, resetAfterNanos);
    this.refillAfterNanos = Math.max(0, refillAfterNanos);
    this.perLimit = perLimit;
  }

  /**
   * Creates an admission for a single-limit decision. For stores.
   *
   * @param policy the policy decided
   * @param limitIndex the index of the deciding limit in {@link LimitPolicy#limits()}
   * @param remaining permits left after this request
   * @param resetAfterNanos nanoseconds until the limit is full again
   * @param refillAfterNanos nanoseconds until at least one more permit is available (0 when full)
   * @return the decision
   */
  public static Decision allowed(LimitPolicy policy, int limitIndex, long remaining, long resetAfterNanos,
      long refillAfterNanos) {
    checkIndex(policy, limitIndex);
    return new Decision(policy, Outcome.ALLOWED, false, limitIndex, remaining, 0, resetAfterNanos, refillAfterNanos,
        null);
  }

  /**
   * Creates a rejection for a single-limit decision. For stores.
   *
   * @param policy the policy decided
   * @param limitIndex the index of the deciding limit
   * @param remaining permits available now (fewer than requested)
   * @param retryAfterNanos nanoseconds until the same request would succeed, or {@link #NEVER}
   * @param resetAfterNanos nanoseconds until the limit is full again
   * @param refillAfterNanos nanoseconds until at least one more permit is available
   * @return the decision
   */
  public static Decision rejected(LimitPolicy policy, int limitIndex, long remaining, long retryAfterNanos,
      long resetAfterNanos, long refillAfterNanos) {
    checkIndex(policy, limitIndex);
    return new Decision(policy, Outcome.REJECTED, false, limitIndex, remaining, retryAfterNanos, resetAfterNanos,
        refillAfterNanos, null);
  }

  /**
   * Creates a decision over several limits. For stores.
   *
   * @param policy the policy decided
   * @param allowed whether the request was admitted (and charged to every limit)
   * @param limitIndex the index of the deciding limit
   * @param retryAfterNanos for a rejection, nanoseconds until every limit admits the request, or {@link #NEVER}
   * @param remaining permits left under each limit, in the order of {@link LimitPolicy#limits()}
   * @param resetAfterNanos nanoseconds until each limit is full again
   * @param refillAfterNanos nanoseconds until each limit has at least one more permit (0 when full)
   * @return the decision
   */
  public static Decision of(LimitPolicy policy, boolean allowed, int limitIndex, long retryAfterNanos,
      long[] remaining, long[] resetAfterNanos, long[] refillAfterNanos) {
    checkIndex(policy, limitIndex);
    int n = policy.limits().size();
    if (remaining.length != n || resetAfterNanos.length != n || refillAfterNanos.length != n) {
      throw new IllegalArgumentException("expected " + n + " remaining, reset and refill values for policy "
          + policy.name() + " but got " + remaining.length + ", " + resetAfterNanos.length + " and "
          + refillAfterNanos.length);
    }
    long[] interleaved = null;
    if (n > 1) {
      interleaved = new long[3 * n];
      for (int i = 0; i < n; i++) {
        interleaved[3 * i] = Math.max(0, remaining[i]);
        interleaved[3 * i + 1] = Math.max(0, resetAfterNanos[i]);
        interleaved[3 * i + 2] = Math.max(0, refillAfterNanos[i]);
      }
    }
    return new Decision(policy, allowed ? Outcome.ALLOWED : Outcome.REJECTED, false, limitIndex,
        remaining[limitIndex], allowed ? 0 : retryAfterNanos, resetAfterNanos[limitIndex],
        refillAfterNanos[limitIndex], interleaved);
  }

  /**
   * A degraded admission: the store failed and the policy {@link FailureMode#FAIL_OPEN fails open}. It reports the
   * first limit with nothing known about its state (remaining 0, reset 0).
   *
   * @param policy the policy
   * @return the decision
   */
  public static Decision degradedAllowed(LimitPolicy policy) {
    return new Decision(policy, Outcome.ALLOWED, true, 0, 0, 0, 0, 0, null);
  }

  /**
   * A degraded rejection: the store failed and the policy {@link FailureMode#FAIL_CLOSED fails closed}. HTTP layers
   * answer 503 rather than 429.
   *
   * @param policy the policy
   * @param retryAfterNanos when the client should try again
   * @return the decision
   */
  public static Decision degradedRejected(LimitPolicy policy, long retryAfterNanos) {
    return new Decision(policy, Outcome.REJECTED, true, 0, 0, retryAfterNanos, 0, retryAfterNanos, null);
  }

  /**
   * An admission without a limit: the client's tier is {@code unlimited}, so no store was asked. It reports
   * {@link Long#MAX_VALUE} permits remaining; {@link #unlimited()} is true and HTTP layers write no rate limit fields
   * for it. The same instance may be returned for every such request.
   *
   * @param policy the policy that let the request through
   * @return the decision
   */
  public static Decision unlimited(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return new Decision(policy, Outcome.ALLOWED, false, 0, Long.MAX_VALUE, 0, 0, 0, null, true);
  }

  private static void checkIndex(LimitPolicy policy, int limitIndex) {
    Objects.requireNonNull(policy, "policy");
    Objects.checkIndex(limitIndex, policy.limits().size());
  }

  /**
   * Returns this rejection as {@link Outcome#SHADOW_REJECTED}: the request may proceed. Other decisions are returned
   * unchanged.
   *
   * @return the shadow decision
   */
  public Decision asShadow() {
    if (outcome != Outcome.REJECTED) {
      return this;
    }
    return new Decision(policy, Outcome.SHADOW_REJECTED, degraded, limitIndex, remaining, retryAfterNanos,
        resetAfterNanos, refillAfterNanos, perLimit);
  }

  /**
   * Returns a copy marked degraded: decided by a fallback while the real store failed.
   *
   * @return the degraded decision
   */
  public Decision asDegraded() {
    if (degraded || unlimited) {
      return this;
    }
    return new Decision(policy, outcome, true, limitIndex, remaining, retryAfterNanos, resetAfterNanos,
        refillAfterNanos, perLimit);
  }

  /** @return the policy this decision is about */
  public LimitPolicy policy() {
    return policy;
  }

  /** @return what happened */
  public Outcome outcome() {
    return outcome;
  }

  /** @return whether the request may proceed: admitted, or over the limit in a shadow policy */
  public boolean allowed() {
    return outcome != Outcome.REJECTED;
  }

  /** @return whether the request must be refused */
  public boolean rejected() {
    return outcome == Outcome.REJECTED;
  }

  /** @return whether the request was over a limit, whether or not it was refused (shadow) */
  public boolean overLimit() {
    return outcome != Outcome.ALLOWED;
  }

  /** @return whether no limit applied at all (an {@code unlimited} client tier); see {@link #unlimited(LimitPolicy)} */
  public boolean unlimited() {
    return unlimited;
  }

  /** @return whether the store failed and the decision came from the policy's {@link FailureMode} */
  public boolean degraded() {
    return degraded;
  }

  /** @return the limit that decided */
  public Limit limit() {
    return policy.limits().get(limitIndex);
  }

  /** @return the index of {@link #limit()} in {@link LimitPolicy#limits()} */
  public int limitIndex() {
    return limitIndex;
  }

  /** @return permits left under the deciding limit; never negative */
  public long remaining() {
    return remaining;
  }

  /** @return the time until the same request would succeed; zero when allowed */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }

  /** @return {@link #retryAfter()} in nanoseconds; {@link #NEVER} if it can never succeed */
  public long retryAfterNanos() {
    return retryAfterNanos;
  }

  /** @return the time until the deciding limit is full again (all its permits available) */
  public Duration resetAfter() {
    return Duration.ofNanos(resetAfterNanos);
  }

  /** @return {@link #resetAfter()} in nanoseconds */
  public long resetAfterNanos() {
    return resetAfterNanos;
  }

  /**
   * Returns the time until the deciding limit has at least one more permit than now; zero when it is full. This is
   * the {@code t} of the IETF {@code RateLimit} field ("until additional quota is made available"). For a rejection
   * of cost 1 it equals {@link #retryAfter()}; for a larger cost it may be shorter.
   *
   * @return the time until more quota
   */
  public Duration refillAfter() {
    return Duration.ofNanos(refillAfterNanos);
  }

  /** @return {@link #refillAfter()} in nanoseconds */
  public long refillAfterNanos() {
    return refillAfterNanos;
  }

  /**
   * Returns the state of every limit of the policy after this decision, in the order of
   * {@link LimitPolicy#limits()}. For a degraded decision the values are zero (unknown).
   *
   * @return one entry per limit
   */
  public List<LimitState> limitStates() {
    List<Limit> limits = policy.limits();
    if (perLimit == null) {
      if (limits.size() == 1) {
        return List.of(new LimitState(limits.get(0), remaining, resetAfterNanos, refillAfterNanos));
      }
      List<LimitState> unknown = new ArrayList<>(limits.size());
      for (int i = 0; i < limits.size(); i++) {
        unknown.add(i == limitIndex ? new LimitState(limits.get(i), remaining, resetAfterNanos, refillAfterNanos)
            : new LimitState(limits.get(i), 0, 0, 0));
      }
      return unknown;
    }
    List<LimitState> states = new ArrayList<>(limits.size());
    for (int i = 0; i < limits.size(); i++) {
      states.add(new LimitState(limits.get(i), perLimit[3 * i], perLimit[3 * i + 1], perLimit[3 * i + 2]));
    }
    return states;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Decision{").append(outcome);
    if (degraded) {
      sb.append(" degraded");
    }
    if (unlimited) {
      return sb.append(" unlimited, policy=").append(policy.name()).append('}').toString();
    }
    sb.append(", policy=").append(policy.name()).append(", limit=").append(limit())
        .append(", remaining=").append(remaining);
    if (outcome != Outcome.ALLOWED) {
      sb.append(", retryAfter=").append(retryAfterNanos == NEVER ? "never" : retryAfter().toString());
    }
    return sb.append(", resetAfter=").append(resetAfter()).append('}').toString();
  }

  /**
   * The state of one limit after a decision.
   *
   * @param limit the limit
   * @param remaining permits left; never negative
   * @param resetAfterNanos nanoseconds until the limit is full again
   * @param refillAfterNanos nanoseconds until the limit has at least one more permit; 0 when full
   */
  public record LimitState(Limit limit, long remaining, long resetAfterNanos, long refillAfterNanos) {
    /** @return {@link #resetAfterNanos()} as a duration */
    public Duration resetAfter() {
      return Duration.ofNanos(resetAfterNanos);
    }

    /** @return {@link #refillAfterNanos()} as a duration */
    public Duration refillAfter() {
      return Duration.ofNanos(refillAfterNanos);
    }
  }
}
