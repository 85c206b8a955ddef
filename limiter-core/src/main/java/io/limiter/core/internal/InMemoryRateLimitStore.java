package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory store: per state shape (policy name, algorithm, periods; see {@link StateShape}) a
 * {@link ConcurrentHashMap} from key to a compact {@link Cell} (a single token bucket costs about 64 bytes per key: map
 * node, cell, table slot). Decisions do a map lookup and a CAS on the cell; no global lock.
 *
 * <p>Bounding: a shared counter of live cells is maintained on insert and removal. Every {@code max(1024, size/2)}
 * inserts a clean-up is scheduled on the executor that drops idle cells (full again, so dropping is lossless). Over
 * {@code maxKeys}, each insert evicts on the inserting thread with bounded work ({@link EvictionHand}): cold keys go
 * first, an exhausted client stays. Decisions on existing keys never take a lock.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

  public static final long DEFAULT_MAX_KEYS = 1_000_000;
  private static final long MIN_SWEEP_INTERVAL = 1024;

  private final long maxKeys;
  private final Ticker ticker;
  private final long origin;
  private final Executor executor;
  private final ConcurrentHashMap<LimitPolicy, Space> spaces = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<StateShape, Group> groups = new ConcurrentHashMap<>();
  private final AtomicLong size = new AtomicLong();
  private final AtomicLong insertsSinceCleanUp = new AtomicLong();
  private final AtomicBoolean cleanUpScheduled = new AtomicBoolean();
  private final ReentrantLock sweepLock = new ReentrantLock();
  private final LongAdder evictedActive = new LongAdder();
  private final EvictionHand hand;

  public InMemoryRateLimitStore(long maxKeys, Ticker ticker, Executor executor) {
    this.maxKeys = maxKeys;
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.origin = LocalKeySpace.origin(ticker);
    this.executor = Objects.requireNonNull(executor, "executor");
    this.hand = new EvictionHand(() -> List.copyOf(groups.values()), size::get, maxKeys, evictedActive);
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Space space = spaces.get(policy);
    return space != null ? space : spaces.computeIfAbsent(policy, this::newSpace);
  }

  private Space newSpace(LimitPolicy policy) {
    Group group = groups.computeIfAbsent(StateShape.of(policy), shape -> new Group(policy));
    return new Space(policy, group);
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

  @Override
  public String toString() {
    return "InMemoryRateLimitStore{keys=" + size.get() + ", maxKeys=" + maxKeys + "}";
  }

  /** The cells of one state shape. */
  private final class Group extends CellGroup implements EvictionHand.Segment<String> {
    final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();

    Group(LimitPolicy first) {
      super(first);
    }

    @Override
    public Iterator<Map.Entry<String, Cell>> entries() {
      return cells.entrySet().iterator();
    }

    @Override
    public CompiledPolicy layout(String key) {
      return layout;
    }

    @Override
    public void remove(String key, Cell dead) {
      discard(key, dead);
    }

    void discard(String key, Cell dead) {
      if (cells.remove(key, dead)) {
        size.decrementAndGet();
      }
    }

    /** Kills and removes idle cells. */
    void sweep(long now) {
      for (Map.Entry<String, Cell> entry : cells.entrySet()) {
        Cell cell = entry.getValue();
        if (layout.kill(cell, now, -1)) {
          discard(entry.getKey(), cell);
        }
      }
    }
  }

  /** The key space of one policy, on the cells of its group. */
  private final class Space extends LocalKeySpace {
    private final CompiledPolicy policy;
    private final Group cellGroup;

    Space(LimitPolicy policy, Group group) {
      super(policy, group, InMemoryRateLimitStore.this.ticker, origin);
      this.policy = base;
      this.cellGroup = group;
    }

    @Override
    Cell lookup(String key) {
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
      private Cell cell; // racy but benign: any cell once mapped to the key is either live or DEAD

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
}
