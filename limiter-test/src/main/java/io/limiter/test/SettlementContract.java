package io.limiter.test;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reserve-and-settle part of the store contract ({@link KeySpace#reserve}, {@link Reservation#settle}): what every
 * store must do when a reservation is settled to another cost. {@link RateLimitStoreContract} implements it, so every
 * store that passes the contract passes this too.
 *
 * <p>Covered, per algorithm where it differs: a refund gives the permits back and a settlement to less refunds the
 * difference; an extra charge takes a limit at most to empty; a token bucket is never fuller than full after a
 * refund; a fixed window refunds only while the charged window counts, a sliding window into the window it was
 * charged in; all limits of a policy settle together; views settle under their own limits; only the first
 * settlement counts; a rejected reservation and a refund of an expired key are no-ops; and two 64-thread hammers
 * mixing reservations, settlements and plain acquisitions keep exact totals.
 */
public interface SettlementContract {

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

  private KeySpace space(String spec, Algorithm algorithm) {
    return storeUnderTest().keySpace(uniquePolicy(spec, algorithm));
  }

  /** Takes every permit available now (the clock stands still meanwhile), in halving chunks, and counts them. */
  private static long drain(KeySpace space, String key) {
    long n = 0;
    for (long chunk = 1L << 13; chunk >= 1; chunk >>= 1) {
      while (space.acquire(key, chunk).allowed()) {
        n += chunk;
      }
    }
    return n;
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aRefundGivesThePermitsBack(Algorithm algorithm) {
    KeySpace space = space("10/minute", algorithm);
    Reservation r = space.reserve("k", 4);
    assertThat(r.allowed()).isTrue();
    assertThat(r.taken()).isTrue();
    assertThat(space.acquire("k", 6)).isAllowed().hasRemaining(0);
    assertThat(space.acquire("k", 1)).isRejected();
    assertThat(r.refund()).isTrue();
    assertThat(drain(space, "k")).isEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void settlingToLessRefundsTheDifferenceAndToMoreChargesIt(Algorithm algorithm) {
    KeySpace space = space("10/minute", algorithm);
    space.reserve("less", 5).settle(2);
    assertThat(drain(space, "less")).isEqualTo(8);
    space.reserve("more", 2).settle(7);
    assertThat(drain(space, "more")).isEqualTo(3);
    space.reserve("same", 3).settle(3);
    assertThat(drain(space, "same")).isEqualTo(7);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void anExtraChargeTakesALimitAtMostToEmpty(Algorithm algorithm) {
    KeySpace space = space("10/minute", algorithm);
    space.reserve("k", 1).settle(1_000_000);
    assertThat(space.acquire("k", 1)).isRejected();
    tickerUnderTest().advance(Duration.ofMinutes(2)); // any algorithm is full again: no debt beyond empty was kept
    assertThat(drain(space, "k")).isEqualTo(10);
  }

  @Test
  default void aTokenBucketRefundMovesTheFullTimeBackButNeverPastFull() {
    KeySpace space = space("10/minute", Algorithm.TOKEN_BUCKET);
    Reservation r = space.reserve("k", 10);
    tickerUnderTest().advance(Duration.ofSeconds(30)); // 5 permits back
    r.settle(4); // 6 of the 10 come back: 5 + 6 > 10, so the bucket is full, not fuller
    assertThat(drain(space, "k")).isEqualTo(10);
    Reservation partial = space.reserve("p", 10);
    tickerUnderTest().advance(Duration.ofSeconds(12)); // 2 back
    partial.settle(7); // 3 back: 5 available
    assertThat(drain(space, "p")).isEqualTo(5);
  }

  @Test
  default void aFastTokenBucketSettlesExactly() {
    KeySpace space = space("999999/second", Algorithm.TOKEN_BUCKET); // an interval of 1000.001 ns: kept exact
    Reservation r = space.reserve("k", 999_999);
    assertThat(space.acquire("k", 1)).isRejected();
    r.settle(999_989);
    assertThat(space.acquire("k", 10)).isAllowed();
    assertThat(space.acquire("k", 1)).isRejected();
    space.reserve("m", 999_990).settle(999_999);
    assertThat(space.acquire("m", 1)).isRejected();
  }

  @Test
  default void aFixedWindowRefundsOnlyWhileTheChargedWindowCounts() {
    KeySpace space = space("10/minute", Algorithm.FIXED_WINDOW);
    Reservation late = space.reserve("k", 6);
    Reservation early = space.reserve("k", 4);
    early.refund(); // same window: back
    assertThat(space.acquire("k", 4)).isAllowed().hasRemaining(0);
    tickerUnderTest().advance(Duration.ofMinutes(1)); // the next window
    assertThat(space.acquire("k", 10)).isAllowed();
    late.refund(); // its window has reset: nothing to give back, and the new window is not credited
    assertThat(space.acquire("k", 1)).isRejected();
  }

  @Test
  default void aSlidingWindowRefundsIntoTheWindowItWasChargedIn() {
    KeySpace space = space("10/minute", Algorithm.SLIDING_WINDOW);
    Reservation r = space.reserve("k", 8);
    tickerUnderTest().advance(Duration.ofMinutes(1)); // next window, elapsed 0: the previous 8 weigh 8
    assertThat(space.acquire("k", 2)).isAllowed();
    assertThat(space.acquire("k", 1)).isRejected();
    r.settle(3); // 5 come off the previous window: 3 + 2 weigh 5
    assertThat(drain(space, "k")).isEqualTo(5);
    Reservation old = space.reserve("o", 5);
    tickerUnderTest().advance(Duration.ofMinutes(2)); // the window slid out
    assertThat(space.acquire("o", 10)).isAllowed();
    old.refund();
    assertThat(space.acquire("o", 1)).isRejected();
  }

  @Test
  default void aMovingWindowRefundTakesTheChargesOwnEntriesOffTheLog() {
    KeySpace space = space("10/minute", Algorithm.MOVING_WINDOW);
    assertThat(space.acquire("k", 3)).isAllowed(); // logged at 0 s
    tickerUnderTest().advance(Duration.ofSeconds(20));
    Reservation r = space.reserve("k", 7); // logged at 20 s
    tickerUnderTest().advance(Duration.ofSeconds(10));
    r.settle(2); // 5 of the entries at 20 s come off; 3 at 0 s and 2 at 20 s remain
    Decision d = space.acquire("k", 5);
    assertThat(d).isAllowed().hasRemaining(0);
    tickerUnderTest().advance(Duration.ofSeconds(30)); // 60 s: the 3 entries at 0 s age out, exactly
    assertThat(space.acquire("k", 4)).isRejected().hasRemaining(3);
    assertThat(drain(space, "k")).isEqualTo(3);
    Reservation old = space.reserve("o", 5);
    tickerUnderTest().advance(Duration.ofMinutes(1)); // its entries aged out: nothing to give back
    assertThat(space.acquire("o", 10)).isAllowed();
    old.refund();
    assertThat(space.acquire("o", 1)).isRejected();
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void allLimitsOfAPolicySettleTogether(Algorithm algorithm) {
    KeySpace space = space("5/second; 8/minute", algorithm);
    Reservation r = space.reserve("k", 5);
    assertThat(space.acquire("k", 1)).isRejected();
    r.settle(1);
    Decision d = space.acquire("k", 4);
    assertThat(d).isAllowed();
    assertThat(d.limitStates()).extracting(Decision.LimitState::remaining).containsExactly(0L, 3L);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aViewSettlesUnderItsOwnLimits(Algorithm algorithm) {
    LimitPolicy base = uniquePolicy("10/minute", algorithm);
    KeySpace space = storeUnderTest().keySpace(base);
    KeySpace lowered = space.view(base.toBuilder().limits("4/minute").build());
    Reservation r = lowered.reserve("k", 4);
    assertThat(r.policy().limits().get(0).permits()).isEqualTo(4);
    assertThat(lowered.acquire("k", 1)).isRejected();
    r.settle(1);
    assertThat(drain(lowered, "k")).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void onlyTheFirstSettlementCounts(Algorithm algorithm) {
    KeySpace space = space("10/minute", algorithm);
    Reservation r = space.reserve("k", 5);
    assertThat(r.refund()).isTrue();
    assertThat(r.refund()).isFalse();
    assertThat(r.settle(9)).isFalse();
    assertThat(r.settled()).isTrue();
    space.acquire("k", 10);
    assertThat(space.acquire("k", 1)).isRejected();
    assertThat(r.commit()).isFalse();
    assertThatThrownBy(() -> space.reserve("x", 1).settle(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aRejectedReservationTookNothingAndSettlesAsANoOp(Algorithm algorithm) {
    KeySpace space = space("10/minute", algorithm);
    space.acquire("k", 8);
    Reservation r = space.reserve("k", 5);
    assertThat(r.allowed()).isFalse();
    assertThat(r.taken()).isFalse();
    r.settle(0);
    assertThat(drain(space, "k")).isEqualTo(2);
    Reservation never = space.reserve("n", 11);
    assertThat(never.decision().retryAfterNanos()).isEqualTo(Decision.NEVER);
    never.settle(11);
    assertThat(drain(space, "n")).isEqualTo(10);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aRefundOfAnExpiredKeyIsANoOpAndAnExtraChargeStillApplies(Algorithm algorithm) {
    KeySpace space = space("10/minute", algorithm);
    Reservation refunded = space.reserve("k", 3);
    Reservation charged = space.reserve("c", 1);
    tickerUnderTest().advance(Duration.ofMinutes(3)); // full again, so the state may be dropped
    storeUnderTest().cleanUp();
    refunded.refund();
    assertThat(drain(space, "k")).isEqualTo(10);
    charged.settle(4);
    assertThat(drain(space, "c")).isEqualTo(7);
  }

  /**
   * 64 threads on one key, each doing reservations of 3 settled to 0..3 and plain acquisitions of 1, with the clock
   * standing still: what was admitted, net of refunds, plus what is left is exactly the capacity (a refund lost or
   * applied twice, or a charge lost to a concurrent settlement, would show).
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void hammerMixingRefundsAndPlainAcquisitionsKeepsExactTotals(Algorithm algorithm) throws Exception {
    hammer(algorithm, "300/minute", 3, false);
  }

  /**
   * 64 threads on one key settling reservations to more and to less than reserved, on a limit large enough never to
   * empty: the permits left are exactly the capacity minus the sum of the actual costs.
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void hammerMixingExtraChargesAndRefundsKeepsExactTotals(Algorithm algorithm) throws Exception {
    hammer(algorithm, "5000/minute", 2, true);
  }

  private void hammer(Algorithm algorithm, String spec, int reserved, boolean extra) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      for (int repetition = 0; repetition < 5; repetition++) {
        KeySpace space = space(spec, algorithm);
        long capacity = space.policy().limits().get(0).permits();
        String key = "settle-hammer-" + repetition;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong net = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 64; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 8; i++) {
              if ((thread + i) % 3 == 0) {
                if (space.acquire(key, 1).allowed()) {
                  net.addAndGet(1);
                }
                continue;
              }
              Reservation r = space.reserve(key, reserved);
              if (r.allowed()) {
                long actual = extra ? (thread + i) % 5 : (thread * 7 + i) % (reserved + 1);
                r.settle(actual);
                net.addAndGet(actual);
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(120, TimeUnit.SECONDS);
        }
        long left = drain(space, key);
        assertThat(net.get() + left).as("admitted net of settlements plus what is left, repetition %d", repetition)
            .isEqualTo(capacity);
        if (!extra) {
          assertThat(net.get()).isLessThanOrEqualTo(capacity);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
