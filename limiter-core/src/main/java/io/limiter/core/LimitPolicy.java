package io.limiter.core;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, named rate limiting policy: one or more {@link Limit}s decided and charged together, the
 * {@link Algorithm} that counts them, the default cost of a request, whether it only observes ({@link #shadow()}),
 * and what to do when the store fails ({@link #failureMode()}).
 *
 * <p>All limits of a policy are decided <em>atomically</em> for a key: a request rejected by any limit charges none of
 * them. Which client a request belongs to is not part of the policy; the integration (servlet filter rule,
 * {@code @RateLimit}) resolves the key and passes it to the {@link RateLimiter}.
 *
 * <pre>{@code
 * LimitPolicy api = LimitPolicy.builder("api")
 *     .limits("10/second; 1000/hour")
 *     .algorithm(Algorithm.TOKEN_BUCKET)
 *     .build();
 * }</pre>
 *
 * <p>Two policies are equal when all their properties are. Stores keep state by a policy's name and the
 * <em>shape</em> of its limits (the algorithm and the periods, in any order), not by equality: a policy changed in
 * its counts, bursts, cost, shadow flag or failure mode keeps its clients' state; one of another shape under the same
 * name starts them from empty state. Instances are immutable and thread-safe.
 */
public final class LimitPolicy {

  private final String name;
  private final LimitSpec spec;
  private final Algorithm algorithm;
  private final long cost;
  private final boolean shadow;
  private final FailureMode failureMode;
  /** Computed once: policies key the stores' key spaces and the header field cache, looked up per request. */
  private final int hash;

  private LimitPolicy(Builder b) {
    this.name = b.name;
    this.spec = Objects.requireNonNull(b.spec, "spec"); // build() checked it
    this.algorithm = b.algorithm;
    this.cost = b.cost;
    this.shadow = b.shadow;
    this.failureMode = b.failureMode;
    this.hash = Objects.hash(name, spec, algorithm, cost, shadow, failureMode);
  }

  /**
   * Creates a token-bucket policy from a rate spec.
   *
   * @param name the policy name
   * @param spec a rate spec such as {@code "10/minute; 100/hour"}
   * @return the policy
   * @throws LimitSpecException if the spec does not parse
   */
  public static LimitPolicy of(String name, String spec) {
    return builder(name).limits(spec).build();
  }

  /**
   * Starts a builder.
   *
   * @param name the policy name: not blank, at most 128 characters, no control characters; it appears in HTTP
   *     headers, metrics and store keys
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** @return a builder initialized with this policy's properties */
  public Builder toBuilder() {
    return new Builder(name).limits(spec).algorithm(algorithm).cost(cost).shadow(shadow).failureMode(failureMode);
  }

  /** @return the name */
  public String name() {
    return name;
  }

  /** @return the limits as a spec */
  public LimitSpec spec() {
    return spec;
  }

  /** @return the limits, never empty */
  public List<Limit> limits() {
    return spec.limits();
  }

  /** @return the algorithm that counts every limit of this policy */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** @return the permits a request takes when the caller does not say otherwise; at least 1 */
  public long cost() {
    return cost;
  }

  /** @return whether requests over the limit are let through and only reported ({@link Decision.Outcome#SHADOW_REJECTED}) */
  public boolean shadow() {
    return shadow;
  }

  /** @return what a failing store does for this policy */
  public FailureMode failureMode() {
    return failureMode;
  }

  /**
   * Returns this policy with every limit {@link Limit#scaled(double) scaled} by {@code factor}; the name and all
   * other properties stay. Step-function throttling uses it to derive the limits of a level.
   *
   * @param factor a positive factor
   * @return the scaled policy, or this one if {@code factor} is 1
   */
  public LimitPolicy scaled(double factor) {
    if (factor == 1.0) {
      return this;
    }
    return toBuilder().limits(LimitSpec.of(limits().stream().map(l -> l.scaled(factor)).toList())).build();
  }

  /**
   * Returns this policy with other limits; the state that stores keep for it remains usable as long as
   * {@link #canShareStateWith(LimitPolicy)} holds.
   *
   * @param newLimits the limits
   * @return the new policy
   */
  public LimitPolicy withLimits(LimitSpec newLimits) {
    return toBuilder().limits(newLimits).build();
  }

  /**
   * Returns whether a store may decide with {@code other} on the state it keeps for this policy (see
   * {@link KeySpace#view(LimitPolicy)}): both have the same name, the same algorithm and the same number of limits,
   * and for the window algorithms, whose state counts in windows of the limit's period, the same periods (in any
   * order). Token-bucket state is a point in time and fits any limits, as long as the same limits (in the order of
   * their periods) {@link Limit#withWarmup warm up}: a warm-up keeps a second word of state.
   *
   * @param other the policy to decide with
   * @return whether it is compatible with state kept for this policy
   */
  public boolean canShareStateWith(LimitPolicy other) {
    if (!name.equals(other.name) || algorithm != other.algorithm || limits().size() != other.limits().size()
        || !warmupLayout().equals(other.warmupLayout())) {
      return false;
    }
    return algorithm == Algorithm.TOKEN_BUCKET || sortedPeriods().equals(other.sortedPeriods());
  }

  /**
   * Whether stores keep state for both policies as one: same name, algorithm, multiset of periods, and the same limits
   * (in the order of their periods) warm up. The rule {@link PolicyChange#stateKept()} reports.
   */
  boolean sameShapeAs(LimitPolicy other) {
    return name.equals(other.name) && algorithm == other.algorithm && sortedPeriods().equals(other.sortedPeriods())
        && warmupLayout().equals(other.warmupLayout());
  }

  /**
   * Which limits warm up, in the order of their periods: a limit that warms up keeps a second word of state (how cold
   * the bucket is), so adding or removing a warm-up changes the state's layout.
   */
  private List<Boolean> warmupLayout() {
    return limits().stream().sorted(Comparator.comparingLong(Limit::periodNanos)
        .thenComparingLong(Limit::burst)).map(Limit::hasWarmup).toList();
  }

  private List<Long> sortedPeriods() {
    return limits().stream().map(Limit::periodNanos).sorted().toList();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof LimitPolicy other && name.equals(other.name) && spec.equals(other.spec)
        && algorithm == other.algorithm && cost == other.cost && shadow == other.shadow
        && failureMode == other.failureMode);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "LimitPolicy{" + name + ": " + spec + ", " + algorithm
        + (cost != 1 ? ", cost " + cost : "") + (shadow ? ", shadow" : "") + ", " + failureMode + "}";
  }

  /** Builds a {@link LimitPolicy}; validates each value when it is set and the combination in {@link #build()}. */
  public static final class Builder {
    private final String name;
    private @Nullable LimitSpec spec;
    private Algorithm algorithm = Algorithm.TOKEN_BUCKET;
    private long cost = 1;
    private boolean shadow;
    private FailureMode failureMode = FailureMode.FAIL_OPEN;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("policy name must not be blank but was \"" + name + "\"");
      }
      if (name.length() > 128) {
        throw new IllegalArgumentException("policy name must be at most 128 characters but was " + name.length()
            + " (\"" + name.substring(0, 32) + "...\")");
      }
      for (int i = 0; i < name.length(); i++) {
        if (Character.isISOControl(name.charAt(i))) {
          throw new IllegalArgumentException("policy name must not contain control characters but was \""
              + name.replaceAll("\\p{Cntrl}", "?") + "\"");
        }
      }
      this.name = name;
    }

    /**
     * Sets the limits from a rate spec.
     *
     * @param spec e.g. {@code "10/minute; 100/hour"}
     * @return this builder
     * @throws LimitSpecException if the spec does not parse
     */
    public Builder limits(String spec) {
      this.spec = LimitSpec.parse(spec);
      return this;
    }

    /**
     * Sets the limits.
     *
     * @param spec the limits
     * @return this builder
     */
    public Builder limits(LimitSpec spec) {
      this.spec = Objects.requireNonNull(spec, "spec");
      return this;
    }

    /**
     * Sets the limits.
     *
     * @param first the first limit
     * @param more further limits with distinct periods
     * @return this builder
     */
    public Builder limits(Limit first, Limit... more) {
      this.spec = LimitSpec.of(first, more);
      return this;
    }

    /**
     * Sets the algorithm; the default is {@link Algorithm#TOKEN_BUCKET}.
     *
     * @param algorithm the algorithm
     * @return this builder
     */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
      return this;
    }

    /**
     * Sets the default number of permits one request takes; the default is 1.
     *
     * @param cost at least 1
     * @return this builder
     */
    public Builder cost(long cost) {
      if (cost < 1) {
        throw new IllegalArgumentException("cost must be >= 1 but was " + cost + " (policy " + name + ")");
      }
      this.cost = cost;
      return this;
    }

    /**
     * Sets shadow (dry-run) mode: requests over the limit are let through but reported as would-reject.
     *
     * @param shadow whether to only observe
     * @return this builder
     */
    public Builder shadow(boolean shadow) {
      this.shadow = shadow;
      return this;
    }

    /**
     * Sets what a failing store does; the default is {@link FailureMode#FAIL_OPEN}.
     *
     * @param failureMode the mode
     * @return this builder
     */
    public Builder failureMode(FailureMode failureMode) {
      this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalStateException if no limits were set, a burst or a warm-up is set for an algorithm other than
     *     the token bucket, a window limit
     *     exceeds 2^31-1 permits, a moving window limit exceeds {@link Algorithm#MOVING_WINDOW_MAX_PERMITS}, or the
     *     cost exceeds the capacity of a limit (every request would be rejected)
     */
    public LimitPolicy build() {
      if (spec == null) {
        throw new IllegalStateException("policy " + name + " has no limits; call limits(\"10/minute\") or similar");
      }
      boolean concurrent = spec.limits().get(0).isConcurrent();
      // the default (also as annotations and properties spell it) takes a concurrency spec; a window cannot
      if (concurrent && algorithm != Algorithm.CONCURRENCY && algorithm != Algorithm.TOKEN_BUCKET) {
        throw new IllegalStateException("policy " + name + " limits calls in flight (" + spec + "), which "
            + algorithm + " cannot count; drop the algorithm or use CONCURRENCY");
      }
      if (!concurrent && algorithm == Algorithm.CONCURRENCY) {
        throw new IllegalStateException("policy " + name + " uses CONCURRENCY, which needs a concurrency limit such "
            + "as \"5 concurrent\" but was " + spec);
      }
      Algorithm counting = concurrent ? Algorithm.CONCURRENCY : algorithm;
      for (Limit limit : spec.limits()) {
        if (algorithm != Algorithm.TOKEN_BUCKET && limit.hasCustomBurst()) {
          throw new IllegalStateException("limit " + limit + " of policy " + name + " sets a burst, but " + algorithm
              + " has none; use TOKEN_BUCKET or drop the burst");
        }
        if (counting != Algorithm.TOKEN_BUCKET && limit.hasWarmup()) {
          throw new IllegalStateException("limit " + limit + " of policy " + name + " warms up, but only TOKEN_BUCKET "
              + "does (" + counting + " counts permits in windows or leases, which have no rate to ramp); use "
              + "TOKEN_BUCKET or drop the warm-up");
        }
        if (algorithm != Algorithm.TOKEN_BUCKET && limit.permits() > Integer.MAX_VALUE) {
          throw new IllegalStateException("limit " + limit + " of policy " + name + " allows more than "
              + Integer.MAX_VALUE + " permits per window, the most " + algorithm + " counts");
        }
        if (counting == Algorithm.MOVING_WINDOW && limit.permits() > Algorithm.MOVING_WINDOW_MAX_PERMITS) {
          throw new IllegalStateException("limit " + limit + " of policy " + name + " allows " + limit.permits()
              + " permits per window, more than the " + Algorithm.MOVING_WINDOW_MAX_PERMITS + " timestamps "
              + algorithm + " logs per key (8 bytes each); use SLIDING_WINDOW or fewer permits");
        }
        if (counting == Algorithm.CONCURRENCY && limit.permits() > Algorithm.MOVING_WINDOW_MAX_PERMITS) {
          throw new IllegalStateException("limit " + limit + " of policy " + name + " allows more than the "
              + Algorithm.MOVING_WINDOW_MAX_PERMITS + " calls in flight per key that CONCURRENCY keeps leases for");
        }
        if (cost > limit.burst()) {
          throw new IllegalStateException("cost " + cost + " of policy " + name + " exceeds the capacity "
              + limit.burst() + " of limit " + limit + "; every request would be rejected");
        }
      }
      algorithm = counting; // a concurrency spec brings its algorithm
      return new LimitPolicy(this);
    }
  }
}
