package io.limiter.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.BoundLimiter;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policies replaced at runtime in a {@link RateLimiterRegistry}, on every local store: a live policy raised and
 * lowered while 16 threads decide, checked against an exact model of the token bucket (the state carries over within a
 * shape and is read under the new limits; another shape starts fresh), and the cost of a swap under load.
 */
class RuntimePolicyChangeTest {

  private static RateLimitStore store(String kind, ManualTicker ticker) {
    return switch (kind) {
      case "memory" -> RateLimitStore.builder().ticker(ticker).buildInMemory();
      case "keys" -> RateLimitStore.builder().ticker(ticker).buildInMemoryWithKeyStrings();
      default -> RateLimitStore.builder().ticker(ticker).buildCaffeine();
    };
  }

  /** The token bucket of one key, as GCRA: admitted iff max(tat, now) + T - now <= B. */
  private static final class Model {
    long tat = Long.MIN_VALUE / 4;

    int take(Limit limit, long now, int attempts) {
      long t = limit.emissionIntervalNanos();
      long b = limit.burstPeriodNanos();
      int n = 0;
      while (n < attempts && Math.max(tat, now) + t - now <= b) {
        tat = Math.max(tat, now) + t;
        n++;
      }
      return n;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "keys", "caffeine"})
  void aLivePolicyRaisedAndLoweredUnderLoadDecidesExactlyAsTheModel(String kind) throws Exception {
    ManualTicker ticker = new ManualTicker(RateLimitStoreContract.START);
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store(kind, ticker))
        .policy(LimitPolicy.of("api", "10/second")).build();
    List<PolicyChange> reported = new ArrayList<>();
    registry.addChangeListener(reported::add);
    RateLimiter limiter = registry.limiter("api"); // held across every change, as integrations hold it
    BoundLimiter bound = limiter.forKey("bound");
    String[] specs = {"10/second", "30/second", "5/second", "5/second burst 20", "100/second burst 3", "1/second"};
    Random random = new Random(19);
    Model model = new Model();
    Model boundModel = new Model();
    int threads = 16;
    int attemptsPerThread = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      String spec = specs[0];
      for (int phase = 0; phase < 60; phase++) {
        if (phase > 0 && random.nextInt(3) == 0) {
          String next = specs[random.nextInt(specs.length)];
          PolicyChange change = registry.replace(LimitPolicy.of("api", next));
          assertThat(change.stateKept()).isTrue(); // all are one period of a second: the same shape
          spec = next;
        }
        Limit limit = LimitPolicy.of("api", spec).limits().get(0);
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicInteger admitted = new AtomicInteger();
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          all.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < attemptsPerThread; i++) {
              if (limiter.tryAcquire("k")) {
                admitted.incrementAndGet();
              }
            }
            return null;
          }));
        }
        for (Future<?> f : all) {
          f.get(60, TimeUnit.SECONDS);
        }
        long now = ticker.read() - RateLimitStoreContract.START;
        assertThat(admitted.get()).as("phase %d under %s", phase, spec)
            .isEqualTo(model.take(limit, now, threads * attemptsPerThread));
        int boundAdmitted = 0;
        for (int i = 0; i < 3; i++) {
          boundAdmitted += bound.tryAcquire(1) ? 1 : 0;
        }
        assertThat(boundAdmitted).as("bound limiter, phase %d", phase).isEqualTo(boundModel.take(limit, now, 3));
        ticker.advanceNanos(random.nextInt(400_000_000));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(reported).isNotEmpty().allMatch(PolicyChange::stateKept);
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "keys", "caffeine"})
  void anotherShapeStartsEveryClientFreshNeverLockedOut(String kind) {
    ManualTicker ticker = new ManualTicker(RateLimitStoreContract.START);
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store(kind, ticker))
        .policy(LimitPolicy.of("api", "2/second")).build();
    RateLimiter limiter = registry.limiter("api");
    assertThat(limiter.tryAcquire("k")).isTrue();
    assertThat(limiter.tryAcquire("k")).isTrue();
    assertThat(limiter.tryAcquire("k")).isFalse();
    PolicyChange change = registry.replace(LimitPolicy.of("api", "3/minute"));
    assertThat(change.stateKept()).isFalse();
    assertThat(change.toString()).contains("2/second -> 3/minute", "state reset (another shape)");
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("k")).as("call %d under the new shape", i).isTrue();
    }
    assertThat(limiter.tryAcquire("k")).isFalse();
    assertThat(registry.replace(LimitPolicy.of("api", "3/minute")).current()).isEqualTo(limiter.policy());
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory"})
  void aChangeOfSeveralPoliciesIsCheckedWholeFirst(String kind) {
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store(kind, new ManualTicker()))
        .policy(LimitPolicy.of("a", "1/second")).policy(LimitPolicy.of("b", "1/second")).build();
    assertThatThrownBy(() -> registry.replaceAll(List.of(LimitPolicy.of("a", "5/second"),
        LimitPolicy.of("b", "5/second"), LimitPolicy.of("a", "6/second"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two policies named \"a\"");
    assertThat(registry.limiter("a").policy().spec().toString()).isEqualTo("1/second");
    assertThat(registry.limiter("b").policy().spec().toString()).isEqualTo("1/second");
    List<PolicyChange> changes = registry.replaceAll(List.of(LimitPolicy.of("a", "5/second"),
        LimitPolicy.of("b", "1/second"), LimitPolicy.of("c", "2/second")));
    assertThat(changes).extracting(PolicyChange::name).containsExactly("a", "c");
    assertThat(changes.get(1).previous()).isNull();
  }

  /** Prints the cost of a swap while 8 threads decide (noisy on a shared machine: a ratio, not a benchmark). */
  @ParameterizedTest
  @ValueSource(strings = {"memory"})
  void theCostOfASwapUnderLoad(String kind) throws Exception {
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store(kind, new ManualTicker()))
        .policy(LimitPolicy.of("api", "1000000/second")).build();
    RateLimiter limiter = registry.limiter("api");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong decisions = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    Supplier<Runnable> worker = () -> () -> {
      long n = 0;
      while (!stop.get()) {
        limiter.tryAcquire("k" + (n & 1023));
        n++;
      }
      decisions.addAndGet(n);
    };
    int swaps = 20_000;
    LimitPolicy raised = LimitPolicy.of("api", "2000000/second");
    LimitPolicy lowered = LimitPolicy.of("api", "1000000/second");
    try {
      long start = System.nanoTime();
      for (int i = 0; i < swaps; i++) {
        registry.replace(i % 2 == 0 ? raised : lowered);
      }
      long idle = System.nanoTime() - start;
      for (int t = 0; t < 8; t++) {
        pool.submit(worker.get());
      }
      start = System.nanoTime();
      for (int i = 0; i < swaps; i++) {
        registry.replace(i % 2 == 0 ? raised : lowered);
      }
      long elapsed = System.nanoTime() - start;
      stop.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      System.out.printf("RuntimePolicyChangeTest: %d swaps: %.2f µs per swap idle, %.2f µs under 8 deciding threads "
          + "(%d decisions meanwhile, wall clock on a shared machine)%n", swaps, idle / 1e3 / swaps,
          elapsed / 1e3 / swaps, decisions.get());
      assertThat(limiter.policy().spec().toString()).isEqualTo("1000000/second");
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }
}
