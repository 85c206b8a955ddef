package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * GCRA with the exact emission interval {@code T = P/p} (period over permits, reduced to lowest terms {@code P'/d}),
 * for fast rates (an interval below 10,000 ns): rounding it up to whole nanoseconds would refill
 * {@code 999999999/second} at half its rate, and a step level at 70% of {@code 1000000000/second} at 71% of its. Same rule as {@link GcraKernel}, but {@code tat} is kept as whole
 * nanoseconds plus a fraction in units of {@code 1/d} ns, in two words. Every comparison is exact; a wait is rounded
 * up to the next whole nanosecond, so a retry after exactly {@code retryAfter} is admitted and never earlier.
 *
 * <p>Two words: {@code tat} rounded down to nanoseconds, and the remainder {@code r} in {@code [0, d)}.
 */
final class ExactGcraKernel extends LimitKernel {

  private final long burst;
  /** {@code T = numerator / denominator} nanoseconds, in lowest terms. */
  private final long numerator;
  private final long denominator;
  /** {@code B = burst·T} as whole nanoseconds and remainder. */
  private final long burstWhole;
  private final long burstRemainder;

  ExactGcraKernel(Limit limit) {
    super(limit);
    long g = gcd(limit.periodNanos(), limit.permits());
    this.numerator = limit.periodNanos() / g;
    this.denominator = limit.permits() / g;
    this.burst = limit.burst();
    this.burstWhole = whole(burst);
    this.burstRemainder = remainder(burst, burstWhole);
  }

  private static long gcd(long a, long b) {
    while (b != 0) {
      long t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  /** {@code floor(n·T)}. */
  private long whole(long n) {
    return TimeMath.mulAddFloorDiv(n, numerator, 0, denominator);
  }

  /** {@code n·T - floor(n·T)} in units of {@code 1/d}; wrapping arithmetic is exact as the result is below d. */
  private long remainder(long n, long whole) {
    return n * numerator - whole * denominator;
  }

  @Override
  int words() {
    return 2;
  }

  @Override
  void init(long[] s, int o) {
    s[o] = GcraKernel.EMPTY;
    s[o + 1] = 0;
  }

  /** Whole nanoseconds of the debt {@code max(tat, now) - now}, clamped to {@code B}. */
  private long debtWhole(long[] s, int o, long now) {
    if (s[o] < now) {
      return 0;
    }
    long whole = TimeMath.saturatedSubtract(s[o], now);
    return greater(whole, s[o + 1], burstWhole, burstRemainder) ? burstWhole : whole;
  }

  /** The fraction (in units of {@code 1/d} ns) of the debt that goes with {@link #debtWhole}. */
  private long debtFraction(long[] s, int o, long now) {
    if (s[o] < now) {
      return 0;
    }
    long whole = TimeMath.saturatedSubtract(s[o], now);
    return greater(whole, s[o + 1], burstWhole, burstRemainder) ? burstRemainder : s[o + 1];
  }

  /** {@code ceil((w1 + f1/d) - (w2 + f2/d))}, for a positive difference. */
  private static long ceilDifference(long w1, long f1, long w2, long f2) {
    return (w1 - w2) + (f1 > f2 ? 1 : 0);
  }

  private static boolean greater(long w1, long f1, long w2, long f2) {
    return w1 > w2 || (w1 == w2 && f1 > f2);
  }

  @Override
  long waitNanos(long[] s, int o, long now, long permits) {
    if (permits > burst) {
      return Decision.NEVER;
    }
    long dw = debtWhole(s, o, now);
    long df = debtFraction(s, o, now);
    long iw = whole(permits);
    long f = df + remainder(permits, iw);
    long w = dw + iw;
    if (f >= denominator) {
      f -= denominator;
      w++;
    }
    return greater(w, f, burstWhole, burstRemainder) ? ceilDifference(w, f, burstWhole, burstRemainder) : 0;
  }

  /** {@link #waitNanos} with the debt read as it is, not clamped to {@code B} (see {@link LimitKernel}). */
  @Override
  long slotWaitNanos(long[] s, int o, long now, long permits) {
    if (permits > burst) {
      return Decision.NEVER;
    }
    long dw = s[o] < now ? 0 : TimeMath.saturatedSubtract(s[o], now);
    long df = s[o] < now ? 0 : s[o + 1];
    long iw = whole(permits);
    long f = df + remainder(permits, iw);
    long w = TimeMath.saturatedAdd(dw, iw);
    if (f >= denominator) {
      f -= denominator;
      w++;
    }
    return greater(w, f, burstWhole, burstRemainder) ? ceilDifference(w, f, burstWhole, burstRemainder) : 0;
  }

  @Override
  void charge(long[] s, int o, long now, long permits) {
    long t;
    long r;
    if (s[o] >= now) {
      t = s[o];
      r = s[o + 1];
    } else {
      t = now;
      r = 0;
    }
    long iw = whole(permits);
    r += remainder(permits, iw);
    if (r >= denominator) {
      r -= denominator;
      iw++;
    }
    s[o] = TimeMath.saturatedAdd(t, iw);
    s[o + 1] = r;
  }

  /** Same rule as {@link GcraKernel#settled}, on the exact two-word {@code tat}. */
  @Override
  void settle(long[] s, int o, long now, long at, long delta) {
    long n = Math.min(Math.abs(delta), burst);
    if (delta < 0) {
      long iw = whole(n);
      long ir = remainder(n, iw);
      if (s[o] < now || (s[o] == now && s[o + 1] == 0)) {
        return; // full already
      }
      long t = TimeMath.saturatedSubtract(s[o], iw);
      long r = s[o + 1] - ir;
      if (r < 0) {
        r += denominator;
        t--;
      }
      if (t < now) {
        t = now;
        r = 0;
      }
      s[o] = t;
      s[o + 1] = r;
      return;
    }
    long t0 = s[o];
    long r0 = s[o + 1];
    charge(s, o, now, n);
    long et = TimeMath.saturatedAdd(now, burstWhole); // an empty bucket: now + B
    if (greater(s[o], s[o + 1], et, burstRemainder)) {
      s[o] = et;
      s[o + 1] = burstRemainder;
    }
    if (!greater(s[o], s[o + 1], t0, r0)) { // never below a debt written under other limits
      s[o] = t0;
      s[o + 1] = r0;
    }
  }

  @Override
  long remaining(long[] s, int o, long now) {
    long dw = debtWhole(s, o, now);
    long df = debtFraction(s, o, now);
    if (!greater(burstWhole, burstRemainder, dw, df)) {
      return 0;
    }
    // floor((B - debt) / T) = floor(((Bw - dw)·d + (Br - df)) / P')
    return TimeMath.mulAddFloorDiv(burstWhole - dw, denominator, burstRemainder - df, numerator);
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    long dw = debtWhole(s, o, now);
    return dw + (debtFraction(s, o, now) > 0 ? 1 : 0);
  }

  @Override
  long refillNanos(long[] s, int o, long now) {
    long dw = debtWhole(s, o, now);
    long df = debtFraction(s, o, now);
    if (dw == 0 && df == 0) {
      return 0;
    }
    // the next permit arrives when the debt falls to B - (remaining + 1)·T = (burst - remaining - 1)·T
    long k = burst - remaining(s, o, now) - 1;
    long tw = whole(k);
    long tf = remainder(k, tw);
    return ceilDifference(dw, df, tw, tf);
  }

  @Override
  boolean idle(long[] s, int o, long now) {
    return s[o] < now || (s[o] == now && s[o + 1] == 0);
  }

  @Override
  double used(long[] s, int o, long now) {
    return (double) resetNanos(s, o, now) / maxRefillNanos();
  }

  @Override
  long maxRefillNanos() {
    return burstWhole + (burstRemainder > 0 ? 1 : 0);
  }
}
