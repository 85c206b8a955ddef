package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.Tiers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every asynchronous path of the Redis store is non-blocking end to end: the base key space, views (step levels),
 * ad hoc effective policies, a stepped limiter with tiers, and every failure mode, called from a thread that must
 * never block while the server is frozen ({@code SIGSTOP}). A blocking call would return a stage that is already
 * complete (after the command timeout) and would be seen parked by the {@link BlockingDetector}; callbacks on the
 * Lettuce I/O and timer threads are watched the same way while the calls time out and complete.
 */
class RedisNonBlockingIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @Test
  void everyAsyncPathReturnsAtOnceAndNeverParksAThread() throws Exception {
    RedisServer server = RedisServer.start();
    try (server; BlockingDetector detector = new BlockingDetector();
        RedisRateLimitStore store = RedisRateLimitStore.builder().uri(server.uri()).commandTimeout(TIMEOUT)
            .connectTimeout(Duration.ofSeconds(30))
            .recoveryBackoff(Duration.ofMillis(50), Duration.ofMillis(100)).localDenyCache(1000).build()) {
      List<Supplier<CompletionStage<Decision>>> paths = new ArrayList<>();
      for (FailureMode mode : FailureMode.values()) {
        LimitPolicy base = LimitPolicy.builder("nb-" + mode).limits("100/minute; 1000/hour").failureMode(mode)
            .build();
        LimitPolicy level = base.scaled(0.5);
        KeySpace space = store.keySpace(base);
        KeySpace view = space.view(level);
        SteppedRateLimiter<String> tiered = SteppedRateLimiter.<String>builder(base, store)
            .tiers(Tiers.parse("free=10/minute; 100/hour; pro=200%; default=free")).tierResolver(c -> c).build();
        RateLimiter limiter = RateLimiter.of(base, store);
        paths.add(() -> space.acquireAsync("client", 1));
        paths.add(() -> view.acquireAsync("client", 1));
        paths.add(() -> limiter.acquireAsync("client", 1));
        paths.add(() -> tiered.acquireAsync("client", "free", 1));
        paths.add(() -> tiered.acquireAsync("client", "pro", 1));
        paths.add(() -> tiered.acquireAsync("client", null, 1));
      }
      // warm up while Redis answers: connections, scripts loaded, classes initialized
      for (Supplier<CompletionStage<Decision>> path : paths) {
        assertThat(detector.onNonBlockingThread(path::get).toCompletableFuture().get(30, TimeUnit.SECONDS))
            .satisfies(d -> assertThat(d.degraded()).as("%s", d).isFalse());
      }

      server.freeze();
      try {
        List<CompletableFuture<Decision>> stages = new ArrayList<>();
        boolean firstPending = false;
        for (Supplier<CompletionStage<Decision>> path : paths) {
          CompletableFuture<Decision> stage = detector.onNonBlockingThread(() -> path.get().toCompletableFuture());
          firstPending |= stages.isEmpty() && !stage.isDone();
          stages.add(stage);
        }
        for (CompletableFuture<Decision> stage : stages) {
          assertThat(stage.get(30, TimeUnit.SECONDS).degraded()).isTrue();
        }
        assertThat(detector.violations()).as("blocking calls on non-blocking threads").isEmpty();
        // the first call finds Redis available and must return before the frozen server could answer; later ones
        // may be decided at once by the open gate
        assertThat(firstPending).as("the first call returned a pending stage").isTrue();
      } finally {
        server.thaw();
      }
      assertThat(detector.samples()).as("samples taken").isGreaterThan(10);
      assertThat(detector.violations()).as("blocking calls on non-blocking threads").isEmpty();
    }
  }
}
