package io.limiter.test;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The behaviour every {@link RateLimitStore} must show, as a JUnit 5 suite: extend it, implement
 * {@link #createStore(ManualTicker)}, and every test here runs against your store.
 *
 * <p>The store must take its time from the given ticker (remote stores: in a test mode that passes the ticker's time
 * instead of the server's). Time starts at {@link #START} (a UTC midnight, in nanoseconds since the epoch), so fixed
 * windows start with the test. Stores may have a coarser clock than nanoseconds (Redis uses microseconds) as long as
 * they floor the time and round retry-after up to their resolution; the exactness tests then still hold.
 *
 * <p>What is covered: exact admission under a 64-thread hammer (20 repetitions), parallel first touch of new keys,
 * refill at the exact nanosecond of retry-after, fractional refill carried forward, atomic multi-limit decisions, cost
 * handling, a clock going backwards (and charges made meanwhile), long idle and huge jumps, extreme rates, lossless expiry, key and policy
 * isolation, async decisions, decisions with changed (step-level) limits on kept state, and key-space views: their
 * limits, their fast path, and expiry that keeps state as long as the slowest view needs it.
 */
public abstract class RateLimitStoreContract {

  /** 2023-11-14T00:00:00Z in nanoseconds since the epoch: the tests' starting time. */
  public static final long START = 1_699_920_000L * 1_000_000_000L;

  private static final AtomicInteger POLICY_IDS = new AtomicInteger();

  /** The clock the store under test must read. */
  protected ManualTicker ticker;
  /** The store under test, new for each test. */
  protected RateLimitStore store;

  /**
   * Creates a new, empty store that reads time from {@code ticker}.
   *
   * @param ticker the clock to use
   * @return the store under test
   */
  protected abstract RateLimitStore createStore(ManualTicker ticker);

  @BeforeEach
  void createStoreUnderTest() {
    ticker = new ManualTicker(START);
    store = createStore(ticker);
  }

  @AfterEach
  void closeStoreUnderTest() {
    store.close();
  }

  /**
   * Returns a policy with a name unique in this JVM, so that stores shared between tests never mix state.
   *
   * @param spec the rate spec
   * @param algorithm the algorithm
   * @return the policy
   */
  protected static LimitPolicy policy(String spec, Algorithm algorithm) {
    return LimitPolicy.builder("contract-" + POLICY_IDS.incrementAndGet()).limits(spec).algorithm(algorithm).build();
  }

  private Decision acquire(LimitPolicy policy, String key, long permits) {
    return store.acquire(key, policy, permits);
  }

  private int admitted(LimitPolicy policy, String key, int attempts) {
    int admitted = 0;
    for (int i = 0; i < attempts; i++) {
      if (acquire(policy, key, 1).allowed()) {
        admitted++;
      }
    }
    return admitted;
  }

  // ---- concurrency ---------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void hammerOfSixtyFourThreadsAdmitsExactlyTheCapacity(Algorithm algorithm) throws Exception {
    LimitPolicy policy = policy("100/minute", algorithm);
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      for (int repetition = 0; repetition < 20; repetition++) {
        String key = "hammer-" + repetition;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 64; t++) {
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 4; i++) {
              if (acquire(policy, key, 1).allowed()) {
                admitted.incrementAndGet();
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
        assertThat(admitted.get()).as("admitted in repetition %d", repetition).isEqualTo(100);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parallelFirstTouchOfNewKeysCreatesOneBucketEach() throws Exception {
    LimitPolicy policy = policy("10/minute", Algorithm.TOKEN_BUCKET);
    int keys = 16;
    AtomicInteger[] admitted = new AtomicInteger[keys];
    for (int k = 0; k < keys; k++) {
      admitted[k] = new AtomicInteger();
    }
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 32; t++) {
        int seed = t;
        futures.add(pool.submit(() -> {
          List<Integer> order = new ArrayList<>();
          for (int k = 0; k < keys; k++) {
            order.add(k);
          }
          Collections.shuffle(order, new java.util.Random(seed));
          start.await();
          for (int k : order) {
            if (acquire(policy, "first-touch-" + k, 1).allowed()) {
              admitted[k].incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int k = 0; k < keys; k++) {
      assertThat(admitted[k].get()).as("admitted for key %d", k).isEqualTo(10);
    }
  }

  // ---- time ------------------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void retryAfterIsExactToTheNanosecond(Algorithm algorithm) {
    LimitPolicy policy = policy("10/second", algorithm);
    ticker.advance(Duration.ofMillis(250)); // inside a window, so window algorithms show their edge
    assertThat(admitted(policy, "k", 10)).isEqualTo(10);
    Decision rejected = acquire(policy, "k", 1);
    assertThat(rejected).isRejected();
    long retry = rejected.retryAfterNanos();
    assertThat(retry).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());

    ticker.advanceNanos(retry - 1);
    assertThat(acquire(policy, "k", 1)).isRejected();
    ticker.advanceNanos(1);
    assertThat(acquire(policy, "k", 1)).isAllowed();
  }

  @Test
  void retryAfterIsExactForACostOfSeveralPermits() {
    LimitPolicy policy = policy("10/second", Algorithm.TOKEN_BUCKET);
    assertThat(acquire(policy, "k", 10)).isAllowed().hasRemaining(0);
    assertThat(acquire(policy, "k", 3)).isRejected().hasRetryAfter(Duration.ofMillis(300));
    ticker.advanceNanos(Duration.ofMillis(300).toNanos() - 1);
    assertThat(acquire(policy, "k", 3)).isRejected();
    ticker.advanceNanos(1);
    assertThat(acquire(policy, "k", 3)).isAllowed().hasRemaining(0);
  }

  @Test
  void fractionalRefillIsCarriedForward() {
    LimitPolicy policy = policy("3 per 10 seconds", Algorithm.TOKEN_BUCKET);
    assertThat(admitted(policy, "k", 3)).isEqualTo(3);
    ticker.advance(Duration.ofSeconds(5)); // 1.5 permits refilled
    assertThat(acquire(policy, "k", 1)).isAllowed();
    // the remaining half permit carries over: the next one is due 6.67 s after the start, not 8.33 s
    ticker.advance(Duration.ofMillis(1600));
    assertThat(acquire(policy, "k", 1)).isRejected();
    ticker.advance(Duration.ofMillis(100));
    assertThat(acquire(policy, "k", 1)).isAllowed();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void clockGoingBackwardsNeverRefills(Algorithm algorithm) {
    LimitPolicy policy = policy("5/minute", algorithm);
    ticker.advance(Duration.ofSeconds(30));
    assertThat(admitted(policy, "k", 5)).isEqualTo(5);
    ticker.advance(Duration.ofHours(-1));
    assertThat(acquire(policy, "k", 1)).isRejected();
    ticker.advance(Duration.ofMinutes(30));
    assertThat(acquire(policy, "k", 1)).isRejected();
    ticker.advance(Duration.ofMinutes(30));
    Decision back = acquire(policy, "k", 1);
    assertThat(back).isRejected();
    ticker.advanceNanos(back.retryAfterNanos());
    assertThat(acquire(policy, "k", 1)).isAllowed();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void chargesWhileTheClockIsBehindStillCount(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    ticker.advance(Duration.ofSeconds(30));
    assertThat(admitted(policy, "k", 4)).isEqualTo(4);
    ticker.advance(Duration.ofSeconds(-45)); // back into the previous window
    int behind = admitted(policy, "k", 10);
    assertThat(behind).as("admitted while the clock is behind").isLessThanOrEqualTo(6);
    ticker.advance(Duration.ofSeconds(45)); // back where the 4 were charged
    assertThat(admitted(policy, "k", 10)).as("the charges made while behind still count").isEqualTo(6 - behind);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void longIdleAndHugeJumpsDoNotOverflow(Algorithm algorithm) {
    LimitPolicy policy = policy("5/minute", algorithm);
    assertThat(admitted(policy, "k", 6)).isEqualTo(5);
    ticker.advance(Duration.ofHours(12));
    assertThat(admitted(policy, "k", 6)).isEqualTo(5);
    ticker.advance(Duration.ofDays(36_500)); // 100 years
    assertThat(admitted(policy, "k", 6)).isEqualTo(5);
    Decision rejected = acquire(policy, "k", 1);
    assertThat(rejected).isRejected();
    assertThat(rejected.retryAfterNanos()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(2).toNanos());
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void extremeRatesWork(Algorithm algorithm) {
    LimitPolicy perDay = policy("1/day", algorithm);
    assertThat(acquire(perDay, "k", 1)).isAllowed();
    Decision rejected = acquire(perDay, "k", 1);
    assertThat(rejected).isRejected();
    assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofDays(2));

    LimitPolicy perNano = policy("1000000000/second", algorithm);
    assertThat(acquire(perNano, "k", 1_000_000_000)).isAllowed().hasRemaining(0);
    Decision empty = acquire(perNano, "k", 1);
    assertThat(empty).isRejected();
    ticker.advanceNanos(empty.retryAfterNanos());
    assertThat(acquire(perNano, "k", 1)).isAllowed();
  }

  // ---- limits and costs ------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void allLimitsOfAPolicyAreDecidedAndChargedAtomically(Algorithm algorithm) {
    LimitPolicy policy = policy("5/second; 6/minute", algorithm);
    Limit perSecond = policy.limits().get(0);
    Limit perMinute = policy.limits().get(1);
    assertThat(admitted(policy, "k", 5)).isEqualTo(5);
    // rejected by the per-second limit: must not charge the per-minute one
    assertThat(acquire(policy, "k", 1)).isRejected().isDecidedBy(perSecond);
    assertThat(acquire(policy, "k", 1)).isRejected();
    ticker.advance(Duration.ofSeconds(2)); // the per-second limit is full again under every algorithm
    assertThat(acquire(policy, "k", 1)).isAllowed().isDecidedBy(perMinute).hasRemaining(0);
    // now rejected by the per-minute limit, which also forces the longer wait
    Decision rejected = acquire(policy, "k", 1);
    assertThat(rejected).isRejected().isDecidedBy(perMinute);
    assertThat(rejected.retryAfter()).isGreaterThan(Duration.ofSeconds(1));
    assertThat(rejected.limitStates()).hasSize(2);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aRejectedCostChargesNothing(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    assertThat(acquire(policy, "k", 4)).isAllowed().hasRemaining(6);
    assertThat(acquire(policy, "k", 7)).isRejected().hasRemaining(6);
    assertThat(acquire(policy, "k", 6)).isAllowed().hasRemaining(0);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aCostAboveTheCapacityNeverSucceedsAndChargesNothing(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    assertThat(acquire(policy, "k", 11)).isRejected().neverSucceeds().hasRemaining(10);
    assertThat(acquire(policy, "k", 10)).isAllowed().hasRemaining(0);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void remainingCountsDownAndNeverGoesNegative(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    for (int i = 9; i >= 0; i--) {
      assertThat(acquire(policy, "k", 1)).isAllowed().hasRemaining(i);
    }
    for (int i = 0; i < 5; i++) {
      Decision d = acquire(policy, "k", 1);
      assertThat(d).isRejected().hasRemaining(0);
      assertThat(d.resetAfter()).isPositive();
    }
  }

  // ---- keys and expiry -------------------------------------------------------------------------------------------

  @Test
  void keysAndPoliciesAreIsolated() {
    LimitPolicy a = policy("3/minute", Algorithm.TOKEN_BUCKET);
    LimitPolicy b = policy("3/minute", Algorithm.TOKEN_BUCKET);
    assertThat(admitted(a, "alice", 5)).isEqualTo(3);
    assertThat(admitted(a, "bob", 5)).isEqualTo(3);
    assertThat(admitted(b, "alice", 5)).isEqualTo(3);
    assertThat(admitted(a, "alice ", 5)).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void expiryIsLossless(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    assertThat(admitted(policy, "k", 10)).isEqualTo(10);
    ticker.advance(Duration.ofSeconds(30));
    store.cleanUp();
    Decision half = acquire(policy, "k", 10);
    assertThat(half).as("a key still refilling must keep its state through clean-up").isRejected();

    ticker.advance(Duration.ofMinutes(3)); // full again under every algorithm
    store.cleanUp();
    if (store.trackedKeys() >= 0) {
      assertThat(store.trackedKeys()).as("idle keys are dropped").isZero();
    }
    Decision fresh = acquire(policy, "never-seen", 1);
    Decision expired = acquire(policy, "k", 1);
    assertThat(expired).isAllowed().hasRemaining(fresh.remaining());
    assertThat(expired.resetAfter()).isEqualTo(fresh.resetAfter());
  }

  @Test
  void asyncDecisionsMatchSyncOnes() throws Exception {
    LimitPolicy policy = policy("2/minute", Algorithm.TOKEN_BUCKET);
    Decision first = store.keySpace(policy).acquireAsync("k", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(first).isAllowed().hasRemaining(1);
    assertThat(acquire(policy, "k", 1)).isAllowed().hasRemaining(0);
    Decision third = store.keySpace(policy).acquireAsync("k", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(third).isRejected().hasRetryAfter(Duration.ofSeconds(30));
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void changedLimitsDecideOnTheKeptState(Algorithm algorithm) {
    LimitPolicy base = policy("10/minute", algorithm);
    LimitPolicy doubled = base.withLimits(LimitSpec.parse("20/minute"));
    assertThat(admitted(base, "k", 10)).isEqualTo(10);
    Decision underDoubled = store.keySpace(base).acquire("k", 1, doubled);
    assertThat(underDoubled.policy()).isEqualTo(doubled);
    assertThat(underDoubled.remaining()).as("state is kept, not reset to a full bucket of 20").isLessThan(19);
    assertThat(store.keySpace(base).acquire("k", 1, base.scaled(0.5))).isRejected();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void viewsDecideWithTheirLimitsOnTheSharedState(Algorithm algorithm) {
    LimitPolicy base = policy("10/minute", algorithm);
    KeySpace space = store.keySpace(base);
    assertThat(space.view(base)).isSameAs(space);
    KeySpace doubled = space.view(base.withLimits(LimitSpec.parse("20/minute")));
    KeySpace halved = space.view(base.scaled(0.5));
    assertThat(doubled.policy().spec()).isEqualTo(LimitSpec.parse("20/minute"));
    assertThat(admitted(base, "k", 10)).isEqualTo(10);

    // a token bucket keeps a debt of one full period (none left under any rate with that period); windows keep the
    // count of 10, so 10 of 20 are left
    int expected = algorithm == Algorithm.TOKEN_BUCKET ? 0 : 10;
    int viaView = 0;
    for (int i = 0; i < 30; i++) {
      if (doubled.tryAcquire("k", 1)) {
        viaView++;
      }
    }
    assertThat(viaView).isEqualTo(expected);
    Decision underDoubled = doubled.acquire("k", 1);
    assertThat(underDoubled).isRejected();
    assertThat(underDoubled.policy().spec()).isEqualTo(LimitSpec.parse("20/minute"));
    assertThat(halved.acquire("k", 1)).isRejected();
    assertThat(admitted(base, "fresh", 1)).isEqualTo(1);
    assertThat(halved.acquire("other", 1)).isAllowed().hasRemaining(4);
  }

  @Test
  void expiryKeepsStateAsLongAsTheSlowestViewNeedsIt() {
    LimitPolicy base = policy("10/minute", Algorithm.TOKEN_BUCKET);
    KeySpace hourly = store.keySpace(base).view(base.withLimits(LimitSpec.parse("10/hour")));
    for (int i = 0; i < 10; i++) {
      assertThat(hourly.acquire("k", 1)).isAllowed();
    }
    ticker.advance(Duration.ofMinutes(2)); // twice the base policy's refill time
    store.cleanUp();
    // under 10/hour the debt is now 58 minutes: the next permit fits in 4 minutes
    assertThat(hourly.acquire("k", 1)).as("the state written under 10/hour must outlive the base's refill time")
        .isRejected().hasRetryAfter(Duration.ofMinutes(4));
  }

  @Test
  void incompatibleViewsAreRefused() {
    LimitPolicy base = policy("10/second; 100/minute", Algorithm.TOKEN_BUCKET);
    KeySpace space = store.keySpace(base);
    assertThatThrownBy(() -> space.view(base.withLimits(LimitSpec.parse("10/second"))))
        .isInstanceOf(IllegalArgumentException.class);
    LimitPolicy window = policy("10/minute", Algorithm.FIXED_WINDOW);
    assertThatThrownBy(() -> store.keySpace(window).view(window.withLimits(LimitSpec.parse("10/hour"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.keySpace(window).view(window.withLimits(LimitSpec.parse("99/minute"))).acquire("k", 1))
        .isAllowed().hasRemaining(98);
  }

  @Test
  void concurrentDecisionsOnManyKeysStayExact() throws Exception {
    LimitPolicy policy = policy("7/minute; 50/hour", Algorithm.TOKEN_BUCKET);
    int keys = 200;
    AtomicLong admitted = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 2 * keys; i++) {
            if (acquire(policy, "many-" + (i % keys), 1).allowed()) {
              admitted.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(admitted.get()).isEqualTo(7L * keys);
  }
}
