package io.limiter.core.internal;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Bounded, incremental eviction for the local stores: a clock hand that walks their maps, drops the idle cells it
 * passes (lossless) and evicts cells that use at most {@value #COLD} of their own policy's limits.
 *
 * <p>Why this resists a flood: a cold key of a flood has used one permit (a tenth of {@code 10/minute}, a hundredth of
 * {@code 100/day}); an exhausted client has used all. The hand evicts the first cold cell it meets and passes over the
 * others, so an exhausted client is never the victim, whatever the rates and names of the policies involved, and
 * wherever its key lands in the map's iteration order (hash order clusters similar keys, such as consecutive
 * addresses, so a contiguous sample of "the least used of 32" would be all hot clients at times). Only if the store
 * exceeds its bound by {@code max(64, bound/64)} without a cold cell in reach does it evict the least used of the
 * last {@value #SAMPLE} cells it looked at, so that memory stays bounded when every client is busy.
 *
 * <p>Why it never stalls: a call looks at no more than {@value #MAX_LOOKED} cells; only inserting threads of a store
 * over its bound call it, and they skip it while another thread holds the hand (unless the store is past its slack);
 * a decision on an existing key never takes its lock.
 *
 * <p>Thread-safe: the hand is guarded by a lock; cells are killed by compare-and-set (see {@link Cell}), so a cell
 * charged meanwhile is only evicted if it still qualifies.
 */
final class EvictionHand {

  /** The share of its limits a cell may use and still be evicted before any other. */
  static final double COLD = 0.5;
  /** Cells whose least used one is the victim when no cold cell is in reach. */
  static final int SAMPLE = 32;
  /** Most cells looked at per call. */
  static final int MAX_LOOKED = 256;
  /** Most victims per call: more than one, so that the bound is restored after a burst of concurrent inserts. */
  static final int MAX_VICTIMS = 4;

  /** A part of a store the hand walks: a map of cells, or a table of state words. */
  interface Segment {
    /** @return a weakly consistent iterator over the segment's keys */
    Iterator<? extends Slot> slots();
  }

  /** One key's state under the hand. */
  interface Slot {
    /** Drops the key if its state is idle (dropping it changes no decision); returns whether this call did. */
    boolean dropIfIdle(long now);

    /** @return how much of its limits the key uses now (see {@link CompiledPolicy#used}), -1 if it is gone */
    double used(long now);

    /** Drops the key if it uses at most {@code maxUsed} of its limits (atomically); returns whether this call did. */
    boolean evict(long now, double maxUsed);
  }

  /**
   * A segment over a map from keys to cells.
   *
   * @param map the cells
   * @param layout the policy whose layout a key's cell has
   * @param remove removes a key from the map if it still maps to the (killed) cell
   */
  static <K> Segment mapSegment(Map<K, Cell> map, Function<K, CompiledPolicy> layout, BiConsumer<K, Cell> remove) {
    return () -> {
      Iterator<Map.Entry<K, Cell>> entries = map.entrySet().iterator();
      return new Iterator<Slot>() {
        @Override
        public boolean hasNext() {
          return entries.hasNext();
        }

        @Override
        public Slot next() {
          Map.Entry<K, Cell> entry = entries.next();
          K key = entry.getKey();
          Cell cell = entry.getValue();
          CompiledPolicy policy = layout.apply(key);
          return new Slot() {
            @Override
            public boolean dropIfIdle(long now) {
              return dropIf(policy.kill(cell, now, -1));
            }

            @Override
            public double used(long now) {
              return policy.used(cell, now);
            }

            private boolean dropIf(boolean killed) {
              if (killed) {
                remove.accept(key, cell);
              }
              return killed;
            }

            @Override
            public boolean evict(long now, double maxUsed) {
              return dropIf(policy.kill(cell, now, maxUsed));
            }
          };
        }
      };
    };
  }

  private final Supplier<List<? extends Segment>> segments;
  private final LongSupplier size;
  private final long bound;
  private final long hardBound;
  private final LongAdder evictedActive;
  private final ReentrantLock lock = new ReentrantLock();
  // the hand, guarded by lock
  private List<? extends Segment> snapshot = List.of();
  private int index;
  private @Nullable Iterator<? extends Slot> hand;

  EvictionHand(Supplier<List<? extends Segment>> segments, LongSupplier size, long bound, LongAdder evictedActive) {
    this.segments = segments;
    this.size = size;
    this.bound = bound;
    this.hardBound = bound + Math.max(64, bound / 64);
    this.evictedActive = evictedActive;
  }

  /** The size past which an insert evicts even a key that is not cold, if no cold one is in reach. */
  long hardBound() {
    return hardBound;
  }

  /** The lock a thread holds while it moves the hand (a test holds it to stand for a descheduled holder). */
  ReentrantLock lock() {
    return lock;
  }

  /**
   * Called after an insert into a store over its bound: moves the hand unless another thread does so already and the
   * store is still within its slack.
   *
   * @param now the store's time
   */
  void afterInsert(long now) {
    if (size.getAsLong() > hardBound) {
      lock.lock();
    } else if (!lock.tryLock()) {
      return;
    }
    try {
      evictLocked(now, size.getAsLong() > hardBound);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves the hand until the store is at its bound, {@link #MAX_VICTIMS} cells were evicted or
   * {@link #MAX_LOOKED} were looked at; with {@code force}, evicts the least used cell in sight if no cold one was.
   *
   * @param now the store's time
   * @param force whether to evict a cell that is not cold when there is no cold one in reach
   * @return whether any cell was removed
   */
  boolean evict(long now, boolean force) {
    lock.lock();
    try {
      return evictLocked(now, force);
    } finally {
      lock.unlock();
    }
  }

  private boolean evictLocked(long now, boolean force) {
    boolean removed = false;
    int victims = 0;
    Slot fallback = null;
    double fallbackUsed = Double.MAX_VALUE;
    int sinceFallback = 0;
    for (int looked = 0; looked < MAX_LOOKED && victims < MAX_VICTIMS && size.getAsLong() > bound; looked++) {
      Slot slot = next();
      if (slot == null) {
        break;
      }
      if (slot.dropIfIdle(now)) { // idle: dropping it changes no decision
        removed = true;
        continue;
      }
      double used = slot.used(now);
      if (used < 0) {
        continue; // gone meanwhile
      }
      if (used <= COLD) {
        if (slot.evict(now, COLD)) {
          evictedActive.increment();
          removed = true;
          victims++;
        }
        continue;
      }
      if (used < fallbackUsed || ++sinceFallback > SAMPLE) { // the least used among the recent cells
        fallbackUsed = used;
        fallback = slot;
        sinceFallback = 0;
      }
    }
    if (!removed && force && fallback != null && fallback.evict(now, fallbackUsed)) {
      evictedActive.increment();
      removed = true;
    }
    return removed;
  }

  /** The next slot under the hand, wrapping around all segments; null if they are all empty. */
  private @Nullable Slot next() {
    for (int tries = 0; tries <= snapshot.size() + 1; tries++) {
      if (hand != null && hand.hasNext()) {
        return hand.next();
      }
      if (index + 1 >= snapshot.size()) {
        snapshot = segments.get();
        index = 0;
        if (snapshot.isEmpty()) {
          return null;
        }
      } else {
        index++;
      }
      hand = snapshot.get(index).slots();
    }
    return null;
  }
}
