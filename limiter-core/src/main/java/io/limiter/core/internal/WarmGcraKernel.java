package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * A token bucket that {@link Limit#withWarmup warms up}: GCRA as in {@link GcraKernel}, plus Guava's
 * {@code SmoothWarmingUp} curve. Two words of state: {@code tat} as in GCRA, and {@code v}, which says how cold the
 * bucket is: the <em>stored permits</em> {@code S = min(M, (max(tat, now) - v) / cd)} (Guava's name), which grow at one
 * per {@code cd} only while the bucket is full ({@code tat <= now}) and fall by one for each permit taken.
 *
 * <p>With the stable interval {@code T}, the warm-up period {@code W} and the cold factor {@code c = 3} (Guava's, fixed):
 * threshold {@code thr = W / 2T}, maximum {@code M = thr + 2W / (T + cT)}, cool-down interval {@code cd = W / M}. A
 * permit taken with {@code S} stored costs {@code T} while {@code S <= thr} and up to {@code cT} at {@code S = M},
 * linearly between (the trapezoid of Guava's javadoc): so from cold, taking permits back to back, the interval falls
 * from {@code 3T} to {@code T} in {@code W}.
 *
 * <p>The one change to GCRA is how far an admission moves {@code tat}: by the warm-up cost of the permits instead of
 * {@code n·T}. Admission itself is GCRA's ({@code max(tat, now) + n·T - now <= B}), so when the request is admitted
 * decides as Guava's {@code acquire} does for a burst of 1 (a request is admitted once the previous one is paid for, and
 * pays for itself by delaying the next). A debt can therefore reach {@code B - n·T + c·n·T <= c·B}; it is read clamped
 * there (this limit's own worst case), as {@link GcraKernel} clamps at {@code B}.
 *
 * <p>Why two words: one number of state cannot ramp. Any single-number state that does not depend on absolute time
 * makes back-to-back callers meet the same relative state at every admission, hence a constant interval; the
 * warm-up needs to remember both when the next permit is due and how many cold permits are left.
 *
 * <p>A fresh key is cold ({@code S = M}), as Guava's limiter is when created: dropping a key's state (expiry,
 * eviction, a policy of another shape) never admits faster than keeping it would once the bucket is full again.
 */
final class WarmGcraKernel extends LimitKernel {

  /** Guava's default and the factor of its public factory {@code RateLimiter.create(rate, warmup, unit)}. */
  static final double COLD_FACTOR = 3.0;

  private final long interval;
  private final long burstNanos;
  /** The most a debt can be: {@code c·B}. */
  private final long capNanos;
  private final long warmupNanos;
  private final double stable;
  private final double threshold;
  private final double maxStored;
  private final double slope;
  private final double coolDown;

  WarmGcraKernel(Limit limit) {
    super(limit);
    this.interval = limit.emissionIntervalNanos();
    this.burstNanos = limit.burstPeriodNanos();
    this.capNanos = TimeMath.saturatedMultiply(burstNanos, (long) COLD_FACTOR);
    this.warmupNanos = limit.warmupNanos();
    this.stable = interval;
    double cold = stable * COLD_FACTOR;
    this.threshold = 0.5 * warmupNanos / stable;
    this.maxStored = threshold + 2.0 * warmupNanos / (stable + cold);
    this.slope = (cold - stable) / (maxStored - threshold);
    this.coolDown = warmupNanos / maxStored;
  }

  @Override
  int words() {
    return 2;
  }

  @Override
  void init(long[] s, int o) {
    s[o] = GcraKernel.EMPTY;
    s[o + 1] = GcraKernel.EMPTY; // as cold as can be
  }

  /** The debt {@code max(tat, now) - now}, clamped to {@code c·B}. */
  private long debt(long tat, long now) {
    long debt = TimeMath.saturatedSubtract(GcraKernel.base(tat, now), now);
    return debt > capNanos ? capNanos : debt;
  }

  /** Guava's stored permits at {@code now}: they grow only while the bucket is full, from {@code tat} on. */
  double stored(long[] s, int o, long now) {
    long cooled = TimeMath.saturatedSubtract(GcraKernel.base(s[o], now), s[o + 1]);
    if (cooled >= warmupNanos) {
      return maxStored;
    }
    return cooled <= 0 ? 0 : Math.min(maxStored, cooled / coolDown);
  }

  /**
   * Nanoseconds that taking {@code permits} with {@code stored} stored permits costs: Guava's
   * {@code storedPermitsToWaitTime} plus the fresh permits at {@code T}, rounded up, and never less than {@code n·T}
   * (the full rate is never exceeded, whatever the rounding of doubles).
   */
  long cost(double stored, long permits) {
    double fromStore = Math.min(permits, stored);
    double time = 0;
    double above = stored - threshold;
    if (above > 0) {
      double take = Math.min(above, fromStore);
      time = take * (intervalAt(above) + intervalAt(above - take)) / 2.0;
      time += stable * (permits - take);
    } else {
      time = stable * permits;
    }
    long full = permits * interval; // at most the burst period, below 2^62
    double rounded = Math.ceil(time);
    return rounded <= full ? full : rounded >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) rounded;
  }

  /** The interval of a permit taken with {@code aboveThreshold} permits stored beyond the threshold. */
  private double intervalAt(double aboveThreshold) {
    return stable + aboveThreshold * slope;
  }

  @Override
  long waitNanos(long[] s, int o, long now, long permits) {
    if (permits > limit.burst()) {
      return Decision.NEVER;
    }
    long excess = TimeMath.saturatedSubtract(TimeMath.saturatedAdd(debt(s[o], now), permits * interval), burstNanos);
    return excess > 0 ? excess : 0;
  }

  @Override
  long slotWaitNanos(long[] s, int o, long now, long permits) {
    return GcraKernel.slotWait(s[o], now, permits, interval, limit.burst(), burstNanos);
  }

  @Override
  void charge(long[] s, int o, long now, long permits) {
    long base = GcraKernel.base(s[o], now);
    double stored = stored(s, o, now);
    long tat = TimeMath.saturatedAdd(base, cost(stored, permits));
    s[o] = tat;
    s[o + 1] = anchor(tat, Math.max(0, stored - permits));
  }

  /** The {@code v} that makes {@code stored} permits stored at {@code tat}. */
  private long anchor(long tat, double stored) {
    return TimeMath.saturatedSubtract(tat, Math.round(stored * coolDown));
  }

  /**
   * As {@link GcraKernel#settled}: a refund gives time back at the full rate ({@code -delta·T}), an extra charge takes
   * {@code delta·T} up to an empty bucket (a larger debt of a cold admission stays); how cold the bucket is stays as it
   * was.
   */
  @Override
  void settle(long[] s, int o, long now, long at, long delta) {
    double stored = stored(s, o, now);
    long tat = GcraKernel.settled(s[o], now, delta, interval, burstNanos);
    if (tat != s[o]) {
      s[o] = tat;
      s[o + 1] = anchor(GcraKernel.base(tat, now), stored);
    }
  }

  @Override
  long remaining(long[] s, int o, long now) {
    long debt = debt(s[o], now);
    return debt >= burstNanos ? 0 : (burstNanos - debt) / interval;
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    return debt(s[o], now);
  }

  @Override
  long refillNanos(long[] s, int o, long now) {
    long debt = debt(s[o], now);
    if (debt <= 0) {
      return 0;
    }
    // the next permit arrives when the debt falls to B - (remaining + 1)·T
    return debt - burstNanos + (remaining(s, o, now) + 1) * interval;
  }

  /** Idle only when the bucket is full and fully cold: only then is it the state of a fresh key. */
  @Override
  boolean idle(long[] s, int o, long now) {
    return s[o] <= now && TimeMath.saturatedSubtract(now, s[o + 1]) >= warmupNanos;
  }

  @Override
  double used(long[] s, int o, long now) {
    return Math.min(1.0, (double) debt(s[o], now) / burstNanos);
  }

  @Override
  long maxRefillNanos() {
    return TimeMath.saturatedAdd(capNanos, warmupNanos);
  }
}
