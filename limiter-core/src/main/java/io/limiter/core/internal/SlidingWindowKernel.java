package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Sliding window (Cloudflare's approximation): counts of the current and the previous fixed window; the requests in
 * the last {@code W} are estimated as {@code prev·(W-e)/W + curr}, where {@code e} is the time elapsed in the current
 * window. A request of {@code n} is admitted iff that estimate plus {@code n} is at most the limit {@code P}, decided
 * in exact integer arithmetic: {@code prev·(W-e) <= (P-curr-n)·W}, i.e. {@code e >= W - floor((P-curr-n)·W/prev)}.
 * That closed form also gives the exact retry time.
 *
 * <p>Two words of state: the window index, and the two counts (current in the high half, previous in the low half).
 * Counts written under other limits of the same period (a step level, a changed policy of the same shape) are read
 * clamped to this limit: a client never waits longer than this limit's own worst case, and the stored counts are
 * left as they are, so the policy that wrote them still sees them.
 */
final class SlidingWindowKernel extends LimitKernel {

  private static final long COUNT_MASK = 0xFFFF_FFFFL;

  private final long window;
  private final long permits;

  SlidingWindowKernel(Limit limit) {
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

  // The state as seen at `now`, shifted into the current window. Three small methods rather than an object, so that
  // deciding never allocates.

  private long index(long[] s, int o, long now) {
    long current = Math.floorDiv(now, window);
    if (s[o + 1] == 0 || current <= s[o]) {
      return s[o + 1] == 0 ? current : s[o];
    }
    return current;
  }

  private long currentRaw(long[] s, int o, long now) {
    long current = Math.floorDiv(now, window);
    return current <= s[o] ? s[o + 1] >>> 32 : 0;
  }

  private long previousRaw(long[] s, int o, long now) {
    long current = Math.floorDiv(now, window);
    if (current <= s[o]) {
      return s[o + 1] & COUNT_MASK;
    }
    return current == s[o] + 1 ? s[o + 1] >>> 32 : 0;
  }

  private long current(long[] s, int o, long now) {
    return Math.min(permits, currentRaw(s, o, now));
  }

  private long previous(long[] s, int o, long now) {
    return Math.min(permits, previousRaw(s, o, now));
  }

  private long elapsed(long index, long now) {
    long e = TimeMath.saturatedSubtract(now, TimeMath.saturatedMultiply(index, window));
    return e < 0 ? 0 : Math.min(e, window - 1);
  }

  /** {@code floor(R·W/prev)} for {@code 0 <= R < prev}, without overflow: the result is below W. */
  private long threshold(long room, long prev) {
    return room * (window / prev) + room * (window % prev) / prev;
  }

  private boolean admits(long prev, long curr, long e, long requested) {
    long room = permits - curr - requested;
    if (room < 0) {
      return false;
    }
    return prev == 0 || room >= prev || e >= window - threshold(room, prev);
  }

  @Override
  long waitNanos(long[] s, int o, long now, long requested) {
    if (requested > permits) {
      return Decision.NEVER;
    }
    long index = index(s, o, now);
    long prev = previous(s, o, now);
    long curr = current(s, o, now);
    long e = elapsed(index, now);
    if (admits(prev, curr, e, requested)) {
      return 0;
    }
    long start = TimeMath.saturatedMultiply(index, window);
    long room = permits - curr - requested;
    if (room >= 0 && prev > 0) {
      long q = threshold(room, prev); // room < prev here, or admits() would have said yes
      if (q > 0) {
        return Math.max(1, TimeMath.saturatedSubtract(TimeMath.saturatedAdd(start, window - q), now));
      }
    }
    // Not in this window: in the next one the current count becomes the previous one.
    long nextStart = TimeMath.saturatedAdd(start, window);
    long nextRoom = permits - requested;
    long at = curr == 0 || nextRoom >= curr ? nextStart
        : TimeMath.saturatedAdd(nextStart, window - threshold(nextRoom, curr));
    return Math.max(1, TimeMath.saturatedSubtract(at, now));
  }

  @Override
  void charge(long[] s, int o, long now, long requested) {
    long index = index(s, o, now);
    long prev = previousRaw(s, o, now);
    long curr = currentRaw(s, o, now) + requested;
    s[o] = index;
    s[o + 1] = (curr << 32) | prev;
  }

  /**
   * A refund takes the permits off the window charged at {@code at}: the stored current count if the state is still
   * in that window, the stored previous count if the state has moved on to the next one; once that window has slid
   * out it weighs nothing, so there is nothing to give back. An extra charge counts in the current window, up to the
   * permits.
   */
  @Override
  void settle(long[] s, int o, long now, long at, long delta) {
    if (delta < 0) {
      if (s[o + 1] == 0) {
        return;
      }
      long charged = Math.floorDiv(at, window);
      long curr = s[o + 1] >>> 32;
      long prev = s[o + 1] & COUNT_MASK;
      if (s[o] == charged) {
        curr = Math.max(0, curr + delta);
      } else if (s[o] == charged + 1) {
        prev = Math.max(0, prev + delta);
      } else {
        return;
      }
      s[o + 1] = (curr << 32) | prev;
      return;
    }
    long curr = currentRaw(s, o, now);
    if (curr < permits) {
      long prev = previousRaw(s, o, now);
      s[o] = index(s, o, now);
      s[o + 1] = (Math.min(permits, curr + delta) << 32) | prev;
    }
  }

  @Override
  long remaining(long[] s, int o, long now) {
    long index = index(s, o, now);
    long prev = previous(s, o, now);
    long curr = current(s, o, now);
    // largest n with prev·(W-e) <= (P-curr-n)·W  is  P - curr - prev + floor(prev·e/W)
    long weighted = prev - TimeMath.mulDivFloor(prev, elapsed(index, now), window);
    return Math.max(0, permits - curr - weighted);
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    long prev = previous(s, o, now);
    long curr = current(s, o, now);
    if (prev == 0 && curr == 0) {
      return 0;
    }
    long start = TimeMath.saturatedMultiply(index(s, o, now), window);
    long full = TimeMath.saturatedAdd(start, curr == 0 ? window : TimeMath.saturatedMultiply(2, window));
    return Math.max(0, TimeMath.saturatedSubtract(full, now));
  }

  /**
   * The wait for one more permit than now: exactly {@link #waitNanos} for {@code remaining + 1}, since without
   * charges the estimate only falls with time (within a window as the previous count weighs less, and at a boundary,
   * where the previous window drops out and the current one starts to weigh less).
   */
  @Override
  long refillNanos(long[] s, int o, long now) {
    long remaining = remaining(s, o, now);
    if (remaining >= permits) {
      return 0;
    }
    return waitNanos(s, o, now, remaining + 1);
  }

  @Override
  boolean idle(long[] s, int o, long now) {
    return previous(s, o, now) == 0 && current(s, o, now) == 0;
  }

  @Override
  double used(long[] s, int o, long now) {
    return 1.0 - (double) remaining(s, o, now) / permits;
  }

  @Override
  long maxRefillNanos() {
    return 2 * window;
  }
}
