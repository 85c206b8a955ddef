package io.limiter.core.internal;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Bounded, incremental eviction for the local stores: a clock hand that walks their maps, drops the idle cells it
 * passes (lossless) and, per victim, evicts the cell that uses the smallest share of its own policy's limits among
 * {@value #SAMPLE} it looked at.
 *
 * <p>Why this resists a flood: a cold key of a flood has used one permit (a tenth of {@code 10/minute}, a hundredth of
 * {@code 100/day}); an exhausted client has used all. A sample of {@value #SAMPLE} cells taken while the store is
 * full of cold keys contains a cold key with near certainty, so the exhausted client is never the victim, whatever
 * the rates and names of the policies involved. Why it never stalls: a call looks at no more than
 * {@value #MAX_VICTIMS} × {@value #SAMPLE} cells; only inserting threads of a store over its bound call it, and a
 * decision on an existing key never takes its lock.
 *
 * <p>Thread-safe: the hand is guarded by a lock; cells are killed by compare-and-set (see {@link Cell}), so a cell
 * charged meanwhile is only evicted if it still qualifies.
 */
final class EvictionHand {

  /** Cells looked at per victim. */
  static final int SAMPLE = 32;
  /** Most victims per call: more than one, so that the bound is restored after a burst of concurrent inserts. */
  static final int MAX_VICTIMS = 4;

  /** A map of cells the hand walks. */
  interface Segment<K> {
    /** @return a weakly consistent iterator over the segment's cells */
    Iterator<Map.Entry<K, Cell>> entries();

    /** @return the policy whose layout the key's cell has */
    CompiledPolicy layout(K key);

    /** Removes the key if it still maps to the (dead) cell. */
    void remove(K key, Cell dead);
  }

  private final Supplier<List<? extends Segment<?>>> segments;
  private final LongSupplier size;
  private final long bound;
  private final LongAdder evictedActive;
  private final ReentrantLock lock = new ReentrantLock();
  // the hand, guarded by lock
  private List<? extends Segment<?>> snapshot = List.of();
  private int index;
  private Iterator<? extends Map.Entry<?, Cell>> hand;

  EvictionHand(Supplier<List<? extends Segment<?>>> segments, LongSupplier size, long bound, LongAdder evictedActive) {
    this.segments = segments;
    this.size = size;
    this.bound = bound;
    this.evictedActive = evictedActive;
  }

  /**
   * Moves the hand until the store is at its bound or {@link #MAX_VICTIMS} cells were evicted.
   *
   * @param now the store's time
   * @return whether any cell was removed
   */
  boolean evict(long now) {
    lock.lock();
    try {
      boolean removed = false;
      for (int victim = 0; victim < MAX_VICTIMS && size.getAsLong() > bound; victim++) {
        Segment<Object> bestSegment = null;
        Object bestKey = null;
        Cell best = null;
        double bestUsed = Double.MAX_VALUE;
        for (int looked = 0; looked < SAMPLE; looked++) {
          Map.Entry<?, Cell> entry = next();
          if (entry == null) {
            break;
          }
          Segment<Object> segment = current();
          Object key = entry.getKey();
          Cell cell = entry.getValue();
          CompiledPolicy layout = segment.layout(key);
          if (layout.kill(cell, now, -1)) { // idle: dropping it changes no decision
            segment.remove(key, cell);
            removed = true;
            if (size.getAsLong() <= bound) {
              return true;
            }
            continue;
          }
          double used = layout.used(cell, now);
          if (used >= 0 && used < bestUsed) {
            bestUsed = used;
            bestSegment = segment;
            bestKey = key;
            best = cell;
          }
        }
        if (best == null) {
          break;
        }
        if (bestSegment.layout(bestKey).kill(best, now, bestUsed)) {
          evictedActive.increment();
          bestSegment.remove(bestKey, best);
          removed = true;
        }
      }
      return removed;
    } finally {
      lock.unlock();
    }
  }

  @SuppressWarnings("unchecked")
  private Segment<Object> current() {
    return (Segment<Object>) snapshot.get(index);
  }

  /** The next entry under the hand, wrapping around all segments; null if they are all empty. */
  private Map.Entry<?, Cell> next() {
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
      hand = snapshot.get(index).entries();
    }
    return null;
  }
}
