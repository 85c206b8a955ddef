package io.limiter.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compact table under the races its class comment argues about: growth, clean-up and reuse of dropped slots, and
 * eviction past the bound without a store-wide lock.
 */
class CompactTableTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

  private RateLimitStore store(long maxKeys) {
    return RateLimitStore.builder().ticker(now::get).executor(Runnable::run).maxKeys(maxKeys).buildInMemory();
  }

  @Test
  void theDefaultInMemoryStoreKeepsSingleTokenBucketsCompact() {
    RateLimitStore store = store(1_000);
    store.keySpace(LimitPolicy.of("api", "10/minute")).tryAcquire("a", 1);
    assertThat(store.toString()).contains("compact");
  }

  @Test
  void everyKeyIsAdmittedExactlyItsCapacityWhileTheTablesGrowAndCleanUpRuns() throws Exception {
    RateLimitStore store = store(1_000_000);
    KeySpace space = store.keySpace(LimitPolicy.of("grow", "5/hour"));
    int keys = 40_000;
    int threads = 8;
    AtomicIntegerArray admitted = new AtomicIntegerArray(keys);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t * (keys / threads);
        futures.add(pool.submit(() -> {
          start.await();
          for (int pass = 0; pass < 8; pass++) {
            for (int i = 0; i < keys; i++) {
              int k = (i + offset) % keys;
              KeySpace.KeyHandle handle = (i & 1) == 0 ? null : space.handle("k" + k);
              boolean ok = handle == null ? space.tryAcquire("k" + k, 1) : handle.acquire(1).allowed();
              if (ok) {
                admitted.incrementAndGet(k);
              }
            }
          }
          return null;
        }));
      }
      Future<?> cleaner = pool.submit(() -> {
        start.await();
        while (!done.get()) {
          store.cleanUp(); // the clock stands still: only fresh, uncharged slots are idle
        }
        return null;
      });
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
      done.set(true);
      cleaner.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    for (int k = 0; k < keys; k++) {
      assertThat(admitted.get(k)).as("admitted for key %d", k).isEqualTo(5);
    }
    assertThat(store.trackedKeys()).isEqualTo(keys);
  }

  /**
   * The gap of slot reuse: a thread reads key A's state, then compare-and-sets it later. If A was dropped meanwhile and
   * its slot given to key B, and B's state reached the very number the thread read (a clock running backwards makes
   * two keys' timestamps equal to the nanosecond), the late compare-and-set charged B and A's charge was lost. The
   * late compare-and-set is done here on the array word, as a thread descheduled between its key check and its CAS
   * would.
   */
  @Test
  void aStaleCompareAndSetNeverLandsOnAnotherKeysState() {
    VarHandle words = MethodHandles.arrayElementVarHandle(long[].class);
    CompiledPolicy policy = new CellGroup(LimitPolicy.of("aba", "1/second")).layout;
    CompactTable table = new CompactTable(policy, new AtomicLong(), Long.MAX_VALUE, new LongAdder());
    long high = 0x1234_5678_0000_0000L; // A and B: same stripe, same home slot, so B probes through A's slot
    long second = Duration.ofSeconds(1).toNanos();
    long t0 = 1_000_000_000_000L;
    CompactTable.Position a = table.insert(high, 1, new boolean[1]);
    assertThat(policy.tryAcquire(a.slots(), a.index(), high, 1, t0, 1)).isEqualTo(1);
    long read = (long) words.getVolatile(a.slots(), a.index()); // the stale thread's read of A's state

    table.sweep(t0 + second); // A is full again: dropped
    CompactTable.Position b = table.insert(high, 2, new boolean[1]); // the clock went back to t0; B arrives
    assertThat(policy.tryAcquire(b.slots(), b.index(), high, 2, t0, 1)).isEqualTo(1);
    long stateOfB = (long) words.getVolatile(b.slots(), b.index());

    boolean lateCas = words.compareAndSet(a.slots(), a.index(), read, read + second);
    assertThat(lateCas).as("a late compare-and-set of A's state succeeded").isFalse();
    assertThat((long) words.getVolatile(b.slots(), b.index())).isEqualTo(stateOfB);
    assertThat(b).isNotEqualTo(a);
  }

  @Test
  void droppedKeysComeBackFullAndTheirSlotsAreFreed() {
    RateLimitStore store = store(1_000_000);
    KeySpace space = store.keySpace(LimitPolicy.of("reuse", "2/second"));
    KeySpace.KeyHandle kept = space.handle("kept");
    for (int round = 0; round < 50; round++) {
      for (int i = 0; i < 2_000; i++) {
        assertThat(space.tryAcquire("r" + round + "-" + i, 2)).isTrue();
        assertThat(space.tryAcquire("r" + round + "-" + i, 1)).isFalse();
      }
      assertThat(kept.tryAcquire(2)).as("round %d", round).isTrue();
      assertThat(kept.tryAcquire(1)).isFalse();
      now.addAndGet(Duration.ofSeconds(1).toNanos());
      store.cleanUp(); // every key is full again: all dropped, and their slots purged by compaction
      assertThat(store.trackedKeys()).isZero();
    }
  }

  @Test
  void aStaleHandleNeverDecidesOnAnotherKeysState() {
    RateLimitStore store = store(1_000_000);
    KeySpace space = store.keySpace(LimitPolicy.of("stale", "1/second"));
    KeySpace.KeyHandle handle = space.handle("mine");
    assertThat(handle.tryAcquire(1)).isTrue();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    store.cleanUp(); // "mine" is dropped
    for (int i = 0; i < 10_000; i++) { // other keys take dropped slots, and exhaust themselves
      space.tryAcquire("other-" + i, 1);
    }
    assertThat(handle.tryAcquire(1)).as("mine starts full").isTrue();
    assertThat(handle.tryAcquire(1)).isFalse();
    assertThat(space.tryAcquire("mine", 1)).isFalse();
  }

  @Test
  void stripesGrowWithTheBoundSoThatEachStaysSmall() {
    assertThat(CompactTable.stripesFor(1_000)).isEqualTo(CompactTable.MIN_STRIPES);
    assertThat(CompactTable.stripesFor(1_000_000)).isEqualTo(4_096); // 244 keys a stripe
    assertThat(CompactTable.stripesFor(10_000_000)).isEqualTo(CompactTable.MAX_STRIPES); // 153 keys a stripe
    assertThat(CompactTable.stripesFor(Long.MAX_VALUE)).isEqualTo(CompactTable.MAX_STRIPES);
    CompiledPolicy policy = new CellGroup(LimitPolicy.of("s", "1/second")).layout;
    CompactTable table = new CompactTable(policy, new AtomicLong(), 1_000_000, new LongAdder());
    assertThat(table.stripeCount()).isEqualTo(4_096);
    assertThat(table.tableBytes()).as("no stripe is allocated before its first key").isZero();
  }

  /**
   * Issue 12, defect 2 (the new-key tail under a flood): past {@code max(64, bound/64)} over the bound, an insert used
   * to wait for the store-wide eviction hand's lock, which on a machine with more busy threads than cores is often held
   * by a descheduled thread (milliseconds). Here a thread holds that lock for the whole flood: the inserts must go on,
   * evicting in their own stripes, and keep the store at its bound, with cold keys (one permit of ten used) and with
   * busy ones (each new key exhausts its one permit, so only the forced eviction past the slack frees room).
   */
  @ParameterizedTest
  @CsvSource({"10/hour, 0", "1/hour, 156"})
  void insertsPastTheBoundNeverWaitForTheStoreWideHand(String spec, int slack) throws Exception {
    int bound = 10_000;
    ExecutorService pool = Executors.newFixedThreadPool(3); // the holder, the flood and the clean-up
    // clean-up runs on its own thread, as by default: it may wait for the hand (it evicts down to the bound)
    InMemoryRateLimitStore store = (InMemoryRateLimitStore) RateLimitStore.builder().ticker(now::get).executor(pool)
        .maxKeys(bound).buildInMemory();
    KeySpace space = store.keySpace(LimitPolicy.of("flood", spec));
    for (int i = 0; i < bound; i++) {
      space.tryAcquire("old-" + i, 1);
    }
    ReentrantLock handLock = store.evictionHand().lock();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Future<?> holder = pool.submit(() -> {
        handLock.lock();
        try {
          held.countDown();
          release.await();
        } finally {
          handLock.unlock();
        }
        return null;
      });
      held.await();
      Future<?> flood = pool.submit(() -> {
        for (int i = 0; i < 5 * bound; i++) {
          assertThat(space.tryAcquire("new-" + i, 1)).isTrue();
        }
        return null;
      });
      flood.get(60, TimeUnit.SECONDS);
      assertThat(store.trackedKeys()).isLessThanOrEqualTo(bound + slack + CompactTable.NEAR_VICTIMS);
      release.countDown();
      holder.get(60, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertThat(store.evictedActiveKeys()).isGreaterThanOrEqualTo(4L * bound);
  }

  @Test
  void evictionInAStripePassesOverExhaustedKeysAndTheKeyJustInserted() {
    CompiledPolicy policy = new CellGroup(LimitPolicy.of("near", "4/second")).layout;
    AtomicLong size = new AtomicLong();
    LongAdder evicted = new LongAdder();
    CompactTable table = new CompactTable(policy, size, 0, evicted); // bound 0: always over it
    long t0 = 1_000_000_000_000L;
    for (long k = 1; k <= 40; k++) { // all in stripe 0
      CompactTable.Position p = table.insert(k << 32, k, new boolean[1]);
      assertThat(policy.tryAcquire(p.slots(), p.index(), k << 32, k, t0, 4)).isEqualTo(1);
    }
    CompactTable.Position cold = table.insert(41L << 32, 41, new boolean[1]);
    assertThat(policy.tryAcquire(cold.slots(), cold.index(), 41L << 32, 41, t0, 1)).isEqualTo(1);
    assertThat(size.get()).isEqualTo(41);

    assertThat(table.evictNear(41L << 32, 41, t0, false)).as("only the new key is cold").isFalse();
    assertThat(table.evictNear(1L << 32, 0, t0, false)).isTrue();
    assertThat(size.get()).isEqualTo(40);
    assertThat(evicted.sum()).isEqualTo(1);
    long[] slots = table.slots(0);
    assertThat((long) WORDS.getVolatile(slots, cold.index())).isEqualTo(CompactTable.DEAD);
    for (long k = 1; k <= 40; k++) {
      int index = CompactTable.find(slots, k << 32, k);
      assertThat(policy.tryAcquire(slots, index, k << 32, k, t0, 1)).as("exhausted key %d", k).isZero();
    }
    assertThat(table.evictNear(1L << 32, 0, t0, false)).as("nothing cold is left").isFalse();
    assertThat(size.get()).isEqualTo(40);
    assertThat(table.evictNear(1L << 32, 0, t0, true)).as("forced: the least used goes").isTrue();
    assertThat(size.get()).isEqualTo(39);
    assertThat(evicted.sum()).isEqualTo(2);
    long later = t0 + Duration.ofSeconds(1).toNanos();
    assertThat(table.evictNear(1L << 32, 0, later, false)).as("all idle now").isTrue();
    assertThat(evicted.sum()).as("dropping idle keys is lossless").isEqualTo(2);
  }

  /**
   * Threads flood a full store with new keys (inserts evict in their stripes, stripes rehash past their dropped
   * slots) while exhausted clients keep asking, by key and through handles: none is ever admitted, and the store stays
   * within its bound.
   */
  @Test
  void exhaustedClientsStayExhaustedWhileThreadsFloodAFullStore() throws Exception {
    int bound = 20_000;
    RateLimitStore store = store(bound);
    KeySpace space = store.keySpace(LimitPolicy.of("hot", "5/hour"));
    int hot = 200;
    for (int i = 0; i < hot; i++) {
      assertThat(space.tryAcquire("hot-" + i, 5)).isTrue();
    }
    for (int i = hot; i < bound; i++) {
      space.tryAcquire("cold-" + i, 1);
    }
    int threads = 8;
    AtomicInteger admittedHot = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit(() -> {
          start.await();
          List<KeySpace.KeyHandle> handles = new ArrayList<>();
          for (int i = 0; i < hot; i++) {
            handles.add(space.handle("hot-" + i));
          }
          for (int i = 0; i < 30_000; i++) {
            assertThat(space.tryAcquire("flood-" + id + "-" + i, 1)).isTrue();
            if (i % 50 == 0) {
              int h = ThreadLocalRandom.current().nextInt(hot);
              boolean admitted = i % 100 == 0 ? space.tryAcquire("hot-" + h, 1) : handles.get(h).tryAcquire(1);
              if (admitted) {
                admittedHot.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(admittedHot.get()).as("exhausted clients admitted").isZero();
    for (int i = 0; i < hot; i++) {
      assertThat(space.tryAcquire("hot-" + i, 1)).as("hot-%d", i).isFalse();
    }
    assertThat(store.trackedKeys()).isLessThanOrEqualTo(bound + Math.max(64, bound / 64));
    assertThat(store.evictedActiveKeys()).isPositive();
  }

  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
}
