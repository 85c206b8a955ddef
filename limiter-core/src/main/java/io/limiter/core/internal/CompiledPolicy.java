package io.limiter.core.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.util.List;

/**
 * A policy turned into kernels and a state layout, once, when its key space is created; the decision methods here
 * are what the local stores run per request. A single token-bucket limit (the default and the common case) keeps its
 * state in one {@code long} of a {@link Cell.Single}; every other policy keeps a {@code long[]} in a
 * {@link Cell.Multi} that is replaced copy-on-write by compare-and-set, so all limits change together or not at all.
 */
final class CompiledPolicy {

  final LimitPolicy policy;
  final LimitKernel[] kernels;
  final int[] offsets;
  final int words;
  final boolean single;
  final long maxRefillNanos;
  /** Shared state of a fresh multi cell; never written (cells copy before charging). */
  private final long[] empty;
  // copies of the single kernel's constants, read on the fast path
  private final long interval;
  private final long burst;
  private final long burstNanos;

  private CompiledPolicy(LimitPolicy policy) {
    this.policy = policy;
    List<Limit> limits = policy.limits();
    this.kernels = new LimitKernel[limits.size()];
    this.offsets = new int[limits.size()];
    int w = 0;
    long refill = 0;
    for (int i = 0; i < kernels.length; i++) {
      kernels[i] = kernel(policy.algorithm(), limits.get(i));
      offsets[i] = w;
      w += kernels[i].words();
      refill = Math.max(refill, kernels[i].maxRefillNanos());
    }
    this.words = w;
    this.maxRefillNanos = refill;
    this.single = kernels.length == 1 && policy.algorithm() == Algorithm.TOKEN_BUCKET;
    this.empty = new long[w];
    for (int i = 0; i < kernels.length; i++) {
      kernels[i].init(empty, offsets[i]);
    }
    Limit first = limits.get(0);
    this.interval = first.emissionIntervalNanos();
    this.burst = first.burst();
    this.burstNanos = first.burstPeriodNanos();
  }

  static CompiledPolicy compile(LimitPolicy policy) {
    return new CompiledPolicy(policy);
  }

  private static LimitKernel kernel(Algorithm algorithm, Limit limit) {
    switch (algorithm) {
      case TOKEN_BUCKET:
        return new GcraKernel(limit);
      case FIXED_WINDOW:
        return new FixedWindowKernel(limit);
      case SLIDING_WINDOW:
        return new SlidingWindowKernel(limit);
      default:
        throw new IllegalArgumentException("unknown algorithm " + algorithm);
    }
  }

  /** Whether {@code other} can decide on cells made for this policy (same layout and meaning of the words). */
  boolean compatibleWith(LimitPolicy other) {
    return policy.canShareStateWith(other);
  }

  Cell newCell() {
    return single ? new Cell.Single(GcraKernel.EMPTY) : new Cell.Multi(empty);
  }

  // ---- single token bucket: one clock read, one CAS ------------------------------------------------------------

  /** 1 admitted, 0 rejected, -1 the cell is dead (expired meanwhile; look the key up again). */
  int tryAcquire(Cell.Single cell, long now, long permits) {
    if (permits > burst) {
      return 0;
    }
    long increment = permits * interval;
    for (;;) {
      long tat = cell.value;
      if (tat == Cell.DEAD) {
        return -1;
      }
      long newTat = TimeMath.saturatedAdd(tat > now ? tat : now, increment);
      if (TimeMath.saturatedSubtract(newTat, now) > burstNanos) {
        return 0;
      }
      if (cell.compareAndSet(tat, newTat)) {
        return 1;
      }
    }
  }

  /** The decision, or null if the cell is dead. */
  Decision acquire(Cell.Single cell, long now, long permits) {
    for (;;) {
      long tat = cell.value;
      if (tat == Cell.DEAD) {
        return null;
      }
      long wait = GcraKernel.wait(tat, now, permits, interval, burst, burstNanos);
      if (wait > 0) {
        return Decision.rejected(policy, 0, GcraKernel.remaining(tat, now, interval, burstNanos), wait,
            GcraKernel.reset(tat, now), GcraKernel.refill(tat, now, interval, burstNanos));
      }
      long newTat = GcraKernel.newTat(tat, now, permits, interval);
      if (cell.compareAndSet(tat, newTat)) {
        return Decision.allowed(policy, 0, GcraKernel.remaining(newTat, now, interval, burstNanos),
            GcraKernel.reset(newTat, now), GcraKernel.refill(newTat, now, interval, burstNanos));
      }
    }
  }

  // ---- any other policy: copy-on-write array --------------------------------------------------------------------

