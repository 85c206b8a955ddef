package io.limiter.bench;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.local.LocalBucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.time.Duration;

/**
 * The limits every contender is configured with, expressed once per library so that all of them do the same work:
 * a benchmark's "allow" path must never reject and its "deny" path must always reject, whatever the library.
 *
 * <p>Immutable; every factory returns a fresh limiter.
 */
public enum LimitShape {

  /**
   * A thousand permits per second with a burst of 10<sup>12</sup>: a realistic refill rate, and a bucket no thread
   * can drain in a benchmark's lifetime. (Bucket4j's cost grows with the refill rate: at 10<sup>9</sup>/s its
   * lock-free bucket is several times slower than at 10<sup>3</sup>/s, so a higher rate would be unfair to it.)
   */
  BOTTOMLESS(1_000, Duration.ofSeconds(1), 1_000_000_000_000L, false),

  /**
   * One permit per hour with a burst of one million: never rejects during a benchmark, but every admission moves the
   * state an hour into the future, so a key is never "full" again and no store expires it mid-run. Used where many
   * keys are visited rarely (a store that drops full buckets would otherwise measure expiry churn, not decisions).
   */
  LONG_BURST(1, Duration.ofHours(1), 1_000_000L, false),

  /** One permit per day, taken before the measurement: every later request is rejected. */
  EXHAUSTED(1, Duration.ofDays(1), 1, true);

  private final long permits;
  private final Duration period;
  private final long burst;
  private final boolean exhausted;

  LimitShape(long permits, Duration period, long burst, boolean exhausted) {
    this.permits = permits;
    this.period = period;
    this.burst = burst;
    this.exhausted = exhausted;
  }

  /**
   * @param path {@code "allow"} or {@code "deny"}
   * @param manyKeys whether the limit guards many rarely visited keys
   * @return the shape for that benchmark path
   */
  public static LimitShape forPath(String path, boolean manyKeys) {
    switch (path) {
      case "allow":
        return manyKeys ? LONG_BURST : BOTTOMLESS;
      case "deny":
        return EXHAUSTED;
      default:
        throw new IllegalArgumentException("path must be allow or deny but was " + path);
    }
  }

  /** @return whether one permit must be taken before measuring, so that every later request is rejected */
  public boolean exhausted() {
    return exhausted;
  }

  /** @return the same limit for Limiter */
  public LimitPolicy policy() {
    return policy("bench");
  }

  /**
   * @param name the policy name
   * @return the same limit for Limiter, under that name
   */
  public LimitPolicy policy(String name) {
    return LimitPolicy.builder(name).limits(Limit.of(permits, period, burst)).build();
  }

  /** @return the same limit for Bucket4j: a greedy refill of {@code permits} per period, capacity {@code burst} */
  public Bandwidth bandwidth() {
    return Bandwidth.builder().capacity(burst).refillGreedy(permits, period).build();
  }

  /** @return the same limit as a Bucket4j configuration, for proxy managers */
  public BucketConfiguration bucketConfiguration() {
    return BucketConfiguration.builder().addLimit(bandwidth()).build();
  }

  /** @return a Bucket4j local bucket with the library's defaults (lock-free, millisecond clock) */
  public LocalBucket bucket4j() {
    return Bucket.builder().addLimit(bandwidth()).build();
  }

  /**
   * @return the closest Resilience4j configuration: {@code burst} permits per cycle of {@code burst × interval}, and
   *     a zero timeout so that a denied call returns at once
   */
  public RateLimiterConfig resilience4j() {
    long cycleNanos = period.toNanos() / permits * burst;
    return RateLimiterConfig.custom()
        .limitForPeriod((int) Math.min(Integer.MAX_VALUE, burst))
        .limitRefreshPeriod(Duration.ofNanos(cycleNanos))
        .timeoutDuration(Duration.ZERO)
        .build();
  }

  /**
   * @return the closest Guava limiter. Guava's burst is fixed at one second of permits, so the never-draining
   *     {@link #BOTTOMLESS} becomes one permit per nanosecond (Guava's cost does not depend on the rate); there is no
   *     equivalent of {@link #LONG_BURST}
   * @throws IllegalStateException for {@link #LONG_BURST}
   */
  public RateLimiter guava() {
    switch (this) {
      case BOTTOMLESS:
        return RateLimiter.create(1e9);
      case EXHAUSTED:
        return RateLimiter.create(permits / (period.toNanos() / 1e9));
      default:
        throw new IllegalStateException("Guava's RateLimiter has no configurable burst; " + this
            + " has no equivalent");
    }
  }

  /** @return the single-{@code AtomicLong} reference with the same limit */
  public AtomicGcra gcra() {
    return new AtomicGcra(permits, period.toNanos(), burst);
  }
}
