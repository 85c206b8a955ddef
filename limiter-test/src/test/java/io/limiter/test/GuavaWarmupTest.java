package io.limiter.test;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.GuavaOnManualClock;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.ScheduledPermits;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Warm-up against Guava itself on the same timeline: Guava's {@code RateLimiter.create(rate, warmup)} (cold factor 3)
 * on a manual clock, and a {@code "<rate>/second burst 1 warmup <w>"} policy on each local store, with the same
 * callers arriving at the same times and waiting for their permits ({@link KeySpace#schedule}). Admitted times must
 * agree within 1 µs per admission so far: Guava keeps microseconds and truncates each cost to whole ones, the stores
 * keep nanoseconds and round each cost up. (Guava has no burst while warming up; a burst of 1 is the same limiter.)
 */
class GuavaWarmupTest {

  private static final long START = RateLimitStoreContract.START;

  /** The stores under test, each on its own manual clock. */
  private static List<Function<ManualTicker, RateLimitStore>> stores() {
    return List.of(
        t -> RateLimitStore.builder().ticker(t).executor(Runnable::run).buildInMemory(),
        t -> RateLimitStore.builder().ticker(t).executor(Runnable::run).buildInMemoryWithKeyStrings(),
        t -> RateLimitStore.builder().ticker(t).executor(Runnable::run).buildCaffeine());
  }

  @ParameterizedTest
  @CsvSource({
      "10, 2000, 0",      // back to back from cold: the whole ramp, then the stable rate
      "100, 30000, 0",    // the example, 100/second warmup 30s
      "7, 5000, 0",       // an interval that is not whole microseconds (142857.14 µs)
      "10, 2000, 1",      // callers with pauses: the bucket cools down in between, partly or fully
      "50, 10000, 2",     // bursts of arrivals and long pauses
      "3, 60000, 1",
  })
  void admitsAtGuavasTimes(int rate, long warmupMillis, int traffic) {
    for (Function<ManualTicker, RateLimitStore> factory : stores()) {
      long[] arrivals = arrivals(traffic, rate, warmupMillis);
      GuavaOnManualClock guava = new GuavaOnManualClock(rate, warmupMillis);
      ManualTicker ticker = new ManualTicker(START);
      try (RateLimitStore store = factory.apply(ticker)) {
        KeySpace space = store.keySpace(LimitPolicy.of("guava-" + rate + "-" + traffic,
            rate + "/second burst 1 warmup " + warmupMillis + "ms"));
        List<Long> ours = new ArrayList<>();
        List<Long> theirs = new ArrayList<>();
        long lastSlot = START;
        for (long arrival : arrivals) {
          theirs.add(guava.acquireAt(arrival, 1) * 1000);
          // the caller arrives, or comes back after its previous permit if that is later (Guava blocks the caller)
          ticker.set(Math.max(START + arrival * 1000, lastSlot));
          ScheduledPermits slot = space.schedule("k", 1, TimeUnit.HOURS.toNanos(1));
          assertThat(slot.granted()).isTrue();
          lastSlot = ticker.read() + slot.waitNanos();
          ours.add(lastSlot - START);
        }
        long worst = 0;
        for (int i = 0; i < ours.size(); i++) {
          worst = Math.max(worst, Math.abs(ours.get(i) - theirs.get(i)));
          assertThat(Math.abs(ours.get(i) - theirs.get(i)))
              .as("%s: admission %d of %s/second warmup %d ms (ours %d ns, Guava %d ns)", store, i, rate,
                  warmupMillis, ours.get(i), theirs.get(i))
              .isLessThanOrEqualTo(1000L * (i + 1));
        }
        System.out.printf("GuavaWarmupTest %s/second warmup %d ms, traffic %d, %s: %d admissions, largest "
            + "difference from Guava %d ns%n", rate, warmupMillis, traffic, store, ours.size(), worst);
        // the ramp happened: from cold the first interval is near 3 T, later ones T
        if (traffic == 0) {
          long stable = 1_000_000_000L / rate;
          assertThat(ours.get(1) - ours.get(0)).isGreaterThan(stable * 5 / 2);
          assertThat(ours.get(ours.size() - 1) - ours.get(ours.size() - 2)).isBetween(stable, stable + 1);
        }
      }
    }
  }

  /** Arrival times in microseconds: all at once (0), or with pauses of up to a warm-up period (1, 2). */
  private static long[] arrivals(int traffic, int rate, long warmupMillis) {
    // from cold, the ramp takes rate · warmup / 2 permits: back to back, run past it
    int n = traffic == 0 ? (int) (rate * warmupMillis / 1000 + 20) : (int) Math.min(600, 3L * rate * warmupMillis / 1000);
    long[] arrivals = new long[n];
    Random random = new Random(traffic * 31L + rate);
    long t = 0;
    for (int i = 0; i < n; i++) {
      if (traffic > 0 && random.nextInt(traffic == 1 ? 10 : 40) == 0) {
        t += random.nextLong(warmupMillis * 1000 + 1);
      }
      arrivals[i] = t;
    }
    return arrivals;
  }
}