  int tryAcquire(Cell.Multi cell, long now, long permits) {
    for (;;) {
      long[] state = cell.value;
      if (state == Cell.DEAD_STATE) {
        return -1;
      }
      for (int i = 0; i < kernels.length; i++) {
        if (kernels[i].waitNanos(state, offsets[i], now, permits) > 0) {
          return 0;
        }
      }
      if (cell.compareAndSet(state, charged(state, now, permits))) {
        return 1;
      }
    }
  }

  Decision acquire(Cell.Multi cell, long now, long permits) {
    for (;;) {
      long[] state = cell.value;
      if (state == Cell.DEAD_STATE) {
        return null;
      }
      long maxWait = 0;
      int decidingLimit = 0;
      for (int i = 0; i < kernels.length; i++) {
        long wait = kernels[i].waitNanos(state, offsets[i], now, permits);
        if (wait > maxWait) {
          maxWait = wait;
          decidingLimit = i;
        }
      }
      if (maxWait > 0) {
        return decision(state, now, false, decidingLimit, maxWait);
      }
      long[] next = charged(state, now, permits);
      if (cell.compareAndSet(state, next)) {
        return decision(next, now, true, -1, 0);
      }
    }
  }

  private long[] charged(long[] state, long now, long permits) {
    long[] next = state.clone();
    for (int i = 0; i < kernels.length; i++) {
      kernels[i].charge(next, offsets[i], now, permits);
    }
    return next;
  }

  private Decision decision(long[] state, long now, boolean allowed, int decidingLimit, long retryAfter) {
    if (kernels.length == 1) {
      long remaining = kernels[0].remaining(state, 0, now);
      long reset = kernels[0].resetNanos(state, 0, now);
      long refill = kernels[0].refillNanos(state, 0, now);
      return allowed ? Decision.allowed(policy, 0, remaining, reset, refill)
          : Decision.rejected(policy, 0, remaining, retryAfter, reset, refill);
    }
    long[] remaining = new long[kernels.length];
    long[] reset = new long[kernels.length];
    long[] refill = new long[kernels.length];
    int fewest = 0;
    for (int i = 0; i < kernels.length; i++) {
      remaining[i] = kernels[i].remaining(state, offsets[i], now);
      reset[i] = kernels[i].resetNanos(state, offsets[i], now);
      refill[i] = kernels[i].refillNanos(state, offsets[i], now);
      if (remaining[i] < remaining[fewest]) {
        fewest = i;
      }
    }
    return Decision.of(policy, allowed, allowed ? fewest : decidingLimit, retryAfter, remaining, reset, refill);
  }

  // ---- expiry ------------------------------------------------------------------------------------------------------

  /** Nanoseconds until every limit of the cell is full again, or -1 if the cell is dead. */
  long resetNanos(Cell cell, long now) {
    if (cell instanceof Cell.Single s) {
      long tat = s.value;
      return tat == Cell.DEAD ? -1 : GcraKernel.reset(tat, now);
    }
    long[] state = ((Cell.Multi) cell).value;
    if (state == Cell.DEAD_STATE) {
      return -1;
    }
    long max = 0;
    for (int i = 0; i < kernels.length; i++) {
      max = Math.max(max, kernels[i].resetNanos(state, offsets[i], now));
    }
    return max;
  }

  private boolean idle(long[] state, long now) {
    for (int i = 0; i < kernels.length; i++) {
      if (!kernels[i].idle(state, offsets[i], now)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Kills the cell if its state is idle (dropping it changes no decision), or, with {@code maxResetNanos >= 0}, if it
   * is full again within that time (a lossy eviction). Atomic with respect to concurrent decisions: a cell that was
   * charged meanwhile survives.
   *
   * @return whether this call killed the cell
   */
  boolean kill(Cell cell, long now, long maxResetNanos) {
    if (cell instanceof Cell.Single s) {
      long tat = s.value;
      if (tat == Cell.DEAD) {
        return false;
      }
      boolean expendable = tat <= now || (maxResetNanos >= 0 && GcraKernel.reset(tat, now) <= maxResetNanos);
      return expendable && s.compareAndSet(tat, Cell.DEAD);
    }
    Cell.Multi m = (Cell.Multi) cell;
    long[] state = m.value;
    if (state == Cell.DEAD_STATE) {
      return false;
    }
    boolean expendable = idle(state, now) || (maxResetNanos >= 0 && resetNanos(m, now) <= maxResetNanos);
    return expendable && m.compareAndSet(state, Cell.DEAD_STATE);
  }

  /** Kills the cell whatever its state; returns whether it was in use (not idle) at {@code now}. */
  boolean killUnconditionally(Cell cell, long now) {
    if (cell instanceof Cell.Single s) {
      long tat = s.getAndSet(Cell.DEAD);
      return tat != Cell.DEAD && tat > now;
    }
    long[] state = ((Cell.Multi) cell).getAndSet(Cell.DEAD_STATE);
    return state != Cell.DEAD_STATE && !idle(state, now);
  }
}
