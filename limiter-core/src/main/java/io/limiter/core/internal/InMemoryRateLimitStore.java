package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.util.Arrays;
import java.util.Iterator;
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
 * The in-memory store: per policy a {@link ConcurrentHashMap} from key to a compact {@link Cell} (a single token
 * bucket costs about 64 bytes per key: map node, cell, table slot). Decisions do a map lookup and a CAS on the cell;
 * no global lock.
 *
 * <p>Bounding: a shared counter of live cells is maintained on insert and removal. Every {@code max(1024, size/2)}
 * inserts a clean-up is scheduled on the executor that drops idle cells (full again, so dropping is lossless). Over
 * {@code maxKeys}, clean-up also evicts the non-idle cells closest to full until the store is 1/8 below the bound; if
 * inserts outrun the background clean-up and the store reaches 9/8 of the bound, the inserting thread cleans up itself.
 * Clean-up is serialized by a lock that decisions never take.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

  public static final long DEFAULT_MAX_KEYS = 1_000_000;
  private static final long MIN_SWEEP_INTERVAL = 1024;

  private final long maxKeys;
  private final long evictionTarget;
  private final long hardLimit;
  private final Ticker ticker;
  private final long origin;
  private final Executor executor;
  private final ConcurrentHashMap<LimitPolicy, Space> spaces = new ConcurrentHashMap<>();
  private final AtomicLong size = new AtomicLong();
  private final AtomicLong insertsSinceCleanUp = new AtomicLong();
  private final AtomicBoolean cleanUpScheduled = new AtomicBoolean();
  private final ReentrantLock cleanUpLock = new ReentrantLock();
  private final LongAdder evictedActive = new LongAdder();

  public InMemoryRateLimitStore(long maxKeys, Ticker ticker, Executor executor) {
    this.maxKeys = maxKeys;
    this.evictionTarget = maxKeys - maxKeys / 8;
    this.hardLimit = maxKeys + Math.max(64, maxKeys / 8);
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.origin = LocalKeySpace.origin(ticker);
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Space space = spaces.get(policy);
    return space != null ? space : spaces.computeIfAbsent(policy, Space::new);
  }

  @Override
  public long trackedKeys() {
    return size.get();
  }

  @Override
  public long evictedActiveKeys() {
    return evictedActive.sum();
  }

  @Override
  public void cleanUp() {
    cleanUpLock.lock();
    try {
      cleanUpLocked();
    } finally {
      cleanUpLock.unlock();
    }
  }

  private void cleanUpLocked() {
    insertsSinceCleanUp.set(0);
    long now = ticker.read() - origin;
    for (Space space : spaces.values()) {
      space.sweep(now, -1);
    }
    if (size.get() > maxKeys) {
      evict(now);
    }
  }

  /** Evicts the non-idle cells closest to full until the store is at the eviction target. */
  private void evict(long now) {
    long excess = size.get() - evictionTarget;
    if (excess <= 0) {
      return;
    }
    long[] resets = new long[(int) Math.min(Integer.MAX_VALUE - 8, size.get() + 1024)];
    int n = 0;
    outer:
    for (Space space : spaces.values()) {
      for (Cell cell : space.cells.values()) {
        if (n == resets.length) {
          break outer;
        }
        long reset = space.policy.resetNanos(cell, now);
        if (reset >= 0) {
          resets[n++] = reset;
        }
      }
    }
    Arrays.sort(resets, 0, n);
    long threshold = n == 0 ? Long.MAX_VALUE : resets[(int) Math.min(n - 1, Math.max(0, excess - 1))];
    for (Space space : spaces.values()) {
      if (size.get() <= evictionTarget) {
        return;
      }
      space.sweep(now, threshold);
    }
    // Cells charged during the pass can keep us above the target: evict whatever remains, closest first no longer
    // matters at this point.
    for (Space space : spaces.values()) {
      if (size.get() <= evictionTarget) {
        return;
      }
      space.sweep(now, Long.MAX_VALUE);
    }
  }

  /** Amortized clean-up after an insert (the size was counted in {@code insert}). */
  private void onInsert() {
    long n = size.get();
    if (n > hardLimit) {
      cleanUp();
    } else if (n > maxKeys || insertsSinceCleanUp.incrementAndGet() >= Math.max(MIN_SWEEP_INTERVAL, n / 2)) {
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

  /** The key space of one policy. */
  private final class Space extends LocalKeySpace {
    private final CompiledPolicy policy;
    final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();

    Space(LimitPolicy policy) {
      super(policy, InMemoryRateLimitStore.this.ticker, origin);
      this.policy = base;
    }

    @Override
    Cell lookup(String key) {
      return cells.get(key);
    }

    @Override
    Cell insert(String key, Cell created) {
      Cell raced = cells.putIfAbsent(key, created);
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
      if (cells.remove(key, dead)) {
        size.decrementAndGet();
      }
    }

    /** Kills and removes idle cells, and with {@code maxReset >= 0} also cells full within that time. */
    void sweep(long now, long maxReset) {
      Iterator<Map.Entry<String, Cell>> it = cells.entrySet().iterator();
      while (it.hasNext()) {
        if (maxReset >= 0 && size.get() <= evictionTarget) {
          return;
        }
        Map.Entry<String, Cell> entry = it.next();
        Cell cell = entry.getValue();
        boolean idle = policy.kill(cell, now, -1);
        boolean killed = idle || (maxReset >= 0 && policy.kill(cell, now, maxReset));
        if (killed) {
          if (!idle) {
            evictedActive.increment();
          }
          discard(entry.getKey(), cell);
        }
      }
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
              created = policy.newCell();
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
              created = policy.newCell();
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
