package io.limiter.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.ScheduledPermits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Waiting for permits ({@link KeySpace#schedule}, {@link RateLimiter#acquire(String, long, Duration)}): what every
 * store must do when callers are paced instead of refused. {@link RateLimitStoreContract} implements it, so every store
 * that passes the contract passes this too. Time is the test's {@link ManualTicker}; waiting callers wait on a
 * {@link ManualPacer}, so every wait is measured on the fake clock and nothing sleeps.
 *
 * <p>Covered: 64 threads reserving at once get consecutive slots at exactly the limit's rate (never faster), those
 * beyond the maximum wait take nothing; blocking callers return exactly at their slot, first come first served; every
 * limit of a policy counts the permits at their slot; an interrupt and a cancelled future give the last slot back, a
 * cancelled slot with others queued behind it stays taken; a wait of zero decides as a plain acquire; window algorithms
 * refuse to wait.
 */
public interface PacingContract {

  /** @return the store under test, new for each test */
  RateLimitStore storeUnderTest();

  /** @return the clock the store under test reads */
  ManualTicker tickerUnderTest();

  /**
   * @param spec a rate spec
   * @param algorithm the algorithm
   * @return a policy with a name unique in this JVM
   */
  LimitPolicy uniquePolicy(String spec, Algorithm algorithm);

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  default void sixtyFourThreadsGetConsecutiveSlotsAtExactlyTheLimitsRate() throws Exception {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second", Algorithm.TOKEN_BUCKET));
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<ScheduledPermits>> futures = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          return space.schedule("k", 1, ms(2000));
        }));
      }
      start.countDown();
      List<Long> waits = new ArrayList<>();
      int refused = 0;
      for (Future<ScheduledPermits> f : futures) {
        ScheduledPermits slot = f.get(120, TimeUnit.SECONDS);
        if (slot.granted()) {
          waits.add(slot.waitNanos());
        } else {
          refused++;
          assertThat(slot.decision().retryAfterNanos()).isGreaterThan(ms(2000));
        }
      }
      Collections.sort(waits);
      List<Long> expected = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        expected.add(0L); // the full bucket
      }
      for (int i = 1; i <= 20; i++) {
        expected.add(ms(100) * i); // then one every 100 ms, up to the maximum wait
      }
      assertThat(waits).containsExactlyElementsOf(expected);
      assertThat(refused).isEqualTo(34);
      // the refused callers took nothing: the next slot is the one after the last granted
      assertThat(space.schedule("k", 1, ms(5000)).waitNanos()).isEqualTo(ms(2100));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  default void blockingCallersReturnExactlyAtTheirSlotsInArrivalOrder() throws Exception {
    ManualPacer pacer = new ManualPacer(tickerUnderTest());
    RateLimiter limiter = RateLimiter.of(uniquePolicy("10/second burst 1", Algorithm.TOKEN_BUCKET),
        storeUnderTest(), null, pacer);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      List<Future<Long>> returned = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        returned.add(pool.submit(() -> {
          Decision d = limiter.acquire("k", 1, Duration.ofSeconds(1));
          assertThat(d.allowed()).isTrue();
          return tickerUnderTest().read();
        }));
        if (i == 0) {
          assertThat(returned.get(0).get(60, TimeUnit.SECONDS)).isEqualTo(RateLimitStoreContract.START);
        } else {
          pacer.awaitWaiting(i); // the i-th caller has reserved its slot before the next one starts
        }
      }
      for (int i = 1; i < 5; i++) {
        pacer.advance(Duration.ofMillis(100).minusNanos(1));
        assertThat(pacer.waiting()).isEqualTo(5 - i); // 1 ns before the slot: nobody may go
        pacer.advanceNanos(1);
        pacer.awaitWaiting(4 - i);
        assertThat(returned.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(RateLimitStoreContract.START + ms(100) * i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  default void everyLimitCountsThePermitsAtTheirSlot() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("1/second; 3/minute", Algorithm.TOKEN_BUCKET));
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      waits.add(space.schedule("k", 1, ms(100_000)).waitNanos());
    }
    // 1/second spaces the first three; 3/minute (one per 20 s, 3 at once) then spaces every later one by 20 s,
    // counted from the slots the earlier ones were given, not from when they were reserved
    assertThat(waits).containsExactly(0L, ms(1000), ms(2000), ms(20_000), ms(40_000), ms(60_000));
    assertThat(space.schedule("k", 1, ms(79_999)).granted()).isFalse();
  }

  @Test
  default void anInterruptGivesTheLastSlotBack() throws Exception {
    ManualPacer pacer = new ManualPacer(tickerUnderTest());
    LimitPolicy policy = uniquePolicy("10/second burst 1", Algorithm.TOKEN_BUCKET);
    RateLimiter limiter = RateLimiter.of(policy, storeUnderTest(), null, pacer);
    assertThat(limiter.acquire("k", 1, Duration.ofSeconds(1)).allowed()).isTrue();
    AtomicInteger interrupted = new AtomicInteger();
    Thread waiter = new Thread(() -> {
      try {
        limiter.acquire("k", 1, Duration.ofSeconds(1));
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
      }
    });
    waiter.start();
    pacer.awaitWaiting(1);
    waiter.interrupt();
    waiter.join(60_000);
    assertThat(interrupted).hasValue(1);
    // the slot at 100 ms is free again
    assertThat(storeUnderTest().keySpace(policy).schedule("k", 1, ms(1000)).waitNanos()).isEqualTo(ms(100));
  }

  @Test
  default void cancellingAWaitingFutureGivesTheLastSlotBack() throws Exception {
    ManualPacer pacer = new ManualPacer(tickerUnderTest());
    LimitPolicy policy = uniquePolicy("10/second burst 1", Algorithm.TOKEN_BUCKET);
    RateLimiter limiter = RateLimiter.of(policy, storeUnderTest(), null, pacer);
    assertThat(limiter.acquireAsync("k", 1, Duration.ofSeconds(1)).get(60, TimeUnit.SECONDS).allowed()).isTrue();
    CompletableFuture<Decision> second = limiter.acquireAsync("k", 1, Duration.ofSeconds(1));
    CompletableFuture<Decision> third = limiter.acquireAsync("k", 1, Duration.ofSeconds(1));
    assertThat(second).isNotDone();
    pacer.advance(Duration.ofMillis(100));
    assertThat(second.get(60, TimeUnit.SECONDS).allowed()).isTrue();
    assertThat(third).isNotDone();
    assertThat(third.cancel(false)).isTrue();
    pacer.advance(Duration.ofMillis(100)); // the cancelled completion runs and does nothing
    assertThat(third).isCancelled();
    // the third slot (200 ms from the start) is free again: now is 200 ms, so it is due at once
    assertThat(storeUnderTest().keySpace(policy).schedule("k", 1, ms(1000)).waitNanos()).isZero();
    assertThat(storeUnderTest().keySpace(policy).schedule("k", 1, ms(1000)).waitNanos()).isEqualTo(ms(100));
  }

  @Test
  default void aCancelledSlotWithOthersQueuedBehindItStaysTaken() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second burst 1", Algorithm.TOKEN_BUCKET));
    assertThat(space.schedule("k", 1, ms(1000)).waitNanos()).isZero();
    ScheduledPermits second = space.schedule("k", 1, ms(1000));
    ScheduledPermits third = space.schedule("k", 1, ms(1000));
    assertThat(second.waitNanos()).isEqualTo(ms(100));
    assertThat(third.waitNanos()).isEqualTo(ms(200));
    // giving the 100 ms slot back would let the next caller run at 200 ms together with the third one
    assertThat(second.cancel()).isFalse();
    assertThat(space.schedule("k", 1, ms(1000)).waitNanos()).isEqualTo(ms(300));
    ScheduledPermits fifth = space.schedule("k", 1, ms(1000));
    assertThat(fifth.cancel()).isTrue();
    assertThat(fifth.cancel()).isFalse(); // only once
    assertThat(space.schedule("k", 1, ms(1000)).waitNanos()).isEqualTo(ms(400));
  }

  @Test
  default void aWaitOfZeroDecidesAsAPlainAcquire() throws Exception {
    LimitPolicy policy = uniquePolicy("2/second", Algorithm.TOKEN_BUCKET);
    RateLimiter limiter = RateLimiter.of(policy, storeUnderTest(), null, new ManualPacer(tickerUnderTest()));
    assertThat(limiter.acquire("k", 1, Duration.ZERO).allowed()).isTrue();
    assertThat(limiter.acquire("k", 1, Duration.ZERO).allowed()).isTrue();
    Decision third = limiter.acquire("k", 1, Duration.ZERO);
    assertThat(third.rejected()).isTrue();
    assertThat(third.retryAfterNanos()).isEqualTo(ms(500));
    assertThat(storeUnderTest().keySpace(policy).schedule("k", 1, 0).granted()).isFalse();
  }

  @Test
  default void aCostAboveTheCapacityIsRefusedWhateverTheWait() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second", Algorithm.TOKEN_BUCKET));
    ScheduledPermits slot = space.schedule("k", 11, Long.MAX_VALUE);
    assertThat(slot.granted()).isFalse();
    assertThat(slot.decision().retryAfterNanos()).isEqualTo(Decision.NEVER);
    assertThat(space.schedule("k", 10, ms(1)).waitNanos()).isZero(); // nothing was taken
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = {"FIXED_WINDOW", "SLIDING_WINDOW"})
  default void windowAlgorithmsRefuseToWait(Algorithm algorithm) {
    LimitPolicy policy = uniquePolicy("10/second", algorithm);
    RateLimiter limiter = RateLimiter.of(policy, storeUnderTest(), null, new ManualPacer(tickerUnderTest()));
    assertThatThrownBy(() -> limiter.acquire("k", 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy " + policy.name() + " uses " + algorithm)
        .hasMessageContaining("needs TOKEN_BUCKET");
    assertThatThrownBy(() -> storeUnderTest().keySpace(policy).schedule("k", 1, ms(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
