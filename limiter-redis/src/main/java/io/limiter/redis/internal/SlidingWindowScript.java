package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;
import java.math.BigInteger;
import org.jspecify.annotations.Nullable;

/**
 * Sliding window, as in the in-memory kernel, on the microsecond clock. The Java formulas below are the kernel's,
 * evaluated in microseconds relative to now; since every instant involved is a whole microsecond and the kernel's
 * thresholds are floors of {@code k·W/n}, the results equal the kernel's nanosecond results rounded up to whole
 * microseconds. Reply words per limit: window start minus now (µs), current count, previous count.
 */
final class SlidingWindowScript extends LimitScript {

  static final SlidingWindowScript INSTANCE = new SlidingWindowScript();

  private SlidingWindowScript() {
    super("sliding_window.lua", 's', 3, 3);
  }

  @Override
  long spanMicros(Limit limit) {
    return 2 * (limit.periodNanos() / 1000); // the end of the window after the counted one
  }

  @Override
  @Nullable String unsupported(Limit limit) {
    // the script's exact floor(room·W/prev) needs W < 2^49 µs (17 years); core limits stay below 3650 days
    return limit.periodNanos() / 1000 >= (1L << 49)
        ? "window of limit " + limit + " is longer than the 2^49 µs the Redis sliding-window script supports"
        : super.unsupported(limit);
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    args[offset] = Long.toString(limit.periodNanos() / 1000);
    args[offset + 1] = Long.toString(limit.permits());
    args[offset + 2] = Long.toString(permits);
  }

  private static long window(Limit limit) {
    return limit.periodNanos() / 1000;
  }

  private static long elapsed(long start, long window) {
    return Math.min(Math.max(-start, 0), window - 1);
  }

  /** {@code floor(room·W/prev)} for {@code 0 <= room < prev}: below W, no overflow. */
  private static long threshold(long room, long prev, long window) {
    return room * (window / prev) + room * (window % prev) / prev;
  }

  /** {@code floor(a·b/c)} for non-negative arguments; the product may exceed 2^63 (prev·elapsed). */
  private static long mulDivFloor(long a, long b, long c) {
    if (Math.multiplyHigh(a, b) == 0 && a * b >= 0) {
      return a * b / c;
    }
    return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    long p = limit.permits();
    if (permits > p) {
      return Decision.NEVER;
    }
    long w = window(limit);
    long start = words[o];
    long curr = words[o + 1];
    long prev = words[o + 2];
    long e = elapsed(start, w);
    long room = p - curr - permits;
    if (room >= 0 && (prev == 0 || room >= prev || e >= w - threshold(room, prev, w))) {
      return 0;
    }
    if (room >= 0 && prev > 0) {
      long q = threshold(room, prev, w); // room < prev here
      if (q > 0) {
        return Math.max(1, start + w - q) * 1000;
      }
    }
    // not in this window: in the next one the current count becomes the previous one
    long nextStart = start + w;
    long nextRoom = p - permits;
    long at = curr == 0 || nextRoom >= curr ? nextStart : nextStart + w - threshold(nextRoom, curr, w);
    return Math.max(1, at) * 1000;
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    long w = window(limit);
    long prev = words[o + 2];
    // largest n with prev·(W-e) <= (P-curr-n)·W  is  P - curr - prev + floor(prev·e/W)
    long weighted = prev - mulDivFloor(prev, elapsed(words[o], w), w);
    return Math.max(0, limit.permits() - words[o + 1] - weighted);
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    long curr = words[o + 1];
    long prev = words[o + 2];
    if (prev == 0 && curr == 0) {
      return 0;
    }
    long w = window(limit);
    return Math.max(0, words[o] + (curr == 0 ? w : 2 * w)) * 1000;
  }

  /**
   * The wait for one more permit than now, as the in-memory kernel computes it: exactly {@link #waitNanos} for
   * {@code remaining + 1}, since without charges the estimate only falls with time (within a window as the previous
   * count weighs less, and at a boundary, where the previous window drops out).
   */
  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    long remaining = remaining(limit, words, o);
    if (remaining >= limit.permits()) {
      return 0;
    }
    return waitNanos(limit, remaining + 1, words, o);
  }
}
