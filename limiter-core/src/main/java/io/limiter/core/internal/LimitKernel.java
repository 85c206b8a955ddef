package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * The pure state transition of one {@link Limit} under one algorithm: {@code (state, now, permits) -> (state',
 * verdict)}. State is a few {@code long} words at an offset in an array, so that all limits of a policy share one
 * array that is swapped by a single compare-and-set. Kernels never mutate their input array in place except in
 * {@link #charge}, which stores call on a private copy.
 */
abstract class LimitKernel {

  final Limit limit;

  LimitKernel(Limit limit) {
    this.limit = limit;
  }

  /** Number of {@code long} words of state. */
  abstract int words();

  /** Writes the state of an unused (full) limit. */
  abstract void init(long[] s, int o);

  /** Nanoseconds until {@code permits} would be admitted: 0 if now, {@link Decision#NEVER} if never. */
  abstract long waitNanos(long[] s, int o, long now, long permits);

  /** Takes {@code permits}; only called when {@link #waitNanos} is 0 for the same state and time. */
  abstract void charge(long[] s, int o, long now, long permits);

  /**
   * Settles a reservation that was charged at {@code at} (store time), applied to state read at {@code now}:
   * {@code delta > 0} charges that many more permits now, taking the limit at most to empty (the excess is dropped);
   * {@code delta < 0} refunds {@code -delta} permits, never making the limit fuller than full, and for window
   * algorithms only from the window that was charged while it still counts. Unlike {@link #charge}, applies whatever
   * {@link #waitNanos} says. {@code |delta|} is at most the limit's capacity (callers clamp: more changes nothing).
   */
  abstract void settle(long[] s, int o, long now, long at, long delta);

  /**
   * Nanoseconds until {@code permits} would be admitted, reading the state as it is (no clamp): the wait of a caller
   * queued behind the future slots already reserved ({@link CompiledPolicy#schedule}). {@link Decision#NEVER} if
   * never. Only token buckets can reserve future slots; window kernels never get here (callers check the algorithm).
   */
  long slotWaitNanos(long[] s, int o, long now, long permits) {
    throw new UnsupportedOperationException(limit + ": only a token bucket reserves future slots");
  }

  /** Permits available now. */
  abstract long remaining(long[] s, int o, long now);

  /** Nanoseconds until the limit is full again. */
  abstract long resetNanos(long[] s, int o, long now);

  /** Nanoseconds until at least one more permit than now is available; 0 when full. */
  abstract long refillNanos(long[] s, int o, long now);

  /** Whether the state is equivalent to an unused limit, so that dropping it changes no decision. */
  abstract boolean idle(long[] s, int o, long now);

  /**
   * How much of the limit is used now, from 0 (full) to 1 (exhausted): how eviction under a key flood ranks keys of
   * policies with different rates against each other.
   */
  abstract double used(long[] s, int o, long now);

  /** {@link #used} of a single-word token bucket state (the fast path's {@link Cell.Single}). */
  double usedOf(long tat, long now) {
    return used(new long[] {tat}, 0, now);
  }

  /** The longest time after a charge until the limit is full again; bounds how long an idle key must be kept. */
  abstract long maxRefillNanos();
}
