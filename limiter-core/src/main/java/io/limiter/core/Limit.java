package io.limiter.core;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable rate: {@code permits} per {@code period}, with an optional {@code burst} (the bucket capacity of the
 * {@link Algorithm#TOKEN_BUCKET token bucket}; by default equal to {@code permits}).
 *
 * <p>{@code Limit.of(100, Duration.ofMinutes(1))} and {@code LimitSpec.parse("100/minute")} are equal.
 *
 * <h2>Range</h2>
 * Periods are whole milliseconds from 1 ms to 3650 days. The rate may be at most one permit per nanosecond
 * ({@code 1000000000/second}); the emission interval {@code period / permits} is rounded <em>up</em> to whole
 * nanoseconds, so a limit never admits more than it says (e.g. {@code 7/minute} refills one permit every
 * 8,571,428,572 ns). The time to fill the whole burst ({@code burst × interval}) must stay below 2<sup>62</sup> ns.
 * Anything outside this range fails here, at construction, with a message naming the value.
 *
 * <h2>Warm-up</h2>
 * {@link #withWarmup(Duration)} ({@code "100/second warmup 30s"} in the grammar) makes a token bucket ramp up after
 * idle as Guava's {@code SmoothWarmingUp} does: a cold bucket admits at a third of the rate at first, and the full rate
 * after the warm-up period of use. Only rates up to 100,000 per second warm up.
 *
 * <h2>Concurrency limits</h2>
 * {@link #concurrent(long, Duration)} ({@code "5 concurrent"} in the grammar) is a cap on calls in flight, the IETF
 * draft's {@code concurrent-requests} unit: a call takes a permit when it starts and returns it when it completes. Its
 * period is the <em>lease</em>: a permit not returned within it (a crashed node, a lost callback) comes back on its
 * own ({@link #DEFAULT_LEASE} unless {@code "lease ..."} sets another). Such a limit stands alone in a spec and is
 * decided by {@link Algorithm#CONCURRENCY}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Limit {

  static final long MAX_PERIOD_MILLIS = 3650L * 24 * 60 * 60 * 1000;
  static final long MAX_BURST_NANOS = 1L << 62;

  private final long permits;
  private final long periodNanos;
  private final long burst;
  private final long emissionIntervalNanos;
  private final boolean concurrent;
  /** The warm-up period in nanoseconds; 0 for none. */
  private final long warmupNanos;

  /** How long a concurrency permit is held at most when it is not returned: 5 minutes. */
  public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);

  /** The fastest rate that may warm up: one permit per 10 µs (100,000 per second), where intervals are rounded. */
  static final long MIN_WARMUP_INTERVAL_NANOS = 10_000;

  private Limit(long permits, long periodNanos, long burst, boolean concurrent, long warmupNanos) {
    this.permits = permits;
    this.periodNanos = periodNanos;
    this.burst = burst;
    this.emissionIntervalNanos = ceilDiv(periodNanos, permits);
    this.concurrent = concurrent;
    this.warmupNanos = warmupNanos;
  }

  /**
   * Creates a concurrency limit: at most {@code permits} calls in flight, each permit returned when its call completes
   * or, at the latest, {@code lease} after it was taken.
   *
   * @param permits the calls in flight, at least 1
   * @param lease how long a permit that is not returned is held, whole milliseconds from 1 ms to 3650 days
   * @return the limit
   * @throws IllegalArgumentException if a value is out of range; the message names it
   */
  public static Limit concurrent(long permits, Duration lease) {
    Limit rate = of(permits, lease);
    return new Limit(rate.permits, rate.periodNanos, rate.permits, true, 0);
  }

  /** @return whether this is a concurrency limit (calls in flight), whose period is the lease of a permit */
  public boolean isConcurrent() {
    return concurrent;
  }

  /**
   * Creates a limit of {@code permits} per {@code period}; the burst equals {@code permits}.
   *
   * @param permits the number of permits per period, at least 1
   * @param period the period, whole milliseconds from 1 ms to 3650 days
   * @return the limit
   * @throws IllegalArgumentException if a value is out of range; the message names it
   */
  public static Limit of(long permits, Duration period) {
    return of(permits, period, permits);
  }

  /**
   * Creates a limit of {@code permits} per {@code period} with a bucket capacity of {@code burst}.
   *
   * @param permits the number of permits per period, at least 1
   * @param period the period, whole milliseconds from 1 ms to 3650 days
   * @param burst the most permits available at once, at least 1
   * @return the limit
   * @throws IllegalArgumentException if a value is out of range; the message names it
   */
  public static Limit of(long permits, Duration period, long burst) {
    Objects.requireNonNull(period, "period");
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1 but was " + permits);
    }
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive but was " + period);
    }
    if (period.compareTo(Duration.ofMillis(MAX_PERIOD_MILLIS)) > 0) {
      throw new IllegalArgumentException("period must be at most 3650 days but was " + period);
    }
    if (period.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("period must be whole milliseconds but was " + period);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be >= 1 but was " + burst);
    }
    long periodNanos = period.toNanos();
    if (permits > periodNanos) {
      throw new IllegalArgumentException("rate " + permits + "/" + LimitSpec.formatPeriod(periodNanos)
          + " is faster than one permit per nanosecond, the finest rate supported");
    }
    long interval = ceilDiv(periodNanos, permits);
    if (burst > MAX_BURST_NANOS / interval) {
      throw new IllegalArgumentException("burst " + burst + " of rate " + permits + "/"
          + LimitSpec.formatPeriod(periodNanos) + " takes longer than 2^62 ns (146 years) to refill");
    }
    return new Limit(permits, periodNanos, burst, false, 0);
  }

  /**
   * Returns a copy of this limit with another burst (bucket capacity).
   *
   * @param burst the most permits available at once, at least 1
   * @return the new limit
   * @throws IllegalArgumentException if {@code burst} is out of range
   */
  public Limit withBurst(long burst) {
    if (concurrent && burst != permits) {
      throw new IllegalArgumentException("a concurrency limit has no burst, but " + burst + " was given for " + this);
    }
    return concurrent ? this : of(permits, period(), burst).withWarmupNanos(warmupNanos);
  }

  /**
   * Returns a copy of this limit that warms up: after the bucket has been full for a while (a cold service), the rate
   * starts at a third and rises to the full rate over {@code warmup} of use, as Guava's {@code SmoothWarmingUp}
   * ({@code RateLimiter.create(rate, warmup)}) does; see the user guide's page on the core for the exact curve. Only
   * the token bucket warms up ({@link LimitPolicy.Builder#build()} refuses it for other algorithms).
   *
   * @param warmup the warm-up period: whole milliseconds from 1 ms to 3650 days, or zero for none
   * @return the new limit
   * @throws IllegalArgumentException if the warm-up is out of range, this is a concurrency limit, or the rate is faster
   *     than 100,000 per second (one permit per 10 µs)
   */
  public Limit withWarmup(Duration warmup) {
    Objects.requireNonNull(warmup, "warmup");
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("warm-up must not be negative but was " + warmup + " (limit " + this + ")");
    }
    if (warmup.compareTo(Duration.ofMillis(MAX_PERIOD_MILLIS)) > 0) {
      throw new IllegalArgumentException("warm-up must be at most 3650 days but was " + DurationFormat.format(warmup)
          + " (limit " + this + ")");
    }
    if (warmup.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("warm-up must be whole milliseconds but was " + warmup + " (limit " + this
          + ")");
    }
    return withWarmupNanos(warmup.toNanos());
  }

  private Limit withWarmupNanos(long nanos) {
    if (nanos == warmupNanos) {
      return this;
    }
    if (nanos > 0 && concurrent) {
      throw new IllegalArgumentException("a concurrency limit does not warm up, but a warm-up of "
          + DurationFormat.format(Duration.ofNanos(nanos)) + " was given for " + this);
    }
    if (nanos > 0 && emissionIntervalNanos < MIN_WARMUP_INTERVAL_NANOS) {
      throw new IllegalArgumentException("warm-up needs a rate of at most 100000/second (one permit per 10 µs), but "
          + this + " is faster");
    }
    if (nanos > 0 && burst > MAX_BURST_NANOS / 3 / emissionIntervalNanos) {
      throw new IllegalArgumentException("burst " + burst + " of " + this + " takes longer than 2^62 ns / 3 to "
          + "refill, too long for a limit that warms up (its cold bucket can owe three times the burst)");
    }
    return new Limit(permits, periodNanos, burst, concurrent, nanos);
  }

  /** @return the warm-up period ({@link #withWarmup}); zero if this limit does not warm up */
  public Duration warmup() {
    return Duration.ofNanos(warmupNanos);
  }

  /** @return the warm-up period in nanoseconds; 0 if this limit does not warm up */
  public long warmupNanos() {
    return warmupNanos;
  }

  /** @return whether this limit warms up ({@link #withWarmup}) */
  public boolean hasWarmup() {
    return warmupNanos > 0;
  }

  /** @return the number of permits per period */
  public long permits() {
    return permits;
  }

  /** @return the period */
  public Duration period() {
    return Duration.ofNanos(periodNanos);
  }

  /** @return the period in nanoseconds */
  public long periodNanos() {
    return periodNanos;
  }

  /** @return the most permits available at once (the token bucket's capacity); equals {@link #permits()} unless set */
  public long burst() {
    return burst;
  }

  /** @return whether a burst different from {@link #permits()} was set */
  public boolean hasCustomBurst() {
    return burst != permits;
  }

  /** @return the period in the words of the rate grammar: {@code second}, {@code minute}, {@code 2 hours} */
  public String periodText() {
    return LimitSpec.formatPeriod(periodNanos);
  }

  /** @return the time in which one permit is refilled: {@code period / permits}, rounded up to whole nanoseconds */
  public long emissionIntervalNanos() {
    return emissionIntervalNanos;
  }

  /** @return the time in which an empty token bucket refills completely: {@code burst × emissionInterval} */
  public long burstPeriodNanos() {
    return burst * emissionIntervalNanos;
  }

  /**
   * Returns this limit with its permits and burst multiplied by {@code factor} (taken to 12 significant digits) and
   * rounded down, but never below one. Used by step-function throttling to derive the limits of a level (75%, 50%,
   * …) from a base limit.
   *
   * @param factor a positive factor
   * @return the scaled limit, or this limit if the factor is 1
   */
  public Limit scaled(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be a positive finite number but was " + factor);
    }
    if (factor == 1.0) {
      return this;
    }
    // The factor is rounded to 12 significant digits first, so that percentages that binary doubles cannot represent
    // (29% is 0.28999999999999998) and products of them (70% of 10%) scale to the number a person expects
    // (29 of 100, 7 of 100), not one less.
    BigDecimal f = BigDecimal.valueOf(factor).round(new MathContext(12, RoundingMode.HALF_EVEN));
    return concurrent ? concurrent(scale(permits, f), period())
        : of(scale(permits, f), period(), scale(burst, f)).withWarmupNanos(warmupNanos);
  }

  private static long scale(long value, BigDecimal factor) {
    BigDecimal scaled = BigDecimal.valueOf(value).multiply(factor).setScale(0, RoundingMode.FLOOR);
    return scaled.compareTo(BigDecimal.ONE) < 0 ? 1
        : scaled.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : scaled.longValue();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof Limit other
        && permits == other.permits && periodNanos == other.periodNanos && burst == other.burst
        && concurrent == other.concurrent && warmupNanos == other.warmupNanos);
  }

  @Override
  public int hashCode() {
    return ((Long.hashCode(permits) * 31 * 31 + Long.hashCode(periodNanos) * 31 + Long.hashCode(burst)) * 2
        + (concurrent ? 1 : 0)) * 31 + Long.hashCode(warmupNanos);
  }

  /**
   * Returns the canonical rate notation, e.g. {@code 10/minute}, {@code 5/2 seconds}, {@code 100/minute burst 20} or
   * {@code 100/second warmup 30s};
   * {@link LimitSpec#parse(String)} turns it back into an equal limit.
   */
  @Override
  public String toString() {
    if (concurrent) {
      return periodNanos == DEFAULT_LEASE.toNanos() ? permits + " concurrent"
          : permits + " concurrent lease " + LimitSpec.formatPeriod(periodNanos);
    }
    String rate = permits + "/" + LimitSpec.formatPeriod(periodNanos);
    if (hasCustomBurst()) {
      rate += " burst " + burst;
    }
    return hasWarmup() ? rate + " warmup " + DurationFormat.format(Duration.ofNanos(warmupNanos)) : rate;
  }

  static long ceilDiv(long a, long b) {
    long q = a / b;
    return q * b == a ? q : q + 1;
  }
}
