package io.limiter.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.ScheduledPermits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Warm-up ({@code "10/second warmup 2s"}, {@code Limit.withWarmup}): what every store that supports it must do, on
 * the test's {@link ManualTicker}. A store implements it next to {@link RateLimitStoreContract} (the three local
 * stores do; a store that does not warm up must refuse such a policy instead).
 *
 * <p>The timeline is Guava's {@code SmoothWarmingUp} with a cold factor of 3: for {@code 10/second burst 1 warmup 2s}
 * (interval {@code T} = 100 ms) a cold key admits back-to-back callers at 0, 290, 560, 810, 1040, 1250, 1440, 1610,
 * 1760, 1890 and 2000 ms (intervals 290, 270, ..., 110 ms: the trapezoid from {@code 3T} to {@code T}, whose area is
 * the warm-up period), then every 100 ms. {@link GuavaWarmingUp} is that arithmetic, transcribed; limiter-test's own
 * tests check it against Guava itself.
 *
 * <p>Covered: the cold ramp, exactly; full-rate use stays warm; idle cools the bucket down again (fully after the
 * warm-up period, partly before); a cold bucket's burst is smaller (64 threads at one instant get exactly the model's
 * count); waiting callers ({@link KeySpace#schedule}) get the ramp's slots; never faster than the full rate under
 * random traffic; adding a warm-up to a policy in use starts its keys cold.
 */
public interface WarmupContract {

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

  /** The admitted times (relative to the first) of {@code n} callers that retry exactly when told to. */
  private List<Long> backToBack(KeySpace space, String key, int n) {
    ManualTicker ticker = tickerUnderTest();
    long start = -1;
    List<Long> times = new ArrayList<>();
    while (times.size() < n) {
      Decision d = space.acquire(key, 1);
      if (d.allowed()) {
        if (start < 0) {
          start = ticker.read();
        }
        times.add(ticker.read() - start);
      } else {
        assertThat(d.retryAfterNanos()).isPositive();
        ticker.advanceNanos(d.retryAfterNanos());
      }
    }
    return times;
  }

  @Test
  default void aColdKeyRampsFromAThirdOfTheRateToTheFullRateOverTheWarmUp() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second burst 1 warmup 2s", Algorithm.TOKEN_BUCKET));
    List<Long> times = backToBack(space, "k", 40);
    long[] expected = GuavaWarmingUp.of(ms(100), ms(2000)).backToBack(40);
    for (int i = 0; i < times.size(); i++) {
      assertThat(times.get(i)).as("admission %d", i).isCloseTo(expected[i], Offset.offset(1000L));
    }
    assertThat(times.subList(0, 12)).containsExactly(0L, ms(290), ms(560), ms(810), ms(1040), ms(1250), ms(1440),
        ms(1610), ms(1760), ms(1890), ms(2000), ms(2100));
    for (int i = 11; i < times.size(); i++) {
      assertThat(times.get(i) - times.get(i - 1)).as("warm interval %d", i).isEqualTo(ms(100));
    }
  }

  @Test
  default void idleCoolsTheBucketDownAgainFullyAfterTheWarmUpPeriodAndPartlyBefore() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second burst 1 warmup 2s", Algorithm.TOKEN_BUCKET));
    ManualTicker ticker = tickerUnderTest();
    // warm after 15: 5 stored when the bucket is full again, 100 ms after the last admission
    backToBack(space, "k", 15);
    ticker.advance(Duration.ofMillis(100 + 500)); // 5 more stored: 10, the threshold, where the rate is the full one
    assertThat(backToBack(space, "k", 3)).containsExactly(0L, ms(100), ms(200));
    // 7 stored at the bucket's full time (10 - 3); 800 ms more make 15: an interval of (2.0 + 1.8) / 2 · T
    ticker.advance(Duration.ofMillis(100 + 800));
    assertThat(backToBack(space, "k", 2)).containsExactly(0L, ms(190));
    ticker.advance(Duration.ofMillis(2000 + 10_000)); // long idle: as cold as a new key
    assertThat(backToBack(space, "k", 3)).containsExactly(0L, ms(290), ms(560));
  }

  @Test
  default void aColdBucketAdmitsASmallerBurstExactlyUnderSixtyFourThreads() throws Exception {
    // burst 10: admitted while debt + T <= 1 s; the debts after each admission are 290, 560, 810, 1040 ms: 4 admitted
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second warmup 2s", Algorithm.TOKEN_BUCKET));
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return space.tryAcquire("k", 1);
        }));
      }
      start.countDown();
      int admitted = 0;
      for (Future<Boolean> f : results) {
        admitted += f.get(120, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(4);
    } finally {
      pool.shutdownNow();
    }
    // the same policy without a warm-up admits its whole burst
    KeySpace plain = storeUnderTest().keySpace(uniquePolicy("10/second", Algorithm.TOKEN_BUCKET));
    int admitted = 0;
    while (plain.tryAcquire("k", 1)) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(10);
  }

  @Test
  default void waitingCallersGetTheSlotsOfTheRamp() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("10/second burst 1 warmup 2s", Algorithm.TOKEN_BUCKET));
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ScheduledPermits slot = space.schedule("k", 1, ms(1000));
      if (slot.granted()) {
        waits.add(slot.waitNanos());
      } else {
        assertThat(slot.decision().retryAfterNanos()).isGreaterThan(ms(1000));
      }
    }
    // the fifth slot (1040 ms) is beyond the wait of a second
    assertThat(waits).containsExactly(0L, ms(290), ms(560), ms(810));
    // at 810 ms, the callers there find the slots after theirs as reserved
    tickerUnderTest().advanceNanos(ms(810));
    assertThat(space.schedule("k", 1, ms(1000)).waitNanos()).isEqualTo(ms(1040 - 810));
    assertThat(space.schedule("k", 1, ms(1000)).waitNanos()).isEqualTo(ms(1250 - 810));
  }

  @Test
  default void neverFasterThanTheFullRateUnderRandomTraffic() {
    KeySpace space = storeUnderTest().keySpace(uniquePolicy("20/second burst 5 warmup 3s", Algorithm.TOKEN_BUCKET));
    ManualTicker ticker = tickerUnderTest();
    Random random = new Random(19);
    long start = ticker.read();
    List<Long> admitted = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      ticker.advanceNanos(random.nextInt(4) == 0 ? ms(random.nextInt(2000)) : ms(random.nextInt(60)));
      long permits = 1 + random.nextInt(3);
      if (space.tryAcquire("k", permits)) {
        for (long p = 0; p < permits; p++) {
          admitted.add(ticker.read() - start);
        }
      }
    }
    // any window of w admits at most the burst plus w at the full rate (one per 50 ms)
    for (int i = 0; i < admitted.size(); i++) {
      for (int j = i; j < admitted.size() && admitted.get(j) - admitted.get(i) <= ms(3000); j++) {
        long window = admitted.get(j) - admitted.get(i);
        assertThat((long) (j - i + 1)).as("permits within %d ns", window).isLessThanOrEqualTo(5 + window / ms(50));
      }
    }
    assertThat(admitted).hasSizeGreaterThan(1000);
  }

  @Test
  default void addingAWarmUpToAPolicyInUseStartsItsKeysCold() {
    LimitPolicy plain = uniquePolicy("10/second burst 1", Algorithm.TOKEN_BUCKET);
    KeySpace before = storeUnderTest().keySpace(plain);
    assertThat(before.tryAcquire("k", 1)).isTrue();
    tickerUnderTest().advanceNanos(ms(100));
    LimitPolicy warming = LimitPolicy.builder(plain.name()).limits("10/second burst 1 warmup 2s").build();
    KeySpace after = storeUnderTest().keySpace(warming);
    assertThat(backToBack(after, "k", 3)).containsExactly(0L, ms(290), ms(560));
    // and a change of rate that keeps the warm-up keeps how warm the key is: 20/second from where 10/second left off
    LimitPolicy faster = LimitPolicy.builder(plain.name()).limits("20/second burst 1 warmup 2s").build();
    tickerUnderTest().advanceNanos(ms(250)); // the third admission's debt of 250 ms is paid
    List<Long> times = backToBack(storeUnderTest().keySpace(faster), "k", 2);
    assertThat(times.get(1)).isLessThan(ms(250)).isGreaterThan(ms(50));
  }

  @Test
  default void windowsAndConcurrencyLimitsRefuseAWarmUp() {
    for (Algorithm algorithm : List.of(Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW, Algorithm.MOVING_WINDOW)) {
      assertThatThrownBy(() -> uniquePolicy("10/second warmup 2s", algorithm))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("10/second warmup 2s").hasMessageContaining("only TOKEN_BUCKET");
    }
  }

  /**
   * Guava's {@code SmoothWarmingUp} arithmetic ({@code RateLimiter.create(rate, warmup)}: cold factor 3), in
   * nanoseconds and doubles, transcribed: the reference timeline of this contract.
   */
  final class GuavaWarmingUp {
    private final double stable;
    private final double threshold;
    private final double max;
    private final double slope;
    private final double coolDown;
    private double stored;
    private double next;

    private GuavaWarmingUp(double stable, double warmup) {
      this.stable = stable;
      double cold = 3 * stable;
      this.threshold = 0.5 * warmup / stable;
      this.max = threshold + 2.0 * warmup / (stable + cold);
      this.slope = (cold - stable) / (max - threshold);
      this.coolDown = warmup / max;
      this.stored = max;
    }

    /**
     * @param stableNanos the stable interval
     * @param warmupNanos the warm-up period
     * @return a cold limiter at time 0
     */
    public static GuavaWarmingUp of(long stableNanos, long warmupNanos) {
      return new GuavaWarmingUp(stableNanos, warmupNanos);
    }

    /**
     * Guava's {@code acquire(permits)} by a caller arriving at {@code now}.
     *
     * @param now the arrival, nanoseconds
     * @param permits the permits
     * @return when the caller is admitted
     */
    public double acquire(double now, double permits) {
      if (now > next) {
        stored = Math.min(max, stored + (now - next) / coolDown);
        next = now;
      }
      double admitted = Math.max(next, now);
      double fromStore = Math.min(permits, stored);
      double time = 0;
      double above = stored - threshold;
      if (above > 0) {
        double take = Math.min(above, fromStore);
        time = take * (2 * stable + (2 * above - take) * slope) / 2.0;
        fromStore -= take;
      }
      time += stable * (fromStore + permits - Math.min(permits, stored));
      next += time;
      stored -= Math.min(permits, stored);
      return admitted;
    }

    /**
     * @param n callers
     * @return the admitted times of {@code n} callers arriving at once, rounded to nanoseconds
     */
    public long[] backToBack(int n) {
      long[] times = new long[n];
      for (int i = 0; i < n; i++) {
        times[i] = Math.round(acquire(0, 1));
      }
      return times;
    }
  }
}
