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
 * limits, their fast path, and expiry that keeps state as long as the slowest view needs it. Also: for a cost of 1,
 * a rejection's refill-after equals its retry-after under every algorithm (random histories with lowered views and a
 * clock going backwards); a quiet exhausted client stays exhausted through a flood of {@link #floodKeys()} new keys;
 * a millisecond window works after more than 2^31 idle windows; fast rates whose interval has a remainder refill
 * within 0.01% of their limit; state belongs to the policy name and the shape of its limits (same shape carries
 * over, another shape starts fresh); and a 64-thread hammer through {@code tryAcquire}, bound limiters and key
 * handles with a moving clock and concurrent clean-up admits exactly the capacity. Reservations and settlement are
 * in {@link SettlementContract}, waiting for permits in {@link PacingContract}, and a request's several policies
 * taken all or nothing in {@link MultiReserveContract}, and the same without blocking in {@link AsyncReserveContract}.
 */
public abstract class RateLimitStoreContract implements SettlementContract, PacingContract, MultiReserveContract,
    AsyncReserveContract {

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

  @Override
  public RateLimitStore storeUnderTest() {
    return store;
  }

  @Override
  public ManualTicker tickerUnderTest() {
    return ticker;
  }

  @Override
  public LimitPolicy uniquePolicy(String spec, Algorithm algorithm) {
    return policy(spec, algorithm);
  }

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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void extremeRatesWork(Algorithm algorithm) {
    LimitPolicy perDay = policy("1/day", algorithm);
    assertThat(acquire(perDay, "k", 1)).isAllowed();
    Decision rejected = acquire(perDay, "k", 1);
    assertThat(rejected).isRejected();
    assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofDays(2));

    // a moving window logs every permit, so its fastest rate is its largest log per second
    long most = algorithm == Algorithm.MOVING_WINDOW ? Algorithm.MOVING_WINDOW_MAX_PERMITS : 1_000_000_000;
    LimitPolicy perNano = policy(most + "/second", algorithm);
    assertThat(acquire(perNano, "k", most)).isAllowed().hasRemaining(0);
    Decision empty = acquire(perNano, "k", 1);
    assertThat(empty).isRejected();
    ticker.advanceNanos(empty.retryAfterNanos());
    assertThat(acquire(perNano, "k", 1)).isAllowed();
  }

  // ---- limits and costs ------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void aRejectedCostChargesNothing(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    assertThat(acquire(policy, "k", 4)).isAllowed().hasRemaining(6);
    assertThat(acquire(policy, "k", 7)).isRejected().hasRemaining(6);
    assertThat(acquire(policy, "k", 6)).isAllowed().hasRemaining(0);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void aCostAboveTheCapacityNeverSucceedsAndChargesNothing(Algorithm algorithm) {
    LimitPolicy policy = policy("10/minute", algorithm);
    assertThat(acquire(policy, "k", 11)).isRejected().neverSucceeds().hasRemaining(10);
    assertThat(acquire(policy, "k", 10)).isAllowed().hasRemaining(0);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
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
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void viewsDecideWithTheirLimitsOnTheSharedState(Algorithm algorithm) {
    LimitPolicy base = policy("10/minute", algorithm);
    KeySpace space = store.keySpace(base);
    assertThat(space.view(base)).isSameAs(space);
    KeySpace doubled = space.view(base.withLimits(LimitSpec.parse("20/minute")));
    KeySpace halved = space.view(base.scaled(0.5));
    assertThat(doubled.policy().spec()).isEqualTo(LimitSpec.parse("20/minute"));
    assertThat(admitted(base, "k", 10)).isEqualTo(10);

    // a token bucket keeps a debt of one full period (none left under any rate with that period); windows keep the
    // count of 10, so 10 of 20 are left; a moving window's log holds the base's 10 timestamps and proves no more
    int expected = algorithm == Algorithm.TOKEN_BUCKET || algorithm == Algorithm.MOVING_WINDOW ? 0 : 10;
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
  // ---- refill rule, floods, long idle, extreme rates, state identity (issue 12) ----------------------------------

  /**
   * The number of distinct cold keys the flood test sends; stores bounded by a number of keys should be built with a
   * bound well below it (the local stores' contract tests use 10,000) so that the flood forces evictions.
   *
   * @return the number of keys in the flood
   */
  protected int floodKeys() {
    return 30_000;
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void refillAfterEqualsRetryAfterForACostOfOneWhenRejected(Algorithm algorithm) {
    // the worked example of the sliding window: 1 request at 30 s, 9 at 60 s, probe at 90 s
    LimitPolicy example = policy("10/minute", algorithm);
    ticker.advance(Duration.ofSeconds(30));
    assertThat(acquire(example, "example", 1)).isAllowed();
    ticker.advance(Duration.ofSeconds(30));
    assertThat(admitted(example, "example", 9)).isEqualTo(9);
    ticker.advance(Duration.ofSeconds(30));
    Decision probe = acquire(example, "example", 1);
    if (probe.rejected()) {
      assertThat(probe.refillAfterNanos()).as("refillAfter of %s", probe).isEqualTo(probe.retryAfterNanos());
      ticker.advanceNanos(probe.retryAfterNanos() - 1);
      assertThat(acquire(example, "example", 1)).isRejected();
      ticker.advanceNanos(1);
      assertThat(acquire(example, "example", 1)).isAllowed();
    }

    // random histories: one and two limits, the base and a lowered view, a clock that sometimes goes backwards
    for (String spec : List.of("10/minute", "3/second; 20/minute", "7/10 seconds")) {
      LimitPolicy base = policy(spec, algorithm);
      KeySpace space = store.keySpace(base);
      KeySpace lowered = space.view(base.scaled(0.5));
      java.util.Random random = new java.util.Random(spec.hashCode() * 31L + algorithm.ordinal());
      int rejections = 0;
      for (int step = 0; step < 600; step++) {
        int r = random.nextInt(100);
        if (r < 30) {
          ticker.advance(Duration.ofMillis(random.nextInt(1000)));
        } else if (r < 33) {
          ticker.advance(Duration.ofMillis(-random.nextInt(2000)));
        }
        KeySpace via = random.nextInt(4) == 0 ? lowered : space;
        String key = "refill-" + random.nextInt(3);
        Decision d = via.acquire(key, 1);
        if (d.rejected()) {
          rejections++;
          assertThat(d.refillAfterNanos()).as("refillAfter at step %d of %s (%s): %s", step, spec, via.policy(), d)
              .isEqualTo(d.retryAfterNanos());
        }
      }
      assertThat(rejections).as("rejections in the history of %s", spec).isGreaterThan(50);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void aQuietExhaustedKeyStaysExhaustedThroughAFloodOfNewKeys(Algorithm algorithm) {
    LimitPolicy hot = policy("10/minute", algorithm);
    LimitPolicy daily = policy("100/day", algorithm);
    ticker.advance(Duration.ofSeconds(1));
    assertThat(admitted(hot, "victim", 10)).isEqualTo(10);
    int flood = floodKeys();
    for (int i = 0; i < flood; i++) {
      // cold keys of the same policy and of a slower one (whose keys stay longer before they are full again)
      acquire(i % 2 == 0 ? hot : daily, "flood-" + i, 1);
      if (i % 1000 == 999) {
        ticker.advance(Duration.ofMillis(10)); // the whole flood takes well under one refill of the victim
      }
    }
    Decision probe = acquire(hot, "victim", 1);
    assertThat(probe).as("the exhausted client after %d new keys", flood).isRejected().hasRemaining(0);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void aMillisecondWindowWorksAfterMoreThanTwoToTheThirtyOneIdleWindows(Algorithm algorithm) {
    LimitPolicy policy = policy("5/millisecond", algorithm);
    for (long idle : new long[] {(1L << 31) + 3, 1L << 32, (1L << 32) + (1L << 31) + 1}) {
      assertThat(admitted(policy, "k", 6)).isEqualTo(5);
      ticker.advance(Duration.ofMillis(idle)); // 24.9, 49.7 and 74.6 days
      Decision first = acquire(policy, "k", 1);
      assertThat(first).as("after %d idle windows", idle).isAllowed().hasRemaining(4);
      assertThat(admitted(policy, "k", 5)).isEqualTo(4);
      ticker.advance(Duration.ofMillis(3));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void nonDivisibleExtremeRatesAdmitWithinAHundredthOfAPercent(Algorithm algorithm) {
    List<String> specs = algorithm == Algorithm.MOVING_WINDOW ? List.of("9999/second", "7000/second", "3333/second")
        : List.of("999999999/second", "700000000/second", "333333333/second");
    for (String spec : specs) {
      LimitPolicy policy = policy(spec, algorithm);
      long rate = policy.limits().get(0).permits();
      ticker.advance(Duration.ofMillis(250));
      assertThat(acquire(policy, "k", rate)).as(spec).isAllowed().hasRemaining(0);
      assertThat(acquire(policy, "k", 1)).as(spec).isRejected();
      if (algorithm != Algorithm.TOKEN_BUCKET) {
        continue; // windows count whole requests: exact by construction, and nothing comes back within the window
      }
      ticker.advance(Duration.ofMillis(1));
      long refilled = rate / 1000; // permits due in 1 ms, rounded down
      Decision one = acquire(policy, "k", 1);
      assertThat(one).as(spec).isAllowed();
      long available = one.remaining() + 1;
      assertThat(available).as("permits refilled in 1 ms under %s", spec)
          .isLessThanOrEqualTo(refilled).isGreaterThanOrEqualTo(refilled - refilled / 10_000);
      assertThat(acquire(policy, "k", one.remaining() + 1)).as(spec).isRejected();
      assertThat(acquire(policy, "k", one.remaining())).as(spec).isAllowed().hasRemaining(0);
      assertThat(acquire(policy, "k", 1)).as(spec).isRejected();
    }
    if (algorithm == Algorithm.TOKEN_BUCKET) {
      // a step level at 70% of an exact rate decides on the same state, at its own rate within 0.01%
      LimitPolicy base = policy("1000000000/second", algorithm);
      KeySpace level = store.keySpace(base).view(base.scaled(0.7));
      assertThat(level.acquire("k", 700_000_000)).isAllowed().hasRemaining(0);
      ticker.advance(Duration.ofMillis(1));
      Decision one = level.acquire("k", 1);
      assertThat(one).isAllowed();
      assertThat(one.remaining() + 1).as("permits refilled in 1 ms at 70% of 1000000000/second")
          .isLessThanOrEqualTo(700_000).isGreaterThanOrEqualTo(700_000 - 70);
    }
  }

  // ---- concurrency limits ----------------------------------------------------------------------------------------

  @Test
  void aConcurrencyLimitHoldsAtMostItsPermitsInFlightUnderSixtyFourThreads() throws Exception {
    LimitPolicy policy = policy("5 concurrent", Algorithm.CONCURRENCY);
    KeySpace space = store.keySpace(policy);
    ExecutorService pool = Executors.newFixedThreadPool(64);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger calls = new AtomicInteger();
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> threads = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        threads.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 20; i++) {
            io.limiter.core.Reservation permit = space.reserve("k", 1);
            if (permit.allowed()) {
              most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              calls.incrementAndGet();
              Thread.yield(); // the call
              inFlight.decrementAndGet();
              permit.refund(); // the call ended: its permit goes back
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : threads) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(most.get()).as("calls in flight at once").isBetween(1, 5);
    assertThat(calls.get()).isGreaterThanOrEqualTo(5);
    // every permit came back, none twice: exactly 5 can be in flight now
    for (int i = 0; i < 5; i++) {
      assertThat(space.reserve("k", 1).decision()).isAllowed().hasRemaining(4 - i);
    }
    assertThat(space.reserve("k", 1).decision()).isRejected().hasRemaining(0);
  }

  @Test
  void aConcurrencyPermitThatIsNotReturnedComesBackWhenItsLeaseRunsOut() {
    LimitPolicy policy = policy("2 concurrent lease 30 seconds", Algorithm.CONCURRENCY);
    KeySpace space = store.keySpace(policy);
    io.limiter.core.Reservation lost = space.reserve("k", 1); // its call never reports back
    io.limiter.core.Reservation first = space.reserve("k", 1);
    assertThat(space.reserve("k", 1).decision()).isRejected();
    ticker.advance(Duration.ofSeconds(10));
    assertThat(first.refund()).isTrue();
    io.limiter.core.Reservation second = space.reserve("k", 1);
    assertThat(second.decision()).isAllowed().hasRemaining(0);
    ticker.advance(Duration.ofSeconds(20)); // 30 s: the lost lease runs out
    io.limiter.core.Reservation third = space.reserve("k", 1);
    assertThat(third.decision()).isAllowed().hasRemaining(0);
    lost.refund(); // too late: it returned itself, and gives nothing back twice
    assertThat(space.reserve("k", 1).decision()).isRejected().hasRemaining(0);
    second.refund();
    third.refund();
    assertThat(space.reserve("k", 2).decision()).isAllowed().hasRemaining(0);
  }

  // ---- moving window ---------------------------------------------------------------------------------------------

  @Test
  void aMovingWindowCountsExactlyThePermitsOfThePastPeriod() {
    LimitPolicy policy = policy("10/minute", Algorithm.MOVING_WINDOW);
    ticker.advance(Duration.ofMillis(59_900)); // 0:59.9
    assertThat(admitted(policy, "k", 4)).isEqualTo(4);
    ticker.advance(Duration.ofMillis(200)); // 1:00.1: no edge, the 4 still count
    assertThat(admitted(policy, "k", 10)).isEqualTo(6);
    Decision rejected = acquire(policy, "k", 1);
    assertThat(rejected).isRejected().hasRemaining(0);
    assertThat(rejected.retryAfterNanos()).isEqualTo(Duration.ofMillis(59_800).toNanos()); // until 1:59.9
    assertThat(rejected.refillAfterNanos()).isEqualTo(Duration.ofMillis(59_800).toNanos());
    assertThat(rejected.resetAfterNanos()).isEqualTo(Duration.ofSeconds(60).toNanos()); // until 2:00.1
    Decision five = acquire(policy, "k", 5); // 5 need the 5 oldest entries gone: the last of them at 1:00.1
    assertThat(five.retryAfterNanos()).isEqualTo(Duration.ofSeconds(60).toNanos());
    ticker.advanceNanos(rejected.retryAfterNanos() - 1);
    assertThat(acquire(policy, "k", 1)).isRejected();
    ticker.advanceNanos(1);
    assertThat(acquire(policy, "k", 4)).isAllowed().hasRemaining(0);
  }

  @Test
  void aMovingWindowLogsAtMostItsDocumentedMaximum() {
    LimitPolicy largest = policy(Algorithm.MOVING_WINDOW_MAX_PERMITS + "/hour", Algorithm.MOVING_WINDOW);
    for (int i = 0; i < Algorithm.MOVING_WINDOW_MAX_PERMITS / 100; i++) {
      assertThat(acquire(largest, "k", 100)).isAllowed();
      ticker.advance(Duration.ofMillis(300));
    }
    Decision full = acquire(largest, "k", 1);
    assertThat(full).isRejected();
    assertThat(full.retryAfterNanos()).isEqualTo(Duration.ofMillis(3_600_000 - 100 * 300).toNanos());
    assertThatThrownBy(() -> policy((Algorithm.MOVING_WINDOW_MAX_PERMITS + 1) + "/hour", Algorithm.MOVING_WINDOW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("allows 10001 permits per window, more than the 10000 timestamps MOVING_WINDOW logs");
  }

  @Test
  void aMovingWindowViewAboveThePolicysOwnLimitAdmitsAtMostTheLog() {
    LimitPolicy base = policy("5/minute", Algorithm.MOVING_WINDOW);
    KeySpace space = store.keySpace(base);
    KeySpace lower = space.view(base.toBuilder().limits("3/minute").build());
    KeySpace higher = space.view(base.toBuilder().limits("8/minute").build());
    assertThat(lower.acquire("k", 2)).isAllowed().hasRemaining(1);
    assertThat(space.acquire("k", 2)).isAllowed().hasRemaining(1);
    assertThat(lower.acquire("k", 1)).isRejected().hasRemaining(0);
    assertThat(higher.acquire("k", 1)).isAllowed();
    assertThat(higher.acquire("k", 1)).isRejected();
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void stateBelongsToThePolicyNameAndTheShapeOfItsLimits(Algorithm algorithm) {
    String name = "shape-" + POLICY_IDS.incrementAndGet();
    LimitPolicy original = LimitPolicy.builder(name).limits("5/second; 10/hour").algorithm(algorithm).build();
    ticker.advance(Duration.ofSeconds(30));
    assertThat(acquire(original, "k", 5)).isAllowed();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(acquire(original, "k", 5)).isAllowed();
    ticker.advance(Duration.ofSeconds(2)); // the per-second limit is full again under every algorithm
    assertThat(acquire(original, "k", 1)).isRejected().isDecidedBy(original.limits().get(1));

    // same shape: cost, shadow, failure mode, the order of the limits and their counts change nothing of the state
    List<LimitPolicy> sameShape = List.of(
        original.toBuilder().cost(2).build(),
        original.toBuilder().shadow(true).build(),
        original.toBuilder().failureMode(io.limiter.core.FailureMode.FAIL_CLOSED).build(),
        original.toBuilder().limits("10/hour; 5/second").build(),
        original.toBuilder().limits("6/second; 9/hour").build());
    for (LimitPolicy changed : sameShape) {
      Decision d = acquire(changed, "k", 1);
      assertThat(d.overLimit()).as("same shape %s keeps the exhausted state: %s", changed, d).isTrue();
      assertThat(d.retryAfter()).as("wait under %s", changed).isPositive()
          .isLessThanOrEqualTo(Duration.ofHours(2));
    }

    // a lowered limit of the same shape: never a wait longer than the new limit's own worst case
    LimitPolicy burst = LimitPolicy.builder(name + "-burst").limits("10/minute burst 100").build();
    assertThat(acquire(burst, "b", 100)).isAllowed();
    Decision lowered = acquire(burst.toBuilder().limits("10/minute").build(), "b", 1);
    assertThat(lowered).isRejected();
    assertThat(lowered.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));

    // another shape: the client starts fresh, whatever the old state was
    List<LimitPolicy> otherShapes = new ArrayList<>(List.of(
        original.toBuilder().limits("5/second; 10/day").build(),
        original.toBuilder().limits("10/hour").build(),
        original.toBuilder().limits("5/second; 10/hour; 100/day").build()));
    for (Algorithm other : Algorithm.values()) {
      if (other != algorithm && other != Algorithm.CONCURRENCY) {
        otherShapes.add(original.toBuilder().algorithm(other).build());
      }
    }
    for (LimitPolicy changed : otherShapes) {
      Decision d = acquire(changed, "k", 1);
      assertThat(d).as("another shape %s starts fresh", changed).isAllowed();
      assertThat(d.remaining()).isEqualTo(changed.limits().stream().mapToLong(Limit::burst).min().orElseThrow() - 1);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void hammerThroughEveryEntryPointWithAMovingClockAndConcurrentCleanUpAdmitsExactlyTheCapacity(
      Algorithm algorithm) throws Exception {
    LimitPolicy policy = policy("100/minute", algorithm);
    io.limiter.core.RateLimiter limiter = io.limiter.core.RateLimiter.of(policy, store);
    KeySpace space = store.keySpace(policy);
    ticker.advance(Duration.ofSeconds(20)); // inside a window: the clock moves less than a millisecond below
    ExecutorService pool = Executors.newFixedThreadPool(66);
    try {
      for (int repetition = 0; repetition < 10; repetition++) {
        String key = "entry-" + repetition;
        io.limiter.core.BoundLimiter bound = limiter.forKey(key);
        KeySpace.KeyHandle handle = space.handle(key);
        CountDownLatch start = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger admitted = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 64; t++) {
          int kind = t % 4;
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 4; i++) {
              boolean ok = switch (kind) {
                case 0 -> space.tryAcquire(key, 1);
                case 1 -> bound.tryAcquire(1);
                case 2 -> handle.tryAcquire(1);
                default -> (i % 2 == 0 ? handle.acquire(1) : bound.acquire(1)).allowed();
              };
              if (ok) {
                admitted.incrementAndGet();
              }
            }
            return null;
          }));
        }
        Future<?> mover = pool.submit(() -> {
          start.await();
          for (int i = 0; i < 500 && !done.get(); i++) {
            ticker.advanceNanos(1_000); // 0.5 ms in all: no permit comes back under 100/minute
            Thread.yield();
          }
          return null;
        });
        Future<?> cleaner = pool.submit(() -> {
          start.await();
          while (!done.get()) {
            store.cleanUp();
            Thread.yield();
          }
          return null;
        });
        start.countDown();
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
        done.set(true);
        mover.get(60, TimeUnit.SECONDS);
        cleaner.get(60, TimeUnit.SECONDS);
        assertThat(admitted.get()).as("admitted in repetition %d", repetition).isEqualTo(100);
        ticker.advance(Duration.ofMillis(5));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
