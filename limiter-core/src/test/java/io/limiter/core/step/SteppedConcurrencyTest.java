package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LocalStoreBuilder;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SteppedConcurrencyTest {

  private static final int THREADS = 8;
  private static final int FLIPS = 2000;
  private static final long FLIP_NANOS = 1_000_000; // the clock moves 1 ms per level change: 2 s in all
  /** A UTC midnight, so that a minute window starts with the test. */
  private static final Instant MIDNIGHT = Instant.parse("2023-11-14T00:00:00Z");

  /** Held so that the level stays set; thousands of INFO lines would only slow the test down. */
  private final Logger controllerLog = Logger.getLogger(StepController.class.getName());
  private Level previousLevel;

  @BeforeEach
  void quietController() {
    previousLevel = controllerLog.getLevel();
    controllerLog.setLevel(Level.WARNING);
  }

  @AfterEach
  void restoreController() {
    controllerLog.setLevel(previousLevel);
  }

  static Stream<Arguments> storesAndAlgorithms() {
    List<Arguments> all = new ArrayList<>();
    for (String store : List.of("in-memory", "caffeine")) {
      for (Algorithm algorithm : java.util.EnumSet.range(Algorithm.TOKEN_BUCKET, Algorithm.MOVING_WINDOW)) {
        all.add(Arguments.of(store, algorithm));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("storesAndAlgorithms")
  void levelChangesWhileEightThreadsHammerNeverAdmitMoreThanTheHighestLevelAllows(String storeKind,
      Algorithm algorithm) throws Exception {
    Ticker.Manual ticker = Ticker.manual(Ticker.Manual.epochNanos(MIDNIGHT)); // one minute window from here
    LocalStoreBuilder builder = RateLimitStore.builder().ticker(ticker);
    RateLimitStore store = storeKind.equals("caffeine") ? builder.buildCaffeine() : builder.buildInMemory();
    StepController controller = StepController.builder("hammer").ticker(ticker).build();
    LimitPolicy policy = LimitPolicy.builder("hammer").limits("1000/minute").algorithm(algorithm).build();
    SteppedRateLimiter<Object> limiter = SteppedRateLimiter.builder(policy, store).controller(controller).build();

    AtomicLong admitted = new AtomicLong();
    AtomicLong decisions = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        boolean decide = t % 2 == 0; // half the threads build decisions, half take the allocation-free path
        futures.add(pool.submit(() -> {
          start.await();
          while (!done.get()) {
            boolean ok = decide ? limiter.acquire("k").allowed() : limiter.tryAcquire("k");
            decisions.incrementAndGet();
            if (ok) {
              admitted.incrementAndGet();
            }
          }
          return null;
        }));
      }
      Future<?> changer = pool.submit(() -> {
        start.await();
        for (int i = 0; i < FLIPS; i++) {
          while (decisions.get() < 20L * i) {
            Thread.yield(); // interleave: let the hammers decide about 20 times per level
          }
          controller.pin(i % 5, "flip " + i); // 100% 75% 50% 25% 10% 100% ...
          ticker.advanceNanos(FLIP_NANOS);
        }
        done.set(true);
        return null;
      });
      start.countDown();
      changer.get(60, TimeUnit.SECONDS);
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      done.set(true);
      pool.shutdownNow();
    }

    long elapsed = FLIPS * FLIP_NANOS;
    // the highest level is 1000/minute: a token bucket refills one permit per 60 ms at most; a window (all of this
    // happens inside one minute window) counts at most 1000
    long bound = algorithm == Algorithm.TOKEN_BUCKET ? 1000 + elapsed / 60_000_000 : 1000;
    assertThat(admitted.get()).as("admitted of %s decisions", decisions.get()).isLessThanOrEqualTo(bound);
    assertThat(admitted.get()).as("the lowest level alone admits 100").isGreaterThanOrEqualTo(100);

    // at the highest level, with the clock stopped, the key cannot get past the bound either
    controller.pin(0, "end");
    long more = 0;
    while (limiter.tryAcquire("k")) {
      more++;
    }
    assertThat(admitted.get() + more).isLessThanOrEqualTo(bound);
  }
}
