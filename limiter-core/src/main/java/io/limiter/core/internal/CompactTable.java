package io.limiter.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The keys and states of one cell group whose state is a single word (a single token bucket, the common case), for
 * the compact in-memory store: no object per key. A key is its 128-bit {@link KeyHash}; a slot is three
 * {@code long}s in one array, {@code [hash high, hash low, tat]}, so a decision on an existing key touches one cache
 * line of the table (a map of cells touches a table slot, a node and a cell). The table is split in stripes by the
 * hash (one per {@value #KEYS_PER_STRIPE} to twice as many keys of the store's bound, see {@link #stripesFor}), each an
 * open-addressing array with linear probing, grown and shrunk by rehashing to a load between {@value #MIN_LOAD} and
 * {@value #MAX_LOAD}: 24 bytes a slot make 32 to 44 bytes a key.
 *
 * <p>Why an insert never waits long, even past the bound under a flood of new keys on fewer cores than threads: the
 * stripe's lock is held only to write a slot's key words or to rehash the stripe, both short because a stripe is
 * small; a thread that finds the lock held spins briefly before it parks (a parked thread waits for a time slice on a
 * busy machine); and eviction runs after the lock is released, lock-free, on at most {@value #NEAR_LOOKED} slots of
 * the same stripe ({@link #evictNear}). A thread descheduled while holding a stripe's lock delays only the inserts into
 * that one stripe of thousands.
 *
 * <p>Why it is correct without a lock on decisions:
 * <ul>
 *   <li>A decision finds its slot without locking (an empty slot ends the probe) and updates the state word by
 *       compare-and-set, through the same {@link CompiledPolicy} as a {@link Cell.Single}. The key words of a slot
 *       are written before its high word is published with release semantics, so a reader that sees the high word
 *       sees the rest.
 *   <li>Only threads holding the stripe's lock create a stripe's arrays, add keys, revive slots and rehash. A stripe
 *       object is created on the first insert into it and published by compare-and-set. A key not found lock-free
 *       is looked up again under the lock before it is inserted, so a key never gets two slots.
 *   <li>A slot is dropped by a compare-and-set of its state to {@link #DEAD} or {@link #DROPPED}, conditional on the
 *       state judged cold (eviction) or idle (lossless expiry), exactly as a cell is; a decision that meets either
 *       inserts again under the lock, which revives the key's own slot with a fresh state.
 *   <li>A slot's key never changes while its array is published: a dropped slot is revived by its own key only, and
 *       purged by the next rehash. So a thread that read a state of its key and compare-and-sets it later (however
 *       late, whatever the clock did meanwhile) either changes that key's state or fails: it cannot charge another
 *       key whose state happens to be the same number (a stale reader of a reused slot could, when a clock running
 *       backwards made two keys' timestamps equal to the nanosecond). A revival's fresh state differs from every
 *       state the slot held before, so a stale compare-and-set that still succeeds after a drop and revival found the
 *       key's own state charged back to the same number, and decides on it as a decision at its own clock reading.
 *   <li>Rehashing freezes each state word with {@code getAndSet(MOVED)} before copying it, so a concurrent
 *       compare-and-set either landed before the freeze (and is copied) or fails; a decision that meets
 *       {@link #MOVED} waits for the new array (by taking the stripe's lock: a bounded spin, then parking, so that a
 *       waiter never takes the core a descheduled rehashing thread needs for long) and retries on it. No charge is
 *       lost. A dropped slot is not frozen: its state changes only by a revival, which needs the lock the rehash
 *       holds, so it is simply left behind; a decision that meets it goes through the lock and finds the new array.
 *   <li>Eviction ({@link #evictNear}, and the store-wide {@link EvictionHand}) drops slots by compare-and-set only,
 *       like the clean-up, so it needs no lock.
 * </ul>
 *
 * <p>Thread-safe.
 */
final class CompactTable implements EvictionHand.Segment {

  /** State of an evicted key (dropped before its state was idle): revived by that key only, or purged by a rehash. */
  static final long DEAD = Long.MIN_VALUE;
  /** State of a slot copied to a new array by a rehash. */
  static final long MOVED = Long.MIN_VALUE + 1;
  /** State of a key dropped because it was idle: revived by that key only, or purged by a rehash. */
  static final long DROPPED = Long.MIN_VALUE + 2;
  /**
   * The least state of a new key: a full bucket, as any {@code tat} not after now. Each new or revived key of a stripe
   * gets a fresh state of its own, {@code FRESH + n} for the stripe's n-th insert; live states are at least this.
   */
  static final long FRESH = Long.MIN_VALUE + 3;
  private static final long FRESH_SPAN = 1L << 60;

  /**
   * Keys of the store's bound per stripe: a rehash copies one stripe under its lock, and a thread descheduled while it
   * holds a stripe's lock (a time slice, milliseconds on a busy machine) stalls the inserts into that stripe, so small
   * stripes make both pauses short and rare to meet (at 256 stripes, about 4,000 keys each at 1M keys, one insert in a
   * few hundred met one under a 16-thread flood on 2 cores). A stripe costs about 100 bytes (its lock, its array's
   * header): under one byte per key at this size.
   */
  static final int KEYS_PER_STRIPE = 128;
  static final int MIN_STRIPES = 256;
  static final int MAX_STRIPES = 1 << 16;
  /** Slots of its stripe that an insert past the bound looks at for a key to drop ({@link #evictNear}). */
  static final int NEAR_LOOKED = 64;
  /** Most keys an insert past the bound evicts in its stripe: more than one, so the bound is restored after a burst. */
  static final int NEAR_VICTIMS = 2;
  /** How long a thread spins on a held stripe lock before it parks (a rehash of a stripe takes a few microseconds). */
  static final long SPIN_NANOS = 20_000;
  static final double MAX_LOAD = 0.75;
  static final double MIN_LOAD = 0.55;
  private static final int MIN_CAPACITY = 8;
  private static final long[] NONE = new long[0];
  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(Stripe[].class);
  private static final VarHandle ARRAYS = MethodHandles.arrayElementVarHandle(long[][].class);

  private final Stripe[] stripes; // created on first use, so an idle policy costs a reference per stripe
  /**
   * Each stripe's current array, published with release semantics: a decision reads it with one load from this
   * array of references (which stays in cache), not through the stripe object (thousands of them would not).
   */
  private final long[][] arrays;
  private final CompiledPolicy layout;
  private final AtomicLong size;
  private final long bound;
  private final LongAdder evictedActive;

  /**
   * @param layout the policy whose layout the states have (single token bucket)
   * @param size the store's count of live keys, kept up to date by this table
   * @param bound the store's bound on live keys: past it, an insert evicts ({@link #evictNear})
   * @param evictedActive counts the keys evicted before they were idle
   */
  CompactTable(CompiledPolicy layout, AtomicLong size, long bound, LongAdder evictedActive) {
    this.layout = layout;
    this.size = size;
    this.bound = bound;
    this.evictedActive = evictedActive;
    this.stripes = new Stripe[stripesFor(bound)];
    this.arrays = new long[stripes.length][];
    Arrays.fill(arrays, NONE);
  }

  /**
   * The number of stripes for a bound: the largest power of two not above {@code bound / KEYS_PER_STRIPE} (so a full
   * store has {@value #KEYS_PER_STRIPE} to twice as many keys a stripe), within {@value #MIN_STRIPES} and
   * {@value #MAX_STRIPES}.
   */
  static int stripesFor(long bound) {
    long wanted = Math.max(MIN_STRIPES, Math.min(MAX_STRIPES, bound / KEYS_PER_STRIPE));
    return Integer.highestOneBit((int) wanted);
  }

  /** Where a key's state word is: an array and an index in it. Immutable, so handles can cache it in one field. */
  record Position(long[] slots, int index) {
  }

  /** One stripe: the lock guards every change of its array, of the key words and of {@link #used}. */
  private static final class Stripe extends ReentrantLock {
    /** Slots that hold a key, live or dead. */
    int used;
    /** Fresh states handed out: each new key's state differs from every earlier one (see the class comment). */
    long inserts;

    long fresh() {
      return FRESH + (inserts++ & (FRESH_SPAN - 1));
    }
  }

  private int stripeIndex(long high) {
    return (int) high & (stripes.length - 1);
  }

  /** The stripe at {@code s}, created if it was not yet. */
  private Stripe stripeToInsert(int s) {
    Stripe stripe = (Stripe) STRIPE.getAcquire(stripes, s);
    if (stripe != null) {
      return stripe;
    }
    Stripe created = new Stripe();
    Stripe raced = (Stripe) STRIPE.compareAndExchangeRelease(stripes, s, (Stripe) null, created);
    return raced != null ? raced : created;
  }

  /**
   * Takes the stripe's lock, spinning first: its holder usually lets go within microseconds, while a parked thread on
   * a machine with more busy threads than cores waits for a time slice (milliseconds) after it is woken.
   */
  private static void lock(Stripe stripe) {
    long deadline = 0;
    for (int spins = 0; !stripe.tryLock(); spins++) {
      if ((spins & 63) == 63) {
        long t = System.nanoTime();
        if (deadline == 0) {
          deadline = t + SPIN_NANOS;
        } else if (t - deadline > 0) {
          stripe.lock();
          return;
        }
      }
      Thread.onSpinWait();
    }
  }

  /** The slot a probe for {@code high} starts at (the top 32 bits, independent of the stripe bits). */
  private static int home(long high, int capacity) {
    return (int) (((high >>> 32) * capacity) >>> 32);
  }

  /** Lock-free: the index of the key's state word in {@code slots}, or -1 if it has no slot there. */
  static int find(long[] slots, long high, long low) {
    int capacity = slots.length / 3;
    int i = home(high, capacity);
    for (int probes = 0; probes < capacity; probes++) {
      int b = i * 3;
      long h = (long) WORDS.getAcquire(slots, b);
      if (h == 0) {
        return -1;
      }
      if (h == high && slots[b + 1] == low) {
        return b + 2;
      }
      if (++i == capacity) {
        i = 0;
      }
    }
    return -1;
  }

  /** Whether the state word at {@code index} was frozen by a rehash. */
  static boolean isMoved(long[] slots, int index) {
    return (long) WORDS.getVolatile(slots, index) == MOVED;
  }

  /** Whether the slot of the state word at {@code index} holds the key. */
  static boolean holds(long[] slots, int index, long high, long low) {
    return (long) WORDS.getAcquire(slots, index - 2) == high && slots[index - 1] == low;
  }

  /** The array a key's stripe has now. */
  long[] slots(long high) {
    return (long[]) ARRAYS.getAcquire(arrays, stripeIndex(high));
  }

  /**
   * Waits until the stripe no longer publishes {@code slots} (a decision met {@link #MOVED} in it): a rehash holds
   * the lock and publishes the new array before it lets go, so taking the lock once is enough.
   */
  void awaitRehash(long high, long[] slots) {
    int s = stripeIndex(high);
    Stripe stripe = (Stripe) STRIPE.getAcquire(stripes, s);
    if (stripe != null && ARRAYS.getAcquire(arrays, s) == slots) {
      lock(stripe);
      stripe.unlock();
    }
  }

  /**
   * Under the stripe's lock: finds the key's slot, or gives it one (reviving its own dropped slot, or taking an empty
   * one, rehashing first if the stripe is full; never another key's dropped slot, see the class comment).
   *
   * @return the position, and whether the key was added (counted in the store's size)
   */
  Position insert(long high, long low, boolean[] added) {
    int s = stripeIndex(high);
    Stripe stripe = stripeToInsert(s);
    lock(stripe);
    try {
      for (;;) {
        long[] slots = arrays[s]; // under the lock: only lock holders write it
        int capacity = slots.length / 3;
        int i = home(high, capacity);
        int empty = -1;
        for (int probes = 0; probes < capacity; probes++) {
          int b = i * 3;
          long h = slots[b];
          if (h == 0) {
            empty = b;
            break;
          }
          if (h == high && slots[b + 1] == low) {
            if ((long) WORDS.getVolatile(slots, b + 2) < FRESH) { // its own dropped slot: revive it
              WORDS.setVolatile(slots, b + 2, stripe.fresh());
              size.incrementAndGet();
              added[0] = true;
            }
            return new Position(slots, b + 2);
          }
          if (++i == capacity) {
            i = 0;
          }
        }
        if (empty < 0 || stripe.used + 1 > capacity * MAX_LOAD) {
          rehash(s, stripe, 1);
          continue;
        }
        slots[empty + 1] = low;
        slots[empty + 2] = stripe.fresh();
        WORDS.setRelease(slots, empty, high);
        stripe.used++;
        size.incrementAndGet();
        added[0] = true;
        return new Position(slots, empty + 2);
      }
    } finally {
      stripe.unlock();
    }
  }

  /**
   * Under the stripe's lock: copies the live keys into a new array sized for them plus {@code extra} at
   * {@value #MIN_LOAD} load, freezing each state word first (see the class comment).
   */
  private void rehash(int s, Stripe stripe, int extra) {
    long[] old = arrays[s];
    int live = 0;
    for (int b = 0; b < old.length; b += 3) {
      if (old[b] != 0 && (long) WORDS.getVolatile(old, b + 2) >= FRESH) {
        live++; // only decreases until the copy below: adding keys needs the lock we hold
      }
    }
    int capacity = Math.max(MIN_CAPACITY, (int) Math.ceil((live + extra) / MIN_LOAD));
    long[] next = new long[capacity * 3];
    int used = 0;
    for (int b = 0; b < old.length; b += 3) {
      long high = old[b];
      if (high == 0 || (long) WORDS.getVolatile(old, b + 2) < FRESH) {
        continue; // empty, or dropped: stays dropped while we hold the lock (see the class comment)
      }
      long state = (long) WORDS.getAndSet(old, b + 2, MOVED);
      if (state < FRESH) {
        continue; // dropped since
      }
      int i = home(high, capacity);
      while (next[i * 3] != 0) {
        if (++i == capacity) {
          i = 0;
        }
      }
      next[i * 3] = high;
      next[i * 3 + 1] = old[b + 1];
      next[i * 3 + 2] = state;
      used++;
    }
    stripe.used = used;
    ARRAYS.setRelease(arrays, s, next); // publishes the copy
  }

  /** Drops every idle key (lossless) and compacts stripes that are mostly dead slots. */
  void sweep(long now) {
    for (int s = 0; s < stripes.length; s++) {
      Stripe stripe = (Stripe) STRIPE.getAcquire(stripes, s);
      if (stripe == null) {
        continue;
      }
      long[] slots = (long[]) ARRAYS.getAcquire(arrays, s);
      int live = 0;
      for (int b = 0; b < slots.length; b += 3) {
        if (slots[b] == 0) {
          continue;
        }
        long state = (long) WORDS.getVolatile(slots, b + 2);
        if (state >= FRESH && !(state <= now && drop(slots, b + 2, state, DROPPED))) {
          live++;
        }
      }
      int capacity = slots.length / 3;
      if (capacity > MIN_CAPACITY && live < capacity * MIN_LOAD / 2) {
        lock(stripe);
        try {
          if (arrays[s] == slots) {
            rehash(s, stripe, 0);
          }
        } finally {
          stripe.unlock();
        }
      }
    }
  }

  /** Drops a key if its state is still {@code state}; returns whether this call did. */
  private boolean drop(long[] slots, int index, long state, long dead) {
    if (WORDS.compareAndSet(slots, index, state, dead)) {
      size.decrementAndGet();
      return true;
    }
    return false;
  }

  /**
   * Lock-free, bounded eviction after an insert into a store over its bound: looks at up to {@value #NEAR_LOOKED}
   * slots of the inserted key's stripe from the key's own slot on (its cache line is warm, the next ones prefetch;
   * where a key lands is random, so over many inserts this samples the whole stripe), drops the idle keys it passes
   * (lossless) and evicts up to {@value #NEAR_VICTIMS} keys that use at most {@link EvictionHand#COLD} of their
   * limits, as the store-wide {@link EvictionHand} does (so an exhausted client is passed over), until the store is
   * back at its bound. With {@code force} (the store is past its slack) and nothing dropped, it evicts the least used key it looked
   * at, so memory stays bounded when every key is busy. Every drop is a compare-and-set of the state judged idle, cold
   * or least used, so a key charged meanwhile is not dropped.
   *
   * @param high the inserted key's high word (selects the stripe)
   * @param low the inserted key's low word: the key is passed over (it was just charged, wherever a rehash put it)
   * @param now the store's time
   * @param force whether to evict the least used key looked at if none was idle or cold
   * @return whether a key was removed; if not, the caller falls back to the store-wide hand
   */
  boolean evictNear(long high, long low, long now, boolean force) {
    long[] slots = slots(high);
    int capacity = slots.length / 3;
    if (capacity == 0) {
      return false;
    }
    // from the inserted key's own slot on: its cache line was just touched, and the next ones are prefetched
    int own = find(slots, high, low);
    int i = own >= 0 ? own / 3 : home(high, capacity);
    int victims = 0;
    boolean removed = false;
    int fallback = -1;
    long fallbackState = 0;
    double fallbackUsed = Double.MAX_VALUE;
    for (int looked = Math.min(capacity, NEAR_LOOKED); looked > 0; looked--) {
      int index = i * 3 + 2;
      if (++i == capacity) {
        i = 0;
      }
      long h = (long) WORDS.getAcquire(slots, index - 2);
      if (h == 0 || h == high && slots[index - 1] == low) {
        continue;
      }
      long state = (long) WORDS.getVolatile(slots, index);
      if (state < FRESH) {
        continue;
      }
      boolean dropped = false;
      if (state <= now) {
        dropped = drop(slots, index, state, DROPPED); // idle: dropping it changes no decision
      } else {
        double used = layout.usedOf(state, now);
        if (used <= EvictionHand.COLD && drop(slots, index, state, DEAD)) {
          evictedActive.increment();
          dropped = true;
          victims++;
        } else if (used < fallbackUsed) {
          fallback = index;
          fallbackState = state;
          fallbackUsed = used;
        }
      }
      removed |= dropped;
      if (dropped && (victims == NEAR_VICTIMS || size.get() <= bound)) {
        break;
      }
    }
    if (!removed && force && fallback >= 0 && drop(slots, fallback, fallbackState, DEAD)) {
      evictedActive.increment();
      removed = true;
    }
    return removed;
  }

  /** The bytes the table's arrays take (for tests and benchmarks). */
  long tableBytes() {
    long bytes = 0;
    for (long[] slots : arrays) {
      bytes += slots == NONE ? 0 : 16 + 8L * slots.length;
    }
    return bytes;
  }

  /** The number of stripes (for tests). */
  int stripeCount() {
    return stripes.length;
  }

  private long[] slotsOf(int s) {
    return (long[]) ARRAYS.getAcquire(arrays, s);
  }

  @Override
  public Iterator<? extends EvictionHand.Slot> slots() {
    return new Iterator<EvictionHand.Slot>() {
      private int stripe;
      private long[] slots = slotsOf(0);
      private int next = -3; // the base of the last slot returned

      @Override
      public boolean hasNext() {
        for (;;) {
          for (int b = next + 3; b < slots.length; b += 3) {
            if (slots[b] != 0 && (long) WORDS.getVolatile(slots, b + 2) >= FRESH) {
              next = b - 3;
              return true;
            }
          }
          if (++stripe == stripes.length) {
            return false;
          }
          slots = slotsOf(stripe);
          next = -3;
        }
      }

      @Override
      public EvictionHand.Slot next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        next += 3;
        return new Slot(slots, next + 2);
      }
    };
  }

  /** A key's state under the eviction hand. */
  private final class Slot implements EvictionHand.Slot {
    private final long[] slots;
    private final int index;

    Slot(long[] slots, int index) {
      this.slots = slots;
      this.index = index;
    }

    @Override
    public boolean dropIfIdle(long now) {
      long state = (long) WORDS.getVolatile(slots, index);
      return state >= FRESH && state <= now && drop(slots, index, state, DROPPED);
    }

    @Override
    public double used(long now) {
      long state = (long) WORDS.getVolatile(slots, index);
      return state < FRESH ? -1 : layout.usedOf(state, now);
    }

    @Override
    public boolean evict(long now, double maxUsed) {
      long state = (long) WORDS.getVolatile(slots, index);
      if (state < FRESH) {
        return false;
      }
      if (state <= now) {
        return drop(slots, index, state, DROPPED);
      }
      return layout.usedOf(state, now) <= maxUsed && drop(slots, index, state, DEAD);
    }
  }
}
