package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;
import java.math.BigInteger;

/**
 * GCRA, as in the in-memory kernels, in nanoseconds and fractions of one: the script keeps each {@code tat} as
 * microseconds plus a rest in units of {@code 1/(1000·d)} µs, where the emission interval is {@code T = N/d} ns.
 * Intervals of 10 µs or more are rounded up to whole nanoseconds ({@code d = 1}: the rest is in nanoseconds), as the
 * in-memory {@code GcraKernel} does; faster limits keep the exact interval {@code period/permits} in lowest terms, as
 * the in-memory {@code ExactGcraKernel} does, so {@code 999999999/second} admits its rate and not half of it. So
 * emission intervals that are not whole microseconds (7/minute: 8,571,428,572 ns) and rates faster than one per
 * microsecond decide exactly as they do locally. Reply words per limit: the debt {@code max(tat, now) - now} as
 * microseconds and rest.
 *
 * <p>A rest written under another denominator (a step level or a changed policy of the same shape whose fast rate
 * reduces to another fraction) is read in this limit's units: the debt it carries over is off by less than one
 * microsecond, and never read beyond this limit's capacity.
 */
final class TokenBucketScript extends LimitScript {

  /** Any number of limits. */
  static final TokenBucketScript INSTANCE = new TokenBucketScript("prelude.lua", "state.lua", "warm.lua",
      "token_bucket.lua");
  /** Exactly one limit, the most common policy: the same state and reply from a leaner script. */
  static final TokenBucketScript SINGLE = new TokenBucketScript("prelude.lua", "bucket_step.lua",
      "token_bucket_single.lua");
  /**
   * Reserves a future slot for a waiting caller in one call ({@code pace.lua}). A script of its own rather than a mode
   * of the token bucket's, so that a plain decision stays the one lean call it is; it reads and writes the token
   * bucket's state with its arguments (plus the maximum wait), so the limit-side arithmetic is this class's.
   */
  static final TokenBucketScript PACE = new TokenBucketScript("prelude.lua", "state.lua", "warm.lua", "pace.lua");
  /** Gives a slot {@link #PACE} reserved back ({@code unpace.lua}), for a policy with or without a warm-up. */
  static final TokenBucketScript UNPACE = new TokenBucketScript("prelude.lua", "state.lua", "unpace.lua");

  /** Intervals below this many nanoseconds keep their exact fraction, as the in-memory kernels decide. */
  private static final long EXACT_BELOW_NANOS = 10_000;
  /**
   * The largest denominator whose rest base {@code 1000·d} keeps every sum of two rests exact in Lua's doubles. A
   * faster limit whose interval reduces to a larger denominator uses {@link #FALLBACK_DENOMINATOR} with the interval
   * rounded up: never faster than the limit, and within 10^-6 of its rate (intervals are at least 1 ns).
   */
  private static final long MAX_DENOMINATOR = (MAX_EXACT / 2) / 1000;
  private static final long FALLBACK_DENOMINATOR = 1_000_000;

  private TokenBucketScript(String... resources) {
    super('g', 5, 2, resources);
  }

  /** The emission interval {@code numerator/denominator} ns of a limit, and its fraction arithmetic. */
  private record Interval(long numerator, long denominator) {

    static Interval of(Limit limit) {
      long rounded = limit.emissionIntervalNanos();
      if (rounded >= EXACT_BELOW_NANOS) {
        return new Interval(rounded, 1);
      }
      long g = gcd(limit.periodNanos(), limit.permits());
      long d = limit.permits() / g;
      if (d <= MAX_DENOMINATOR) {
        return new Interval(limit.periodNanos() / g, d);
      }
      BigInteger[] qr = BigInteger.valueOf(limit.periodNanos()).multiply(BigInteger.valueOf(FALLBACK_DENOMINATOR))
          .divideAndRemainder(BigInteger.valueOf(limit.permits()));
      return new Interval(qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0), FALLBACK_DENOMINATOR);
    }

    private static long gcd(long a, long b) {
      while (b != 0) {
        long t = a % b;
        a = b;
        b = t;
      }
      return a;
    }

