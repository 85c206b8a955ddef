package io.limiter.core.internal;

import io.limiter.core.LimitPolicy;

/**
 * What the key spaces of one {@link StateShape} in a local store share: the layout of their cells (set by the first
 * policy of that shape) and the longest refill time of any policy that has decided on them. Stores keep one group per
 * shape and the cells of a group in one map, so that policies differing only in counts, cost, shadow or failure mode,
 * and every view of them, decide on the same state.
 */
class CellGroup {

  final StateShape shape;
  /** The policy whose layout every cell of the group has; other policies are compiled against it. */
  final CompiledPolicy layout;
  /**
   * The longest refill time of any policy that has decided on these cells. It only grows, and it grows before the
   * first decision with a new policy reads the clock, so an access-time expiry of this long never drops a cell before
   * the state a decision wrote is full again.
   */
  private volatile long maxRefillNanos;
  /**
   * The longest wait for a future slot any decision on these cells has reserved ({@link CompiledPolicy#schedule}): a
   * reserved slot puts a cell's full-again time up to this much further ahead, so expiry keeps it this much longer.
   */
  private volatile long maxAheadNanos;

  CellGroup(LimitPolicy first) {
    this.shape = StateShape.of(first);
    this.layout = CompiledPolicy.compile(first);
    this.maxRefillNanos = layout.maxRefillNanos;
  }

  /** Compiles a policy of this group's shape (or a compatible view) against the group's layout. */
  CompiledPolicy compile(LimitPolicy policy) {
    CompiledPolicy compiled = policy.equals(layout.policy) ? layout : CompiledPolicy.compile(policy, layout);
    widen(compiled.maxRefillNanos);
    return compiled;
  }

  long maxRefillNanos() {
    return TimeMath.saturatedAdd(maxRefillNanos, maxAheadNanos);
  }

  /** Keeps cells long enough for slots reserved up to {@code waitNanos} ahead; before the decision reads the clock. */
  void allowAhead(long waitNanos) {
    if (waitNanos > maxAheadNanos) {
      reach(waitNanos);
    }
  }

  private synchronized void reach(long waitNanos) { // rare: once per longer wait
    if (waitNanos > maxAheadNanos) {
      maxAheadNanos = waitNanos;
    }
  }

  private synchronized void widen(long refillNanos) { // rare: once per new policy or view
    if (refillNanos > maxRefillNanos) {
      maxRefillNanos = refillNanos;
    }
  }
}
