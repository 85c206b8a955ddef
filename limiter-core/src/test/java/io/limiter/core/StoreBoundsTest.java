package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A flood of distinct keys cannot grow the heap without limit, nor free a hot client. */
class StoreBoundsTest {

  private final AtomicLong now = new AtomicLong();

  private RateLimitStore store(String kind, long maxKeys) {
    LocalStoreBuilder builder = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).maxKeys(maxKeys);
    return kind.equals("caffeine") ? builder.buildCaffeine()
        : kind.equals("memory-keys") ? builder.buildInMemoryWithKeyStrings() : builder.buildInMemory();
  }

  private static long usedHeapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "memory-keys", "caffeine"})
  void twoMillionDistinctKeysStayWithinTheBoundAndRetainLittleHeap(String kind) {
    long before = usedHeapAfterGc();
    RateLimitStore store = store(kind, 100_000);
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("flood", "10/minute"), store);
    for (int i = 0; i < 2_000_000; i++) {
      limiter.tryAcquire("client-" + i);
      if (i % 100_000 == 0) {
        now.addAndGet(Duration.ofMillis(10).toNanos());
      }
    }
    store.cleanUp();
    assertThat(store.trackedKeys()).isLessThanOrEqualTo(100_000);
    long growth = usedHeapAfterGc() - before;
    assertThat(growth).as("retained heap growth in bytes").isLessThanOrEqualTo(64L << 20);
    assertThat(store.evictedActiveKeys()).isPositive();
    assertThat(limiter.tryAcquire("still-works")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "memory-keys", "caffeine"})
  void aHotExhaustedKeyStaysDeniedWhileColdKeysFloodPast(String kind) {
    RateLimitStore store = store(kind, 10_000);
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "10/minute"), store);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire("attacker")).isTrue();
    }
    int deniedHot = 0;
    int admittedCold = 0;
    for (int i = 0; i < 200_000; i++) {
      admittedCold += limiter.tryAcquire("cold-" + i) ? 1 : 0;
      if (i % 100 == 0) {
        deniedHot += limiter.tryAcquire("attacker") ? 0 : 1;
      }
    }
    assertThat(admittedCold).isEqualTo(200_000);
    assertThat(deniedHot).as("the hot key is denied on every probe").isEqualTo(2_000);
    assertThat(store.trackedKeys()).isLessThanOrEqualTo(10_000 + 10_000 / 8 + 64);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "memory-keys", "caffeine"})
  void idleKeysAreDroppedOnceFullAgain(String kind) {
    RateLimitStore store = store(kind, 1_000_000);
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "10/minute"), store);
    for (int i = 0; i < 5_000; i++) {
      limiter.tryAcquire("k-" + i);
    }
    store.cleanUp();
    assertThat(store.trackedKeys()).isEqualTo(5_000);
    now.addAndGet(Duration.ofSeconds(6).toNanos()); // one permit refilled: every bucket is full again
    store.cleanUp();
    // the in-memory store checks each bucket; Caffeine expires a policy's longest refill time after the last access
    assertThat(store.trackedKeys()).isEqualTo(kind.startsWith("memory") ? 0 : 5_000);
    now.addAndGet(Duration.ofSeconds(54).toNanos());
    store.cleanUp();
    assertThat(store.trackedKeys()).isZero();
  }
}
