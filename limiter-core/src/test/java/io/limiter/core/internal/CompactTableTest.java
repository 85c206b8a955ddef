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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The compact table under the races its class comment argues about: growth, clean-up and reuse of dropped slots. */
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
    CompactTable table = new CompactTable(policy, new AtomicLong());
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
}
