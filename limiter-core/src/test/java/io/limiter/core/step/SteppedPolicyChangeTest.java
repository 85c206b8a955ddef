package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.Ticker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Step-throttled policies follow a registry change of their base policy: levels, tiers and the penalty apply to the
 * new limits from the next call on, each client's state is kept within the same shape and reset under another, and a
 * change the steps cannot apply to is refused whole (the registry changes nothing). Fake clock; every count is exact.
 */
class SteppedPolicyChangeTest {

  private final Ticker.Manual ticker = Ticker.manual(Ticker.Manual.epochNanos(Instant.parse("2026-06-02T06:00:00Z")));
  private final RateLimitStore store = RateLimitStore.builder().ticker(ticker).executor(Runnable::run)
      .buildInMemory();
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store).build();
  private final StepControllerRegistry controllers = new StepControllerRegistry();
  private final SteppedLimiterRegistry stepped = new SteppedLimiterRegistry(registry, controllers, List.of());

  private SteppedRateLimiter<String> build(String spec, StepParts parts) {
    LimitPolicy policy = registry.register(LimitPolicy.of("api", spec)).policy();
    List<String> problems = new ArrayList<>();
    SteppedLimiterRegistry.Entry entry = stepped.build(policy, parts, "test", "test", problems);
    assertThat(problems).isEmpty();
    return entry.limiter();
  }

  private static int admitted(SteppedRateLimiter<String> limiter, String key, String tier, int max) {
    for (int i = 0; i < max; i++) {
      if (!limiter.tryAcquire(key, tier, 1)) {
        return i;
      }
    }
    return max;
  }

  private StepController pinnedAtHalf() {
    StepController health = StepController.builder("health").ticker(ticker).levels(1.0, 0.5).build();
    controllers.register(health);
    health.pin(1, "test");
    return health;
  }

  @Test
  void theLevelAppliesToTheNewLimitsAndTheClientsKeepTheirState() {
    pinnedAtHalf();
    SteppedRateLimiter<String> api = build("10/second", StepParts.of(null, null, null, "health", null, false,
        n -> n));
    assertThat(admitted(api, "drained", null, 100)).as("50% of 10/second").isEqualTo(5);
    assertThat(admitted(api, "half", null, 2)).isEqualTo(2);

    PolicyChange raised = registry.replace(LimitPolicy.of("api", "40/second"));

    assertThat(raised.stateKept()).isTrue();
    assertThat(api.policy().spec()).isEqualTo(LimitSpec.parse("40/second"));
    assertThat(api.currentPolicy(null).orElseThrow().spec()).as("50% of the new limits")
        .isEqualTo(LimitSpec.parse("20/second"));
    assertThat(admitted(api, "fresh", null, 100)).as("a new client: 50% of 40/second").isEqualTo(20);
    // GCRA keeps the time until full: a drained client stays drained and refills at the new rate (one per 50 ms)
    assertThat(admitted(api, "drained", null, 100)).as("kept: still drained").isZero();
    ticker.advance(java.time.Duration.ofMillis(50));
    assertThat(admitted(api, "drained", null, 100)).isEqualTo(1);
    // 2 of 5 used (400 ms of debt at 200 ms a permit), 50 ms ago: 350 ms of debt at 50 ms a permit under 20/second
    // leaves 13 of the new 20 (12 at the instant of the change, one more refilled since)
    assertThat(admitted(api, "half", null, 100)).as("kept: the time used").isEqualTo(13);
  }

  @Test
  void anotherShapeStartsEveryClientFromEmptyState() {
    pinnedAtHalf();
    SteppedRateLimiter<String> api = build("10/second", StepParts.of(null, null, null, "health", null, false,
        n -> n));
    assertThat(admitted(api, "a", null, 100)).isEqualTo(5);

    PolicyChange changed = registry.replace(LimitPolicy.of("api", "30/minute"));

    assertThat(changed.stateKept()).isFalse();
    assertThat(admitted(api, "a", null, 100)).as("fresh: 50% of 30/minute").isEqualTo(15);
    assertThat(registry.limiter("api").policy().spec()).isEqualTo(LimitSpec.parse("30/minute"));
  }

  @Test
  void tiersApplyToTheNewLimitsAndThePenaltyBoxKeepsItsClients() {
    SteppedRateLimiter<String> api = build("100/minute", StepParts.of(
        Tiers.parse("free=10%; pro=200%; default=free"), "attribute:plan", null, null,
        PenaltyRule.parse("2/hour -> block for 1h", "test"), false, n -> n));
    assertThat(admitted(api, "boxed", "free", 100)).isEqualTo(10);
    api.tryAcquire("boxed", "free", 1);
    api.tryAcquire("boxed", "free", 1); // the second rejection within the hour: blocked
    assertThat(api.penaltyBox().orElseThrow().isBoxed("boxed")).isTrue();

    registry.replace(LimitPolicy.of("api", "1000/minute"));

    assertThat(admitted(api, "f", "free", 1000)).as("10% of the new limits").isEqualTo(100);
    assertThat(admitted(api, "p", "pro", 5000)).as("200% of the new limits").isEqualTo(2000);
    assertThat(admitted(api, "x", "unknown", 1000)).as("the default tier, on the new limits").isEqualTo(100);
    assertThat(api.penaltyBox().orElseThrow().isBoxed("boxed")).as("still boxed").isTrue();
    assertThat(api.tryAcquire("boxed", "pro", 1)).isFalse();
  }

  @Test
  void aChangeTheStepsCannotApplyToIsRefusedWholeAndNothingChanges() {
    SteppedRateLimiter<String> api = build("100/minute", StepParts.of(
        Tiers.parse("free=10/minute; pro=1000/minute; default=free"), "attribute:plan", null, null, null, false,
        n -> n));
    registry.register(LimitPolicy.of("other", "5/second"));

    assertThatThrownBy(() -> registry.replaceAll(List.of(LimitPolicy.of("other", "50/second"),
        LimitPolicy.of("api", "100/minute; 1000/day"))))
        .isInstanceOf(RateLimitConfigException.class)
        .hasMessageContaining("policy api: tier free has 1 limit (10/minute) but the policy has 2 "
            + "(100/minute; 1000/day)");

    assertThat(registry.limiter("other").policy().spec()).as("not half-applied")
        .isEqualTo(LimitSpec.parse("5/second"));
    assertThat(registry.limiter("api").policy().spec()).isEqualTo(LimitSpec.parse("100/minute"));
    assertThat(api.policy().spec()).isEqualTo(LimitSpec.parse("100/minute"));
    assertThat(admitted(api, "a", "free", 100)).isEqualTo(10);
    // a change that fits goes through
    registry.replace(LimitPolicy.of("api", "200/minute"));
    assertThat(api.policy().spec()).isEqualTo(LimitSpec.parse("200/minute"));
    assertThat(admitted(api, "b", "pro", 5000)).as("a tier with its own limits keeps them").isEqualTo(1000);
  }

  @Test
  void aCallDecidesWhollyUnderTheOldOrTheNewSteps() throws Exception {
    SteppedRateLimiter<String> api = build("1000/hour", StepParts.of(Tiers.parse("free=50%; default=free"),
        "attribute:plan", null, null, null, false, n -> n));
    int threads = 8;
    java.util.concurrent.atomic.AtomicInteger allowed = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 200; i++) {
          if (api.tryAcquire("one", "free", 1)) {
            allowed.incrementAndGet();
          }
        }
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (int i = 0; i < 20; i++) {
      registry.replace(LimitPolicy.of("api", i % 2 == 0 ? "400/hour" : "1000/hour"));
    }
    for (Thread w : workers) {
      w.join(60_000);
    }
    // the clock stands still: whatever the interleaving, one key never gets more than the highest step's bucket
    assertThat(allowed.get()).isBetween(200, 500);
  }

  /**
   * Prints what a swap costs for a stepped policy (3 tiers, 5 levels and a penalty: 30 effective policies composed
   * again) next to a plain policy, alternating in the same run while 4 threads decide on both (wall clock on a shared
   * machine: read the ratio, not the numbers).
   */
  @Test
  void theCostOfASteppedSwapNextToAPlainOne() throws Exception {
    StepController health = StepController.builder("health").ticker(ticker).build();
    controllers.register(health);
    SteppedRateLimiter<String> api = build("1000000/second", StepParts.of(
        Tiers.parse("free=10%; std=50%; pro=200%; default=free"), "attribute:plan", null, "health",
        PenaltyRule.parse("100/minute -> 10% for 1h", "test"), false, n -> n));
    io.limiter.core.RateLimiter plain = registry.register(LimitPolicy.of("plain", "1000000/second"));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (int t = 0; t < 4; t++) {
        pool.submit(() -> {
          long n = 0;
          while (!stop.get()) {
            api.tryAcquire("k" + (n & 1023), "pro", 1);
            plain.tryAcquire("k" + (n & 1023));
            n++;
          }
        });
      }
      long steppedNanos = 0;
      long plainNanos = 0;
      int rounds = 10;
      int swaps = 500;
      for (int r = 0; r < rounds; r++) {
        long start = System.nanoTime();
        for (int i = 0; i < swaps; i++) {
          registry.replace(LimitPolicy.of("api", i % 2 == 0 ? "2000000/second" : "1000000/second"));
        }
        steppedNanos += System.nanoTime() - start;
        start = System.nanoTime();
        for (int i = 0; i < swaps; i++) {
          registry.replace(LimitPolicy.of("plain", i % 2 == 0 ? "2000000/second" : "1000000/second"));
        }
        plainNanos += System.nanoTime() - start;
      }
      System.out.printf("SteppedPolicyChangeTest: %d swaps each, alternating, 4 threads deciding: stepped policy "
          + "(30 effective policies) %.1f µs per swap, plain policy %.1f µs per swap (ratio %.1f)%n", rounds * swaps,
          steppedNanos / 1e3 / (rounds * swaps), plainNanos / 1e3 / (rounds * swaps),
          (double) steppedNanos / plainNanos);
      assertThat(api.policy().spec()).isEqualTo(LimitSpec.parse("1000000/second"));
      assertThat(api.currentPolicy("pro").orElseThrow().spec()).isEqualTo(LimitSpec.parse("2000000/second"));
    } finally {
      stop.set(true);
      pool.shutdownNow();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
  }
}
