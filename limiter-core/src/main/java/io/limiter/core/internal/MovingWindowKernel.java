package io.limiter.core.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Moving window (flask-limiter's {@code moving-window}): an exact log of the times of the last permits taken. A
 * request of {@code n} is admitted iff fewer than {@code P - n + 1} of the logged permits are younger than the period
 * {@code W}, i.e. iff the {@code (P-n+1)}-th newest entry is at least {@code W} old; its retry time is exactly when
 * that entry turns {@code W} old.
 *
 * <p>State: {@code 2 + C} words, where {@code C} (the log's size) is the permits of the limit that laid the state out
 * (a policy's own limit; a view of it, such as a step level, decides on the same log). Word 0 is the number of
 * entries logged (at most {@code C}), word 1 the ring position of the newest entry, then the ring. Entries are in
 * time order by construction: a permit is logged at {@code max(now, newest)}, so a clock that went backwards or a
 * decision that lost a race logs no older entry than one already there (it counts a little longer, never shorter).
 * A view with more permits than {@code C} decides as if it had {@code C} (the log knows no more): it never admits
 * more than the log can prove.
 *
 * <p>Memory: 8 bytes per permit of the limit per key, which is why {@link Algorithm#MOVING_WINDOW_MAX_PERMITS}
 * bounds it. Every decision copies the state (copy-on-write, like every multi-word state), so the time of a decision
 * grows with {@code C} too.
 */
final class MovingWindowKernel extends LimitKernel {

  private final long window;
  /** The permits of this limit, capped at the log's size. */
  private final long permits;
  private final int capacity;

  /**
   * @param limit the limit to decide with
   * @param capacity the log's size: the permits of the limit that laid the state out
   */
  MovingWindowKernel(Limit limit, int capacity) {
    super(limit);
    this.window = limit.periodNanos();
    this.capacity = capacity;
    this.permits = Math.min(limit.permits(), capacity);
  }

  /** The log's size for a limit that lays out its own state. */
  static int capacityOf(Limit limit) {
    return (int) limit.permits(); // the policy's build checked it against MOVING_WINDOW_MAX_PERMITS
  }

  int capacity() {
    return capacity;
  }

  @Override
  int words() {
    return 2 + capacity;
  }

  @Override
  void init(long[] s, int o) {
    s[o] = 0;
    s[o + 1] = 0;
  }

  /** The {@code j}-th newest entry ({@code 0 <= j < count}). */
  private long entry(long[] s, int o, int j) {
    return s[o + 2 + Math.floorMod((int) s[o + 1] - j, capacity)];
  }

  /** Whether an entry logged at {@code t} still counts at {@code now}. */
  private boolean live(long t, long now) {
    return TimeMath.saturatedSubtract(now, t) < window;
  }

  /** The number of entries that still count: a binary search, since entries are newest first. */
  private int live(long[] s, int o, long now) {
    int lo = 0;
    int hi = (int) s[o];
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (live(entry(s, o, mid), now)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Nanoseconds until the {@code j}-th newest entry stops counting; 0 if there is none or it does not count. */
  private long expiry(long[] s, int o, int j, long now) {
    if (j < 0 || j >= s[o]) {
      return 0;
    }
    return Math.max(0, TimeMath.saturatedSubtract(TimeMath.saturatedAdd(entry(s, o, j), window), now));
  }

  @Override
  long waitNanos(long[] s, int o, long now, long requested) {
    if (requested > permits) {
      return Decision.NEVER;
    }
    return expiry(s, o, (int) (permits - requested), now);
  }

  @Override
  void charge(long[] s, int o, long now, long requested) {
    long count = s[o];
    long t = count > 0 ? Math.max(now, entry(s, o, 0)) : now;
    int head = (int) s[o + 1];
    long n = Math.min(requested, capacity); // more would only overwrite entries written here
    for (long i = 0; i < n; i++) {
      head = head + 1 == capacity ? 0 : head + 1;
      s[o + 2 + head] = t;
    }
    s[o + 1] = head;
    s[o] = Math.min(capacity, count + n);
  }

  /**
   * A refund removes the oldest of the entries that still count and are not older than the charge at {@code at}:
   * the charge's own entries, unless a concurrent decision or a clock gone back logged them later; once the charge
   * is a period old there is nothing to give back. An extra charge logs entries now, up to the permits.
   */
  @Override
  void settle(long[] s, int o, long now, long at, long delta) {
    if (delta > 0) {
      long room = permits - live(s, o, now);
      if (room > 0) {
        charge(s, o, now, Math.min(room, delta));
      }
      return;
    }
    if (!live(at, now)) {
      return; // the charge aged out: what is logged now is younger charges'
    }
    int live = live(s, o, now);
    int m = 0; // entries [0, m) count and are not older than the charge
    while (m < live && entry(s, o, m) >= at) {
      m++;
    }
    int r = (int) Math.min(m, -delta);
    if (r == 0) {
      return;
    }
    // close the gap: the entries newer than the removed ones move r places towards the old end
    for (int j = m - r - 1; j >= 0; j--) {
      s[o + 2 + Math.floorMod((int) s[o + 1] - j - r, capacity)] = entry(s, o, j);
    }
    s[o + 1] = Math.floorMod((int) s[o + 1] - r, capacity);
    s[o] -= r;
  }

  @Override
  long remaining(long[] s, int o, long now) {
    return Math.max(0, permits - live(s, o, now));
  }

  @Override
  long resetNanos(long[] s, int o, long now) {
    return expiry(s, o, 0, now);
  }

  /** The wait for one more permit than now: until the oldest entry that keeps the count at its level expires. */
  @Override
  long refillNanos(long[] s, int o, long now) {
    long live = live(s, o, now);
    return live == 0 ? 0 : expiry(s, o, (int) Math.min(live, permits) - 1, now);
  }

  @Override
  boolean idle(long[] s, int o, long now) {
    return live(s, o, now) == 0;
  }

  @Override
  double used(long[] s, int o, long now) {
    return 1.0 - (double) remaining(s, o, now) / permits;
  }

  @Override
  long maxRefillNanos() {
    return window;
  }
}
