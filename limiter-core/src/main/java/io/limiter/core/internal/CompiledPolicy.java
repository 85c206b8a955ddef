package io.limiter.core.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.ScheduledPermits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A policy turned into kernels and a state layout, once, when its key space is created; the decision methods here
 * are what the local stores run per request. A single token-bucket limit (the default and the common case) keeps its
 * state in one {@code long} of a {@link Cell.Single}; every other policy keeps a {@code long[]} in a
 * {@link Cell.Multi} that is replaced copy-on-write by compare-and-set, so all limits change together or not at all.
 *
 * <p>State layout follows the policy's {@link StateShape}: the limits in canonical order (by period, then capacity),
 * whatever order the spec wrote them in, so that re-ordering a spec keeps the state. A policy compiled to decide on
 * cells made for another policy of the same shape ({@link #compile(LimitPolicy, CompiledPolicy)}) adopts that
 * policy's layout: in particular whether a fast token bucket keeps an exact interval in two words
 * ({@link ExactGcraKernel}) or a rounded one in one word. A limit that warms up ({@link WarmGcraKernel}) keeps two
 * words and is never the single-word fast path; whether a limit warms up is part of the shape, so a layout is only
 * adopted by a policy whose limits warm up at the same positions.
 */
final class CompiledPolicy {

  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
  /** What {@link #admitted} returns for a rejection: no {@code tat} is ever this low. */
  private static final long REJECTED = Long.MIN_VALUE;

  final LimitPolicy policy;
  /** In the order of {@code policy.limits()}, which is the order decisions report. */
  final LimitKernel[] kernels;
  final int[] offsets;
  final int words;
  final boolean single;
  final long maxRefillNanos;
  /** Shared state of a fresh multi cell; never written (cells copy before charging). */
  private final long[] empty;
  /** Per canonical position: whether the token bucket there keeps an exact interval (two words). */
  private final boolean[] exact;
  /** Per canonical position: the size of a moving window's log (its layout's permits); 0 for other algorithms. */
  private final int[] logs;
  // copies of the single kernel's constants, read on the fast path
  private final long interval;
  private final long burst;
  private final long burstNanos;

  private CompiledPolicy(LimitPolicy policy, @Nullable CompiledPolicy layout) {
    this.policy = policy;
    List<Limit> limits = policy.limits();
    int n = limits.size();
    int[] rank = StateShape.canonicalRanks(limits); // rank[i]: canonical position of limit i
    this.exact = new boolean[n];
    for (int i = 0; i < n; i++) {
      exact[rank[i]] = layout != null ? layout.exact[rank[i]]
          : policy.algorithm() == Algorithm.TOKEN_BUCKET && GcraKernel.needsExactInterval(limits.get(i));
    }
    this.logs = new int[n];
    for (int i = 0; i < n; i++) {
      logs[rank[i]] = layout != null ? layout.logs[rank[i]]
          : logs(policy.algorithm()) ? MovingWindowKernel.capacityOf(limits.get(i)) : 0;
    }
    this.kernels = new LimitKernel[n];
    boolean warm = false;
    for (int i = 0; i < n; i++) {
      kernels[i] = kernel(policy.algorithm(), limits.get(i), exact[rank[i]], logs[rank[i]]);
      warm |= kernels[i] instanceof WarmGcraKernel;
    }
    // offsets by canonical position
    int[] byRank = new int[n];
    for (int i = 0; i < n; i++) {
      byRank[rank[i]] = i;
    }
    this.offsets = new int[n];
    int w = 0;
    long refill = 0;
    for (int r = 0; r < n; r++) {
      int i = byRank[r];
      offsets[i] = w;
      w += kernels[i].words();
      refill = Math.max(refill, kernels[i].maxRefillNanos());
    }
    this.words = w;
    this.maxRefillNanos = refill;
    this.single = layout != null ? layout.single
        : n == 1 && policy.algorithm() == Algorithm.TOKEN_BUCKET && !exact[0] && !warm;
    this.empty = new long[w];
    for (int i = 0; i < n; i++) {
      kernels[i].init(empty, offsets[i]);
    }
    Limit first = limits.get(0);
    this.interval = first.emissionIntervalNanos();
    this.burst = first.burst();
    this.burstNanos = first.burstPeriodNanos();
  }

  /** Compiles a policy that owns its cells: the layout is its own. */
  static CompiledPolicy compile(LimitPolicy policy) {
    return new CompiledPolicy(policy, null);
  }

  /**
   * Compiles {@code policy} to decide on cells laid out for {@code layout}; the caller has checked that both have
   * the same algorithm and number of limits (and periods, for windows).
   */
  static CompiledPolicy compile(LimitPolicy policy, CompiledPolicy layout) {
    return new CompiledPolicy(policy, layout);
  }

  private static LimitKernel kernel(Algorithm algorithm, Limit limit, boolean exact, int log) {
    switch (algorithm) {
      case TOKEN_BUCKET:
        // a limit that warms up is never exact: Limit refuses a warm-up faster than one permit per 10 µs
        return limit.hasWarmup() ? new WarmGcraKernel(limit) : exact ? new ExactGcraKernel(limit) : new GcraKernel(limit);
      case FIXED_WINDOW:
        return new FixedWindowKernel(limit);
      case SLIDING_WINDOW:
        return new SlidingWindowKernel(limit);
      case MOVING_WINDOW:
      case CONCURRENCY: // a lease is an entry of the log that counts for the lease's time
        return new MovingWindowKernel(limit, log);
      default:
        throw new IllegalArgumentException("unknown algorithm " + algorithm);
    }
  }

  /** Whether the algorithm keeps a log of timestamps (a moving window's permits, a concurrency limit's leases). */
  private static boolean logs(Algorithm algorithm) {
    return algorithm == Algorithm.MOVING_WINDOW || algorithm == Algorithm.CONCURRENCY;
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
      long newTat = admitted(tat, now, increment);
      if (newTat == REJECTED) {
        return 0;
      }
      if (cell.compareAndSet(tat, newTat)) {
        return 1;
      }
    }
  }

  /** The decision, or null if the cell is dead. */
  @Nullable Decision acquire(Cell.Single cell, long now, long permits) {
    for (;;) {
      long tat = cell.value;
      if (tat == Cell.DEAD) {
        return null;
      }
      long wait = GcraKernel.wait(tat, now, permits, interval, burst, burstNanos);
      if (wait > 0) {
        return rejected(tat, now, wait);
      }
      long newTat = GcraKernel.newTat(tat, now, permits, interval);
      if (cell.compareAndSet(tat, newTat)) {
        return allowed(newTat, now);
      }
    }
  }

  // ---- single token bucket in a word of a primitive array (the compact store) ---------------------------------

  /**
   * {@link #tryAcquire(Cell.Single, long, long)} on the state word {@code words[i]} of a {@link CompactTable} slot,
   * whose key words {@code words[i - 2], words[i - 1]} must be {@code high, low}: 1 admitted, 0 rejected, -1 the slot
   * holds no live state of this key (dropped, moved or reused: look the key up again). The state is read before the
   * key words are checked, so a state that passes the check was this key's (see {@link CompactTable}).
   */
  int tryAcquire(long[] words, int i, long high, long low, long now, long permits) {
    if (permits > burst) {
      return 0;
    }
    long increment = permits * interval;
    for (;;) {
      long tat = (long) WORDS.getVolatile(words, i);
      if (tat < CompactTable.FRESH || !CompactTable.holds(words, i, high, low)) {
        return -1;
      }
      long newTat = admitted(tat, now, increment);
      if (newTat == REJECTED) {
        return 0;
      }
      if (WORDS.compareAndSet(words, i, tat, newTat)) {
        return 1;
      }
    }
  }

  /** {@link #acquire(Cell.Single, long, long)} on a compact slot, as {@link #tryAcquire(long[], int, long, long,
   * long, long)}; null if the slot holds no live state of this key. */
  @Nullable Decision acquire(long[] words, int i, long high, long low, long now, long permits) {
    for (;;) {
      long tat = (long) WORDS.getVolatile(words, i);
      if (tat < CompactTable.FRESH || !CompactTable.holds(words, i, high, low)) {
        return null;
      }
      long wait = GcraKernel.wait(tat, now, permits, interval, burst, burstNanos);
      if (wait > 0) {
        return rejected(tat, now, wait);
      }
      long newTat = GcraKernel.newTat(tat, now, permits, interval);
      if (WORDS.compareAndSet(words, i, tat, newTat)) {
        return allowed(newTat, now);
      }
    }
  }

  /**
   * {@link #settle(Cell, long, long, long)} on a compact slot: 1 settled, -1 the slot holds no live state of this key
   * (look it up again). The state is read before the key words are checked, as in {@link #tryAcquire(long[], int,
   * long, long, long, long)}.
   */
  int settle(long[] words, int i, long high, long low, long now, long delta) {
    long d = Math.max(-MAX_SETTLE, Math.min(MAX_SETTLE, delta));
    for (;;) {
      long tat = (long) WORDS.getVolatile(words, i);
      if (tat < CompactTable.FRESH || !CompactTable.holds(words, i, high, low)) {
        return -1;
      }
      long next = GcraKernel.settled(tat, now, d, interval, burstNanos);
      if (next == tat || WORDS.compareAndSet(words, i, tat, next)) {
        return 1;
      }
    }
  }

  /** {@link #used(Cell, long)} of a single token bucket's {@code tat}. */
  double usedOf(long tat, long now) {
    return kernels[0].usedOf(tat, now);
  }

  /** The {@code tat} after admitting {@code increment} (permits times interval), or {@link #REJECTED}. */
  private long admitted(long tat, long now, long increment) {
    long newTat = TimeMath.saturatedAdd(tat > now ? tat : now, increment);
    return TimeMath.saturatedSubtract(newTat, now) > burstNanos ? REJECTED : newTat;
  }

  private Decision rejected(long tat, long now, long wait) {
    return Decision.rejected(policy, 0, GcraKernel.remaining(tat, now, interval, burstNanos), wait,
        GcraKernel.reset(tat, now, burstNanos), GcraKernel.refill(tat, now, interval, burstNanos));
  }

  private Decision allowed(long newTat, long now) {
    return Decision.allowed(policy, 0, GcraKernel.remaining(newTat, now, interval, burstNanos),
        GcraKernel.reset(newTat, now, burstNanos), GcraKernel.refill(newTat, now, interval, burstNanos));
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

  @Nullable Decision acquire(Cell.Multi cell, long now, long permits) {
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

  // ---- future slots (waiting for permits) ---------------------------------------------------------------------

  /**
   * Reserves {@code permits} in the earliest slot at most {@code maxWait} from {@code now}: the slot is
   * {@code now + w}, where {@code w} is the longest wait of any limit (read unclamped, so callers queue behind the slots
   * reserved before them), and every limit is charged as at the slot, so a limit that would admit earlier still counts
   * the permits when they are used. One compare-and-set; a cancellation restores the state it replaced if that state
   * is still the cell's (the reservation is the last one on the key). Token buckets only (the caller checks).
   *
   * @return the slot or the rejection, or null if the cell is dead (look the key up again)
   */
  @Nullable ScheduledPermits schedule(Cell cell, long now, long permits, long maxWait) {
    if (cell instanceof Cell.Single s) {
      for (;;) {
        long tat = s.value;
        if (tat == Cell.DEAD) {
          return null;
        }
        long wait = GcraKernel.slotWait(tat, now, permits, interval, burst, burstNanos);
        if (wait > maxWait || wait == Decision.NEVER) {
          return ScheduledPermits.immediate(rejected(tat, now, wait));
        }
        long next = GcraKernel.newTat(tat, TimeMath.saturatedAdd(now, wait), permits, interval);
        if (s.compareAndSet(tat, next)) {
          return ScheduledPermits.granted(allowed(next, now), wait, () -> s.compareAndSet(next, tat));
        }
      }
    }
    Cell.Multi m = (Cell.Multi) cell;
    for (;;) {
      long[] state = m.value;
      if (state == Cell.DEAD_STATE) {
        return null;
      }
      long wait = 0;
      int decidingLimit = 0;
      for (int i = 0; i < kernels.length; i++) {
        long w = kernels[i].slotWaitNanos(state, offsets[i], now, permits);
        if (w > wait) {
          wait = w;
          decidingLimit = i;
        }
      }
      if (wait > maxWait || wait == Decision.NEVER) {
        return ScheduledPermits.immediate(decision(state, now, false, decidingLimit, wait));
      }
      long[] next = charged(state, TimeMath.saturatedAdd(now, wait), permits);
      if (m.compareAndSet(state, next)) {
        return ScheduledPermits.granted(decision(next, now, true, -1, 0), wait, () -> m.compareAndSet(next, state));
      }
    }
  }

  /**
   * {@link #schedule(Cell, long, long, long)} on a compact slot, as {@link #acquire(long[], int, long, long, long,
   * long)}; null if the slot holds no live state of this key. {@code undo} is how the store restores the key's state
   * from the {@code tat} written to the one replaced, wherever its slot is by then.
   */
  @Nullable ScheduledPermits schedule(long[] words, int i, long high, long low, long now, long permits,
      long maxWait, Undo undo) {
    for (;;) {
      long tat = (long) WORDS.getVolatile(words, i);
      if (tat < CompactTable.FRESH || !CompactTable.holds(words, i, high, low)) {
        return null;
      }
      long wait = GcraKernel.slotWait(tat, now, permits, interval, burst, burstNanos);
      if (wait > maxWait || wait == Decision.NEVER) {
        return ScheduledPermits.immediate(rejected(tat, now, wait));
      }
      long next = GcraKernel.newTat(tat, TimeMath.saturatedAdd(now, wait), permits, interval);
      if (WORDS.compareAndSet(words, i, tat, next)) {
        return ScheduledPermits.granted(allowed(next, now), wait, () -> undo.restore(next, tat));
      }
    }
  }

  /** How a compact store gives a reserved slot back: restores {@code previous} if the key's state is {@code written}. */
  @FunctionalInterface
  interface Undo {
    boolean restore(long written, long previous);
  }

  /**
   * Restores a compact slot's state word from {@code written} to {@code previous} if the slot still holds this key
   * and that state (read before the key words are checked, as in {@link #acquire(long[], int, long, long, long,
   * long)}).
   */
  static boolean restore(long[] words, int i, long high, long low, long written, long previous) {
    long tat = (long) WORDS.getVolatile(words, i);
    return tat == written && CompactTable.holds(words, i, high, low) && WORDS.compareAndSet(words, i, written, previous);
  }

  // ---- settlement --------------------------------------------------------------------------------------------------

  /**
   * Settles a reservation charged at {@code at} by {@code delta} permits (positive: charge more, negative: refund) in
   * one compare-and-set; the arithmetic is the kernels' ({@link LimitKernel#settle}).
   *
   * @return false if the cell is dead (look the key up again)
   */
  boolean settle(Cell cell, long now, long at, long delta) {
    long d = Math.max(-MAX_SETTLE, Math.min(MAX_SETTLE, delta)); // beyond any capacity: the kernels clamp anyway
    if (cell instanceof Cell.Single s) {
      for (;;) {
        long tat = s.value;
        if (tat == Cell.DEAD) {
          return false;
        }
        long next = GcraKernel.settled(tat, now, d, interval, burstNanos);
        if (next == tat || s.compareAndSet(tat, next)) {
          return true;
        }
      }
    }
    Cell.Multi m = (Cell.Multi) cell;
    for (;;) {
      long[] state = m.value;
      if (state == Cell.DEAD_STATE) {
        return false;
      }
      long[] next = state.clone();
      for (int i = 0; i < kernels.length; i++) {
        kernels[i].settle(next, offsets[i], now, at, d);
      }
      if (m.compareAndSet(state, next)) {
        return true;
      }
    }
  }

  /** No capacity is larger (burst·T <= 2^62 ns, T >= 1 ns), and no kernel sum with it overflows. */
  private static final long MAX_SETTLE = 1L << 62;

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

  // ---- expiry and eviction -----------------------------------------------------------------------------------

  /**
   * How much of its limits the cell uses now, from 0 (full) to 1 (exhausted): the most used limit. -1 if dead.
   * Relative to the policy's own limits, so keys of policies with different rates rank fairly against each other.
   */
  double used(Cell cell, long now) {
    if (cell instanceof Cell.Single s) {
      long tat = s.value;
      return tat == Cell.DEAD ? -1 : kernels[0].usedOf(tat, now);
    }
    long[] state = ((Cell.Multi) cell).value;
    return state == Cell.DEAD_STATE ? -1 : used(state, now);
  }

  private double used(long[] state, long now) {
    double max = 0;
    for (int i = 0; i < kernels.length; i++) {
      max = Math.max(max, kernels[i].used(state, offsets[i], now));
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
   * Kills the cell if its state is idle (dropping it changes no decision), or, with {@code maxUsed >= 0}, if it uses
   * at most that share of its limits (a lossy eviction). Atomic with respect to concurrent decisions: a cell that was
   * charged meanwhile survives unless it still qualifies.
   *
   * @return whether this call killed the cell
   */
  boolean kill(Cell cell, long now, double maxUsed) {
    if (cell instanceof Cell.Single s) {
      long tat = s.value;
      if (tat == Cell.DEAD) {
        return false;
      }
      boolean expendable = tat <= now || (maxUsed >= 0 && kernels[0].usedOf(tat, now) <= maxUsed);
      return expendable && s.compareAndSet(tat, Cell.DEAD);
    }
    Cell.Multi m = (Cell.Multi) cell;
    long[] state = m.value;
    if (state == Cell.DEAD_STATE) {
      return false;
    }
    boolean expendable = idle(state, now) || (maxUsed >= 0 && used(state, now) <= maxUsed);
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
