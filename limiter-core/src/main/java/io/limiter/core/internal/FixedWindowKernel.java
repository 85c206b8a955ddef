package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Fixed window: windows {@code [k·W, (k+1)·W)} on the ticker's time line, one counter per window. Two words of state:
 * the full 64-bit window index and the count. (An earlier layout packed the low 32 bits of the index next to the
 * count; with {@code 5/millisecond} that index wrapped after 24.9 idle days and locked the client out.)
 *
 * <p>The stored index is compared with the current one: equal is the same window, smaller an earlier one (the count
 * starts over), larger a clock that went backwards (the stored window and its count stay: never a refill).
 */
final class FixedWindowKernel extends LimitKernel {

  private final long window;
  private final long permits;

  FixedWindowKernel(Limit limit) {
    super(limit);
    this.window = limit.periodNanos();
    this.permits = limit.permits();
  }

  @Override
  int words() {
    return 2;
  }

  @Override
  void init(long[] s, int o) {
    s[o] = 0;
    s[o + 1] = 0;
  }

  /** The index of the window the state counts in at {@code now}. */
  private long effectiveIndex(long[] s, int o, long now) {
    long current = Math.floorDiv(now, window);
    return s[o + 1] == 0 || current > s[o] ? current : s[o]; // the same or the stored, later window
  }

  private long effectiveCount(long[] s, int o, long now) {
    long count = s[o + 1];
    if (count == 0) {
      return 0;
    }
    return Math.floorDiv(now, window) > s[o] ? 0 : count;
  }

  private long windowEnd(long index) {
    return TimeMath.saturatedMultiply(TimeMath.saturatedAdd(index, 1), window);
  }

  @Override
  long waitNanos(long[] s, int o, long now, long requested) {
    if (requested > permits) {
      return Decision.NEVER;
    }
    if (effectiveCount(s, o, now) + requested <= permits) {
      return 0;
    }
    return Math.max(1, TimeMath.saturatedSubtract(windowEnd(effectiveIndex(s, o, now)), now));
  }

  @Override
  void charge(long[] s, int o, long now, long requested) {
    long index = effectiveIndex(s, o, now);
    long count = effectiveCount(s, o, now) + requested;
    s[o] = index;
    s[o + 1] = count;
  }

  /**
   * A refund takes the permits off the count if the stored window is the one charged at {@code at} (else that window
   * has reset, or the clock went back past it: nothing to give back); an extra charge counts in the window that
   * counts now, up to the permits.
   */
  @Override
  void settle(long[] s, int o, long now, long at, long delta) {
    if (delta < 0) {
      if (s[o + 1] > 0 && s[o] == Math.floorDiv(at, window)) {
        s[o + 1] = Math.max(0, s[o + 1] + delta);
      }
      return;
    }
    long count = effectiveCount(s, o, now);
    if (count < permits) {
      s[o] = effectiveIndex(s, o, now);
      s[o + 1] = Math.min(permits, count + delta);
    }
  }

  @Override
  long remaining(long[] s, int o, long now) {
    return Math.max(0, permits - effectiveCount(s, o, now));
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    if (effectiveCount(s, o, now) == 0) {
      return 0;
    }
    return Math.max(1, TimeMath.saturatedSubtract(windowEnd(effectiveIndex(s, o, now)), now));
  }

  @Override
  long refillNanos(long[] s, int o, long now) {
    return resetNanos(s, o, now); // the whole count comes back at the end of the window
  }

  @Override
  boolean idle(long[] s, int o, long now) {
    return effectiveCount(s, o, now) == 0;
  }

  @Override
  double used(long[] s, int o, long now) {
    return Math.min(1.0, (double) effectiveCount(s, o, now) / permits);
  }

  @Override
  long maxRefillNanos() {
    return window;
  }
}
