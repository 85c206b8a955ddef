package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Token bucket as GCRA: the state is the theoretical arrival time {@code tat}, the instant at which the bucket would
 * be full again. A request of {@code n} permits at {@code now} is admitted iff
 * {@code max(tat, now) + n·T - now <= B}, where {@code T} is the emission interval and {@code B = burst·T} the time to
 * refill an empty bucket; admission sets {@code tat = max(tat, now) + n·T}.
 *
 * <p>Fractions of a permit are never lost: {@code tat} is continuous time, so partial refill carries over between
 * requests. A clock that goes backwards makes {@code max(tat, now) - now} larger, i.e. stricter, never a refill.
 * All sums saturate. The static methods are shared with the single-word fast path of the stores.
 *
 * <p>A debt written under other limits (a step level, a changed policy of the same shape, a clock that went back) is
 * read clamped to {@code B}, an empty bucket: a client never waits longer than this limit's own worst case. The stored
 * {@code tat} is left as it is, so the limits that wrote it still see it; admission is unaffected (it needs
 * {@code debt + n·T <= B}, where the clamp never applies).
 *
 * <p>Used when {@code T} is at least 10,000 ns (rounding it up then costs less than 0.01% of the rate); faster rates
 * use {@link ExactGcraKernel}.
 */
final class GcraKernel extends LimitKernel {

  /** The {@code tat} of an unused bucket: earlier than any clock reading. */
  static final long EMPTY = Long.MIN_VALUE + 1;

  private final long interval;
  private final long burstNanos;

  GcraKernel(Limit limit) {
    super(limit);
    this.interval = limit.emissionIntervalNanos();
    this.burstNanos = limit.burstPeriodNanos();
  }

  static long base(long tat, long now) {
    return tat > now ? tat : now;
  }

  static long newTat(long tat, long now, long permits, long interval) {
    return TimeMath.saturatedAdd(base(tat, now), permits * interval);
  }

  /** The debt {@code max(tat, now) - now}, clamped to an empty bucket. */
  static long debt(long tat, long now, long burstNanos) {
    long debt = TimeMath.saturatedSubtract(base(tat, now), now);
    return debt > burstNanos ? burstNanos : debt;
  }

  static long wait(long tat, long now, long permits, long interval, long burst, long burstNanos) {
    if (permits > burst) {
      return Decision.NEVER;
    }
    // relative to now, so that no absolute timestamp saturates: the debt and the increment are each below 2^62
    long debt = debt(tat, now, burstNanos);
    long excess = TimeMath.saturatedSubtract(TimeMath.saturatedAdd(debt, permits * interval), burstNanos);
    return excess > 0 ? excess : 0;
  }

  /**
   * {@link #wait} without the clamp of the debt: slots reserved ahead ({@link CompiledPolicy#schedule}) put {@code tat}
   * up to the longest wait beyond {@code now + B}, and a caller queued behind them waits for all of them.
   */
  static long slotWait(long tat, long now, long permits, long interval, long burst, long burstNanos) {
    if (permits > burst) {
      return Decision.NEVER;
    }
    long debt = TimeMath.saturatedSubtract(base(tat, now), now);
    long excess = TimeMath.saturatedSubtract(TimeMath.saturatedAdd(debt, permits * interval), burstNanos);
    return excess > 0 ? excess : 0;
  }

  static long remaining(long tat, long now, long interval, long burstNanos) {
    long debt = debt(tat, now, burstNanos);
    return debt >= burstNanos ? 0 : (burstNanos - debt) / interval;
  }

  static long refill(long tat, long now, long interval, long burstNanos) {
    long debt = debt(tat, now, burstNanos);
    if (debt <= 0) {
      return 0;
    }
    long remaining = debt >= burstNanos ? 0 : (burstNanos - debt) / interval;
    // the next permit arrives when the debt falls to B - (remaining + 1)·T
    return debt - burstNanos + (remaining + 1) * interval;
  }

  static long reset(long tat, long now, long burstNanos) {
    return debt(tat, now, burstNanos);
  }

  /**
   * The {@code tat} after settling a reservation by {@code delta} permits (see {@link LimitKernel#settle}): a refund
   * moves {@code tat} back by {@code -delta·T}, never before {@code now} (a full bucket); an extra charge moves it
   * forward from {@code max(tat, now)} by {@code delta·T}, at most to {@code now + B} (an empty bucket), and never
   * back (a debt written under other limits stays).
   */
  static long settled(long tat, long now, long delta, long interval, long burstNanos) {
    if (delta < 0) {
      if (tat <= now) {
        return tat; // full already
      }
      long back = TimeMath.saturatedSubtract(tat, TimeMath.saturatedMultiply(-delta, interval));
      return back > now ? back : now;
    }
    long forward = TimeMath.saturatedAdd(base(tat, now), TimeMath.saturatedMultiply(delta, interval));
    long empty = TimeMath.saturatedAdd(now, burstNanos);
    long next = forward < empty ? forward : empty;
    return next > tat ? next : tat;
  }

  /**
   * Whether state for this limit keeps the exact interval: when rounding it up to whole nanoseconds could cost 0.01% of
   * the rate or more, for this limit or for a step level or changed policy of the same period with a lower rate (which
   * decides on the same state and so has to find the same layout). Hence the interval alone decides, not whether this
   * limit's own interval happens to divide evenly.
   */
  static boolean needsExactInterval(Limit limit) {
    return limit.emissionIntervalNanos() < 10_000;
  }

  long interval() {
    return interval;
  }

  long burstNanos() {
    return burstNanos;
  }

  @Override
  int words() {
    return 1;
  }

  @Override
  void init(long[] s, int o) {
    s[o] = EMPTY;
  }

  @Override
  long waitNanos(long[] s, int o, long now, long permits) {
    return wait(s[o], now, permits, interval, limit.burst(), burstNanos);
  }

  @Override
  long slotWaitNanos(long[] s, int o, long now, long permits) {
    return slotWait(s[o], now, permits, interval, limit.burst(), burstNanos);
  }

  @Override
  void charge(long[] s, int o, long now, long permits) {
    s[o] = newTat(s[o], now, permits, interval);
  }

  @Override
  void settle(long[] s, int o, long now, long at, long delta) {
    s[o] = settled(s[o], now, delta, interval, burstNanos);
  }

  @Override
  long remaining(long[] s, int o, long now) {
    return remaining(s[o], now, interval, burstNanos);
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    return reset(s[o], now, burstNanos);
  }

  @Override
  long refillNanos(long[] s, int o, long now) {
    return refill(s[o], now, interval, burstNanos);
  }

  @Override
  boolean idle(long[] s, int o, long now) {
    return s[o] <= now;
  }

  @Override
  double used(long[] s, int o, long now) {
    return usedOf(s[o], now);
  }

  @Override
  double usedOf(long tat, long now) {
    return (double) debt(tat, now, burstNanos) / burstNanos;
  }

  @Override
  long maxRefillNanos() {
    return burstNanos;
  }
}