    /** {@code n·T} as {@code {whole ns, rest in 1/d ns}}. */
    long[] times(long n) {
      if (denominator == 1) {
        return new long[] {n * numerator, 0}; // at most the burst period, below 2^62
      }
      BigInteger[] qr = BigInteger.valueOf(n).multiply(BigInteger.valueOf(numerator))
          .divideAndRemainder(BigInteger.valueOf(denominator));
      return new long[] {qr[0].longValueExact(), qr[1].longValueExact()};
    }

    /** The script's rest base: units of {@code 1/(1000·d)} µs per microsecond. */
    long restBase() {
      return 1000 * denominator;
    }

    /** {@code floor(((w1 - w2)·d + (f1 - f2)) / N)} for a non-negative difference. */
    long floorQuotient(long w1, long f1, long w2, long f2) {
      if (denominator == 1) {
        return (w1 - w2) / numerator;
      }
      return BigInteger.valueOf(w1 - w2).multiply(BigInteger.valueOf(denominator)).add(BigInteger.valueOf(f1 - f2))
          .divide(BigInteger.valueOf(numerator)).longValueExact();
    }
  }

  private static boolean greater(long w1, long f1, long w2, long f2) {
    return w1 > w2 || (w1 == w2 && f1 > f2);
  }

  /** {@code ceil((w1 + f1/d) - (w2 + f2/d))} in nanoseconds. */
  private static long ceilDifference(long w1, long f1, long w2, long f2) {
    return (w1 - w2) + (f1 > f2 ? 1 : 0);
  }

  /** The debt of a reply as {@code {whole ns, rest in 1/d ns}}. */
  private static long[] debt(Interval interval, long[] words, int o) {
    long d = interval.denominator();
    return new long[] {words[o] * 1000 + words[o + 1] / d, words[o + 1] % d};
  }

  @Override
  long spanMicros(Limit limit) {
    return limit.burstPeriodNanos() / 1000 + 1;
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    Interval interval = Interval.of(limit);
    long base = interval.restBase();
    long d = interval.denominator();
    if (permits > limit.burst()) {
      args[offset] = "-1";
      args[offset + 1] = "0";
    } else {
      long[] increment = interval.times(permits);
      args[offset] = Long.toString(increment[0] / 1000);
      args[offset + 1] = Long.toString(increment[0] % 1000 * d + increment[1]);
    }
    long[] capacity = interval.times(limit.burst());
    args[offset + 2] = Long.toString(capacity[0] / 1000);
    args[offset + 3] = Long.toString(capacity[0] % 1000 * d + capacity[1]);
    args[offset + 4] = Long.toString(base);
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    if (permits > limit.burst()) {
      return Decision.NEVER;
    }
    Interval interval = Interval.of(limit);
    long[] debt = debt(interval, words, o);
    long[] increment = interval.times(permits);
    long w = debt[0] + increment[0];
    long f = debt[1] + increment[1];
    if (f >= interval.denominator()) {
      f -= interval.denominator();
      w++;
    }
    long[] capacity = interval.times(limit.burst());
    return greater(w, f, capacity[0], capacity[1]) ? ceilMicros(ceilDifference(w, f, capacity[0], capacity[1])) : 0;
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    Interval interval = Interval.of(limit);
    long[] debt = debt(interval, words, o);
    long[] capacity = interval.times(limit.burst());
    if (!greater(capacity[0], capacity[1], debt[0], debt[1])) {
      return 0;
    }
    return interval.floorQuotient(capacity[0], capacity[1], debt[0], debt[1]);
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    long[] debt = debt(Interval.of(limit), words, o);
    return ceilMicros(debt[0] + (debt[1] > 0 ? 1 : 0));
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    Interval interval = Interval.of(limit);
    long[] debt = debt(interval, words, o);
    if (debt[0] <= 0 && debt[1] == 0) {
      return 0;
    }
    // the next permit arrives when the debt falls to B - (remaining + 1)·T = (burst - remaining - 1)·T
    long[] due = interval.times(limit.burst() - remaining(limit, words, o) - 1);
    return ceilMicros(ceilDifference(debt[0], debt[1], due[0], due[1]));
  }
}
