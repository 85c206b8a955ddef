package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Fixed window: windows {@code [k·W, (k+1)·W)} on the ticker's time line, one counter per window. One word of state:
 * the low 32 bits of the window index (high half) and the count (low half, at most 2^31-1 by policy validation).
 *
 * <p>Only the <em>difference</em> between the current and the stored index is used, as a 32-bit signed number: 0 is
 * the same window, positive a later one (count starts over), negative a clock that went backwards (the stored window
 * and its count stay: never a refill). Wrapping needs 2^31 windows of idleness, i.e. 68 years with 1 s windows.
 */
final class FixedWindowKernel extends LimitKernel {

  private static final long COUNT_MASK = 0xFFFF_FFFFL;

  private final long window;
  private final long permits;

  FixedWindowKernel(Limit limit) {
    super(limit);
    this.window = limit.periodNanos();
    this.permits = limit.permits();
  }

  @Override
  int words() {
    return 1;
  }

  @Override
  void init(long[] s, int o) {
    s[o] = 0;
  }

  /** The index of the window the state counts in at {@code now}. */
  private long effectiveIndex(long state, long now) {
    long current = Math.floorDiv(now, window);
    long count = state & COUNT_MASK;
    int difference = (int) current - (int) (state >>> 32);
    return count == 0 || difference > 0 ? current : current - difference; // the stored, later window
  }

  private long effectiveCount(long state, long now) {
    long count = state & COUNT_MASK;
    if (count == 0) {
      return 0;
    }
    int difference = (int) Math.floorDiv(now, window) - (int) (state >>> 32);
    return difference > 0 ? 0 : count;
  }

  private long windowEnd(long index) {
    return TimeMath.saturatedMultiply(index + 1, window);
  }

  @Override
  long waitNanos(long[] s, int o, long now, long requested) {
    if (requested > permits) {
      return Decision.NEVER;
    }
    if (effectiveCount(s[o], now) + requested <= permits) {
      return 0;
    }
    return Math.max(1, TimeMath.saturatedSubtract(windowEnd(effectiveIndex(s[o], now)), now));
  }

  @Override
  void charge(long[] s, int o, long now, long requested) {
    long index = effectiveIndex(s[o], now);
    long count = effectiveCount(s[o], now) + requested;
    s[o] = (index << 32) | count;
  }

  @Override
  long remaining(long[] s, int o, long now) {
    return Math.max(0, permits - effectiveCount(s[o], now));
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    if (effectiveCount(s[o], now) == 0) {
      return 0;
    }
    return TimeMath.saturatedSubtract(windowEnd(effectiveIndex(s[o], now)), now);
  }

  @Override
  long refillNanos(long[] s, int o, long now) {
    return resetNanos(s, o, now); // the whole count comes back at the end of the window
  }

  @Override
  boolean idle(long[] s, int o, long now) {
    return effectiveCount(s[o], now) == 0;
  }

  @Override
  long maxRefillNanos() {
    return window;
  }
}
