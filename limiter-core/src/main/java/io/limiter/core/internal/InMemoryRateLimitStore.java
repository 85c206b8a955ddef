package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import io.limiter.core.ScheduledPermits;
import io.limiter.core.Ticker;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory store: per state shape (policy name, algorithm, periods; see {@link StateShape}) a
 * {@link ConcurrentHashMap} from key to a compact {@link Cell} (a single token bucket costs about 64 bytes per key: map
 * node, cell, table slot). Decisions do a map lookup and a CAS on the cell; no global lock.
 *
 * <p>Bounding: a shared counter of live cells is maintained on insert and removal. Every {@code max(1024, size/2)}
 * inserts a clean-up is scheduled on the executor that drops idle cells (full again, so dropping is lossless). Over
 * {@code maxKeys}, each insert evicts on the inserting thread with bounded work: in a compact table, lock-free in the
 * inserted key's own stripe ({@link CompactTable#evictNear}); elsewhere, or when no cold key was in reach there, with
 * the store-wide {@link EvictionHand}. Cold keys go first, an exhausted client stays. Decisions on existing keys never
 * take a lock.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

  public static final long DEFAULT_MAX_KEYS = 1_000_000;
  private static final long MIN_SWEEP_INTERVAL = 1024;

  private final long maxKeys;
  private final Ticker ticker;
  private final long origin;
  private final Executor executor;
  private final ConcurrentHashMap<LimitPolicy, LocalKeySpace> spaces = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<StateShape, Group> groups = new ConcurrentHashMap<>();
  /** Whether single-word groups keep 128-bit key hashes in a {@link CompactTable} instead of key strings. */
  private final boolean compact;
  private final @Nullable KeyHash keyHash;
  private final AtomicLong size = new AtomicLong();
  private final AtomicLong insertsSinceCleanUp = new AtomicLong();
  private final AtomicBoolean cleanUpScheduled = new AtomicBoolean();
  private final ReentrantLock sweepLock = new ReentrantLock();
  private final LongAdder evictedActive = new LongAdder();
  private final EvictionHand hand;

  /**
   * @param maxKeys the bound on tracked keys
   * @param ticker the clock
   * @param executor runs clean-up
   * @param compact whether single token buckets are kept as hashes in primitive arrays (no key strings)
   */
  public InMemoryRateLimitStore(long maxKeys, Ticker ticker, Executor executor, boolean compact) {
    this.maxKeys = maxKeys;
    this.compact = compact;
    this.keyHash = compact ? new KeyHash() : null;
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.origin = LocalKeySpace.origin(ticker);
    this.executor = Objects.requireNonNull(executor, "executor");
    this.hand = new EvictionHand(() -> groups.values().stream().map(Group::segment).toList(), size::get, maxKeys,
        evictedActive);
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    LocalKeySpace space = spaces.get(policy);
    return space != null ? space : spaces.computeIfAbsent(policy, this::newSpace);
  }

  private LocalKeySpace newSpace(LimitPolicy policy) {
    Group group = groups.computeIfAbsent(StateShape.of(policy), shape -> {
      CellGroup first = new CellGroup(policy);
      return compact && first.layout.single ? new CompactGroup(policy) : new MapGroup(policy);
    });
    return group instanceof CompactGroup c ? new CompactSpace(policy, c) : new Space(policy, (MapGroup) group);
  }

  @Override
  public long trackedKeys() {
    return size.get();
  }

  @Override
  public long evictedActiveKeys() {
    return evictedActive.sum();
  }

  /** Drops every idle cell; then, if the store is still over its bound, evicts down to it. */
  @Override
  public void cleanUp() {
    sweepLock.lock();
    try {
      insertsSinceCleanUp.set(0);
      long now = ticker.read() - origin;
      for (Group group : groups.values()) {
        group.sweep(now);
      }
    } finally {
      sweepLock.unlock();
    }
    // bounded: under a continuing flood the size stays above the bound, and the inserting threads evict themselves
    for (long excess = size.get() - maxKeys; excess > 0 && size.get() > maxKeys; excess -= EvictionHand.MAX_VICTIMS) {
      if (!hand.evict(ticker.read() - origin, true)) {
        return;
      }
    }
  }

  /** Amortized clean-up after an insert (the size was counted in {@code insert}). */
  private void onInsert() {
    long n = size.get();
    if (n > maxKeys) {
      hand.afterInsert(ticker.read() - origin);
    }
    countInsert(n);
  }

  /**
   * {@link #onInsert()} after an insert into a compact table: past the bound it evicts in the key's own stripe first
   * (lock-free), and moves the store-wide hand only if no key there could go.
   *
   * @param high the inserted key's high word
   * @param low the inserted key's low word (the key is passed over: it was just charged)
   * @param now the time the decision was made at
   */
  private void onInsert(CompactTable table, long high, long low, long now) {
    long n = size.get();
    if (n > maxKeys && !table.evictNear(high, low, now, n > hand.hardBound())) {
      hand.afterInsert(now);
    }
    countInsert(n);
  }

  private void countInsert(long n) {
    if (insertsSinceCleanUp.incrementAndGet() >= Math.max(MIN_SWEEP_INTERVAL, n / 2)) {
      scheduleCleanUp();
    }
  }

  private void scheduleCleanUp() {
    if (!cleanUpScheduled.compareAndSet(false, true)) {
      return;
    }
    Runnable task = () -> {
      try {
        cleanUp();
      } finally {
        cleanUpScheduled.set(false);
      }
    };
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  /** The store-wide eviction hand (for tests). */
  EvictionHand evictionHand() {
    return hand;
  }

  @Override
  public String toString() {
    return "InMemoryRateLimitStore{keys=" + size.get() + ", maxKeys=" + maxKeys + (compact ? ", compact" : "") + "}";
  }

  /** The state of one state shape. */
  private abstract static class Group extends CellGroup {
    Group(LimitPolicy first) {
      super(first);
    }

    /** @return what the eviction hand walks */
    abstract EvictionHand.Segment segment();

    /** Drops idle state. */
    abstract void sweep(long now);
  }

  /** Cells in a map by key string: multi-word layouts, and every group of the key-string store. */
  private final class MapGroup extends Group {
    final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();
    private final EvictionHand.Segment segment = EvictionHand.mapSegment(cells, key -> layout, this::discard);

    MapGroup(LimitPolicy first) {
      super(first);
    }

    @Override
    EvictionHand.Segment segment() {
      return segment;
    }

    void discard(String key, Cell dead) {
      if (cells.remove(key, dead)) {
        size.decrementAndGet();
      }
    }

    /** Kills and removes idle cells. */
    @Override
    void sweep(long now) {
      for (Map.Entry<String, Cell> entry : cells.entrySet()) {
        Cell cell = entry.getValue();
        if (layout.kill(cell, now, -1)) {
          discard(entry.getKey(), cell);
        }
      }
    }
  }

  /** Single-word states by key hash, in primitive arrays. */
  private final class CompactGroup extends Group {
    final CompactTable table = new CompactTable(layout, size, maxKeys, evictedActive);

    CompactGroup(LimitPolicy first) {
      super(first);
    }

    @Override
    EvictionHand.Segment segment() {
      return table;
    }

    @Override
    void sweep(long now) {
      table.sweep(now);
    }
  }

  /** The key space of one policy, on the cells of its group. */
  private final class Space extends LocalKeySpace {
    private final CompiledPolicy policy;
    private final MapGroup cellGroup;

    Space(LimitPolicy policy, MapGroup group) {
      super(policy, group, InMemoryRateLimitStore.this.ticker, origin);
      this.policy = base;
      this.cellGroup = group;
    }

    @Override
    @Nullable Cell lookup(String key) {
      return cellGroup.cells.get(key);
    }

    @Override
    Cell insert(String key, Cell created) {
      Cell raced = cellGroup.cells.putIfAbsent(key, created);
      if (raced != null) {
        return raced;
      }
      size.incrementAndGet();
      return created;
    }

    @Override
    void inserted() {
      onInsert();
    }

    @Override
    void discard(String key, Cell dead) {
      cellGroup.discard(key, dead);
    }

    @Override
    public KeyHandle handle(String key) {
      return new Handle(KeyNormalizer.requireStored(key));
    }

    /** Caches the cell, so a decision is one clock read and one CAS; re-resolves when the cell dies. */
    private final class Handle implements KeyHandle {
      private final String key;
      private @Nullable Cell cell; // racy but benign: any cell once mapped to the key is either live or DEAD

      Handle(String key) {
        this.key = key;
      }

      @Override
      public boolean tryAcquire(long permits) {
        checkPermits(permits);
        for (;;) {
          long now = now();
          Cell c = cell;
          Cell created = null;
          if (c == null) {
            c = lookup(key);
            if (c == null) {
              created = group.layout.newCell();
              c = insert(key, created);
            }
            cell = c;
          }
          int verdict = policy.single ? policy.tryAcquire((Cell.Single) c, now, permits)
              : policy.tryAcquire((Cell.Multi) c, now, permits);
          if (c == created) {
            inserted();
          }
          if (verdict >= 0) {
            return verdict == 1;
          }
          discard(key, c);
          cell = null;
        }
      }

      @Override
      public Decision acquire(long permits) {
        checkPermits(permits);
        for (;;) {
          long now = now();
          Cell c = cell;
          Cell created = null;
          if (c == null) {
            c = lookup(key);
            if (c == null) {
              created = group.layout.newCell();
              c = insert(key, created);
            }
            cell = c;
          }
          Decision decision = decide(policy, c, now, permits);
          if (c == created) {
            inserted();
          }
          if (decision != null) {
            return decision;
          }
          discard(key, c);
          cell = null;
        }
      }
    }
  }

  /**
   * The key space of one policy on a {@link CompactTable}: the key is hashed once per decision, the state word is
   * found lock-free and charged by compare-and-set; a key not found is checked and inserted under its stripe's lock.
   */
  private final class CompactSpace extends LocalKeySpace {
    private static final int TRY = 0;
    private static final int ACQUIRE = 1;
    private static final int SETTLE = 2;
    private static final int SCHEDULE = 3;
    private final CompactTable table;
    /** The store's key hash, which a compact store always has (shadows the nullable field for this space's code). */
    private final KeyHash keyHash = Objects.requireNonNull(InMemoryRateLimitStore.this.keyHash, "keyHash");

    CompactSpace(LimitPolicy policy, CompactGroup group) {
      super(policy, group, InMemoryRateLimitStore.this.ticker, origin);
      this.table = group.table;
    }

    @Override
    boolean tryAcquire(String key, long permits, CompiledPolicy policy) {
      checkPermits(permits);
      return decide(TRY, key, policy, permits, null, null, null) == 1;
    }

    @Override
    Decision acquire(String key, long permits, CompiledPolicy policy) {
      checkPermits(permits);
      Decision[] decision = new Decision[1];
      decide(ACQUIRE, key, policy, permits, decision, null, null);
      return decision[0];
    }

    @Override
    Reservation reserve(String key, long permits, CompiledPolicy policy) {
      checkPermits(permits);
      Decision[] decision = new Decision[1];
      long[] at = new long[1]; // the time the charge was decided at: the one clock reading of the reservation
      decide(ACQUIRE, key, policy, permits, decision, at, null);
      return reserveAt(key, permits, policy, at[0], decision[0]);
    }

    /** Reserves a future slot on the key's compact slot, in the one loop of {@link #decide}. */
    @Override
    ScheduledPermits schedule(String key, long permits, long maxWaitNanos, CompiledPolicy policy) {
      if (maxWaitNanos == 0) {
        return ScheduledPermits.immediate(acquire(key, permits, policy));
      }
      long maxWait = checkWait(policy.policy, maxWaitNanos);
      checkPermits(permits);
      Scheduling scheduling = new Scheduling(maxWait, key);
      decide(SCHEDULE, key, policy, permits, null, null, scheduling);
      return Objects.requireNonNull(scheduling.result, "result"); // a SCHEDULE decision always sets it
    }

    /** What a {@code SCHEDULE} decision needs besides the permits, and what it answers. */
    private final class Scheduling implements CompiledPolicy.Undo {
      final long maxWait;
      final String key;
      @Nullable ScheduledPermits result;

      Scheduling(long maxWait, String key) {
        this.maxWait = maxWait;
        this.key = key;
      }

      /** Gives the slot back on the key's slot, if it is still there and still holds what the reservation wrote. */
      @Override
      public boolean restore(long written, long previous) {
        long[] low = new long[1];
        long high = keyHash.hash(key, low);
        long[] slots = table.slots(high);
        int index = CompactTable.find(slots, high, low[0]);
        return index >= 0 && CompiledPolicy.restore(slots, index, high, low[0], written, previous);
      }
    }

    /**
     * Settles on the key's slot: a refund of a key dropped meanwhile is a no-op (its bucket was full again); an extra
     * charge adds the key if it is gone.
     */
    @Override
    void settle(Reservation reservation, long actual) {
      decide(SETTLE, reservation.key(), compiled(reservation.policy()), actual - reservation.permits(), null, null,
          null);
    }

    /**
     * The one loop of every decision by key string: hashes the key once, finds its slot lock-free or inserts it under
     * the stripe's lock, decides on the slot, and tries again where the slot was moved by a rehash (after waiting for
     * it) or dropped (through the lock). A refund ({@code SETTLE} with a negative {@code arg}) of a key without a
     * slot is a no-op: its bucket was full again. {@code op} is a constant at each call site, so the JIT folds the
     * branches; {@code TRY} allocates nothing.
     *
     * @param op {@link #TRY}, {@link #ACQUIRE}, {@link #SETTLE} or {@link #SCHEDULE}
     * @param arg the permits, or for {@code SETTLE} the permits to add (negative: refund)
     * @param decision receives the decision of {@code ACQUIRE}
     * @param at receives the time the decision was made at, if given
     * @param scheduling the wait and the answer of {@code SCHEDULE}, else null
     * @return {@code TRY}: 1 admitted, 0 rejected; {@code ACQUIRE}, {@code SCHEDULE}: 1; {@code SETTLE}: 1 settled, 0 nothing to
     *     refund
     */
    private int decide(int op, String key, CompiledPolicy policy, long arg, Decision @Nullable [] decision,
        long @Nullable [] at, @Nullable Scheduling scheduling) {
      long[] low = new long[1]; // scalar-replaced once inlined
      long high = keyHash.hash(key, low);
      boolean insert = false;
      for (;;) {
        long now = now();
        long[] slots = table.slots(high);
        int index = insert ? -1 : CompactTable.find(slots, high, low[0]);
        boolean[] added = null;
        if (index < 0) {
          if (op == SETTLE && arg < 0) {
            return 0;
          }
          KeyNormalizer.requireStored(key); // the only way into the store: a refused key never got a slot
          added = new boolean[1];
          CompactTable.Position position = table.insert(high, low[0], added);
          slots = position.slots();
          index = position.index();
        }
        int verdict = decideOn(op, policy, slots, index, high, low[0], now, arg, decision, scheduling);
        if (added != null && added[0]) {
          onInsert(table, high, low[0], now);
        }
        if (verdict >= 0) {
          if (at != null) {
            at[0] = now;
          }
          return verdict;
        }
        insert = retry(high, slots, index);
      }
    }

    /** One decision on a slot: the verdict of {@link #decide} for {@code op}, -1 if the slot holds no live state. */
    private static int decideOn(int op, CompiledPolicy policy, long[] slots, int index, long high, long low, long now,
        long arg, Decision @Nullable [] decision, @Nullable Scheduling scheduling) {
      if (op == TRY) {
        return policy.tryAcquire(slots, index, high, low, now, arg);
      }
      if (op == SETTLE) {
        return policy.settle(slots, index, high, low, now, arg);
      }
      if (op == SCHEDULE) {
        scheduling = Objects.requireNonNull(scheduling, "scheduling"); // SCHEDULE passes one
        ScheduledPermits slot = policy.schedule(slots, index, high, low, now, arg, scheduling.maxWait, scheduling);
        scheduling.result = slot;
        return slot == null ? -1 : 1;
      }
      Decision d = policy.acquire(slots, index, high, low, now, arg);
      Objects.requireNonNull(decision, "decision")[0] = d; // ACQUIRE passes one
      return d == null ? -1 : 1;
    }

    /**
     * After a decision met a state that is not live: waits out the rehash if the array was being rehashed.
     *
     * @return whether the next attempt must go through the lock: the key was dropped
     */
    private boolean retry(long high, long[] slots, int index) {
      if (CompactTable.isMoved(slots, index)) {
        table.awaitRehash(high, slots);
        return false;
      }
      return true;
    }

    @Override
    Cell lookup(String key) {
      throw new AssertionError("a compact key space has no cells"); // its decisions are overridden above
    }

    @Override
    Cell insert(String key, Cell created) {
      throw new AssertionError("a compact key space has no cells");
    }

    @Override
    void discard(String key, Cell dead) {
      throw new AssertionError("a compact key space has no cells");
    }

    @Override
    public KeyHandle handle(String key) {
      return new Handle(KeyNormalizer.requireStored(key));
    }

    /** Caches the key's hash and position, so a decision is one clock read and one CAS; re-resolves when it moved. */
    private final class Handle implements KeyHandle {
      private final String key;
      private final long high;
      private final long low;
      // racy but benign: a position once resolved holds this key's state, or a dead or moved one, or (if the key was
      // dropped and its slot reused) another key's, which the check of the key words in each decision catches
      private CompactTable.@Nullable Position position;

      Handle(String key) {
        this.key = key;
        long[] lo = new long[1];
        this.high = keyHash.hash(key, lo);
        this.low = lo[0];
      }

      /** The key's current position, inserting it if it has none or (with {@code insert}) if it was dropped. */
      private CompactTable.Position resolve(boolean insert, boolean[] added) {
        long[] slots = table.slots(high);
        int index = insert ? -1 : CompactTable.find(slots, high, low);
        CompactTable.Position p = index >= 0 ? new CompactTable.Position(slots, index) : table.insert(high, low, added);
        position = p;
        return p;
      }

      @Override
      public boolean tryAcquire(long permits) {
        checkPermits(permits);
        return decide(TRY, permits, null) == 1;
      }

      @Override
      public Decision acquire(long permits) {
        checkPermits(permits);
        Decision[] decision = new Decision[1];
        decide(ACQUIRE, permits, decision);
        return decision[0];
      }

      /** {@link CompactSpace#decide} on the cached position; re-resolves it when the slot moved or was dropped. */
      private int decide(int op, long permits, Decision @Nullable [] decision) {
        boolean insert = false;
        for (;;) {
          long now = now();
          boolean[] added = null;
          CompactTable.Position p = position;
          if (p == null) {
            added = new boolean[1];
            p = resolve(insert, added);
          }
          int verdict = decideOn(op, base, p.slots(), p.index(), high, low, now, permits, decision, null);
          if (added != null && added[0]) {
            onInsert(table, high, low, now);
          }
          if (verdict >= 0) {
            return verdict;
          }
          position = null;
          insert = retry(high, p.slots(), p.index());
        }
      }

      @Override
      public String toString() {
        return "KeyHandle{" + key + "}";
      }
    }
  }
}
