package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.Tiers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The async all-or-nothing reservation on Redis never blocks: with the server alive but paused ({@code CLIENT PAUSE}),
 * {@link Claim#reserveAllAsync} (one store's group in one vector call, a single claim, a stepped limiter's tiers with
 * its penalty box, a request rejected by another store after Redis took its permits) and
 * {@link Reservation#refundAllAsync} return pending stages at once, called from a thread on which the
 * {@link BlockingDetector} fails any blocking call; their continuations on the Lettuce I/O and timer threads are
 * watched the same way. When the pause ends the stages complete with Redis's decisions and the refunds are applied;
 * when the command timeout expires first, they complete with the failure mode's decisions.
 */
class RedisAsyncReserveIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static RedisRateLimitStore store(Duration commandTimeout) {
    return RedisRateLimitStore.builder().uri(REDIS.uri()).clientResources(REDIS.resources())
        .commandTimeout(commandTimeout).connectTimeout(Duration.ofSeconds(30))
        .recoveryBackoff(Duration.ofMillis(50), Duration.ofMillis(100)).build();
  }

  private static LimitPolicy policy(String name, String limits, Algorithm algorithm) {
    return LimitPolicy.builder(name + "-" + System.nanoTime()).limits(limits).algorithm(algorithm).build();
  }

  /** Calls {@code request} on the watched thread and returns its stage, as it was when the call returned. */
  private static <T> CompletableFuture<T> sendFrom(BlockingDetector detector, Supplier<CompletableFuture<T>> request)
      throws Exception {
    return detector.onNonBlockingThread(request::get);
  }

  @Test
  void reserveAllAsyncAndRefundsReturnAtOnceWhilePausedAndDecideWhenRedisAnswers() throws Exception {
    try (BlockingDetector detector = new BlockingDetector(); RedisRateLimitStore store = store(Duration.ofSeconds(60));
        RateLimitStore local = RateLimitStore.inMemory()) {
      RateLimiter a = RateLimiter.of(policy("a", "10/minute", Algorithm.TOKEN_BUCKET), store);
      RateLimiter b = RateLimiter.of(policy("b", "5/minute; 100/hour", Algorithm.FIXED_WINDOW), store);
      RateLimiter narrow = RateLimiter.of(policy("narrow", "1/minute", Algorithm.TOKEN_BUCKET), local);
      SteppedRateLimiter<String> tiered = SteppedRateLimiter.<String>builder(
          policy("tiered", "4/minute", Algorithm.SLIDING_WINDOW), store)
          .tiers(Tiers.parse("free=4/minute; pro=200%; internal=unlimited; default=free")).tierResolver(t -> t)
          .penalty(PenaltyRule.parse("3/minute -> 50% for 1 minute")).build();
      narrow.acquire("rejected");
      List<Supplier<List<Claim>>> requests = List.of(
          () -> List.of(a.claim("group", 1), b.claim("group", 1)),
          () -> List.of(tiered.claim("stepped", "pro", 1), a.claim("stepped", 1),
              tiered.claim("stepped", "internal", 1)),
          () -> List.of(b.claim("single", 2)),
          () -> List.of(a.claim("rejected", 3), b.claim("rejected", 1), narrow.claim("rejected", 1)));
      // warm up while Redis answers: connections, scripts loaded, classes initialized
      for (Supplier<List<Claim>> request : requests) {
        sendFrom(detector, () -> Claim.reserveAllAsync(request.get()).toCompletableFuture()).get(30, TimeUnit.SECONDS);
      }
      List<Reservation> toRefund = new ArrayList<>(Claim.reserveAll(List.of(a.claim("refunded", 4),
          b.claim("refunded", 2))));

      REDIS.command(c -> c.clientPause(2000));
      List<CompletableFuture<List<Reservation>>> stages = new ArrayList<>();
      for (Supplier<List<Claim>> request : requests) {
        stages.add(sendFrom(detector, () -> Claim.reserveAllAsync(request.get()).toCompletableFuture()));
      }
      CompletableFuture<Void> refunds = sendFrom(detector,
          () -> Reservation.refundAllAsync(toRefund).toCompletableFuture());
      assertThat(stages.get(0)).as("the first request waits for the paused server").isNotDone();
      assertThat(refunds).as("the refunds wait for the paused server").isNotDone();

      for (CompletableFuture<List<Reservation>> stage : stages) {
        assertThat(stage.get(30, TimeUnit.SECONDS)).allSatisfy(r -> assertThat(r.decision().degraded())
            .as("%s decided by Redis", r).isFalse());
      }
      refunds.get(30, TimeUnit.SECONDS);
      assertThat(stages.get(0).join()).hasSize(2).allMatch(Reservation::taken);
      assertThat(stages.get(1).join()).hasSize(3);
      assertThat(stages.get(1).join().get(2).decision().unlimited()).isTrue();
      List<Reservation> rejected = stages.get(3).join();
      assertThat(rejected).hasSize(3);
      assertThat(rejected.get(2).decision().rejected()).isTrue();
      assertThat(rejected).noneMatch(r -> r.taken() && !r.settled());
      // the warm-up's and the paused round's rejected requests both gave their permits back
      assertThat(a.acquire("rejected", 10).allowed()).as("the rejected requests' permits are back on Redis").isTrue();
      assertThat(a.acquire("refunded", 10).allowed()).as("the refund sent during the pause was applied").isTrue();
      assertThat(b.acquire("refunded", 5).allowed()).isTrue();
      assertThat(detector.samples()).as("samples taken").isGreaterThan(10);
      assertThat(detector.violations()).as("blocking calls on non-blocking threads").isEmpty();
    }
  }

  @Test
  void whenTheCommandTimeoutExpiresFirstTheFailureModeDecidesWithoutBlocking() throws Exception {
    try (BlockingDetector detector = new BlockingDetector(); RedisRateLimitStore store = store(Duration.ofMillis(400))) {
      RateLimiter a = RateLimiter.of(policy("ta", "10/minute", Algorithm.TOKEN_BUCKET), store);
      RateLimiter b = RateLimiter.of(policy("tb", "10/minute", Algorithm.FIXED_WINDOW), store);
      sendFrom(detector, () -> Claim.reserveAllAsync(List.of(a.claim("k", 1), b.claim("k", 1)))
          .toCompletableFuture()).get(30, TimeUnit.SECONDS);
      List<Reservation> held = Claim.reserveAll(List.of(a.claim("held", 1), b.claim("held", 1)));
      long failuresBefore = store.stats().failures();

      REDIS.command(c -> c.clientPause(2500));
      CompletableFuture<List<Reservation>> group = sendFrom(detector,
          () -> Claim.reserveAllAsync(List.of(a.claim("k", 1), b.claim("k", 1))).toCompletableFuture());
      CompletableFuture<Void> refunds = sendFrom(detector, () -> Reservation.refundAllAsync(held)
          .toCompletableFuture());
      assertThat(group).isNotDone();
      List<Reservation> decided = group.get(30, TimeUnit.SECONDS);
      assertThat(decided).isNotEmpty().allSatisfy(r -> assertThat(r.decision().degraded()).isTrue());
      refunds.get(30, TimeUnit.SECONDS); // a settlement that timed out completes normally, counted as a failure
      assertThat(store.stats().failures()).isGreaterThan(failuresBefore);
      assertThat(detector.violations()).as("blocking calls on non-blocking threads").isEmpty();
      // Redis answers again after the pause (the timed-out calls ran late, each once)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      Decision after;
      do {
        after = a.acquireAsync("after", 1).toCompletableFuture().get(30, TimeUnit.SECONDS);
      } while (after.degraded() && System.nanoTime() < deadline && sleep());
      assertThat(after.degraded()).as("decided by Redis again").isFalse();
    }
  }

  private static boolean sleep() {
    RedisServer.sleep(50);
    return true;
  }
}
