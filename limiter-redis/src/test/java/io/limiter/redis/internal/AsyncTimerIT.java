package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** An answered asynchronous call cancels its timeout timer: thousands of decisions leave no timer task behind. */
class AsyncTimerIT {

  @Test
  void answeredCallsCancelTheirTimeoutTimers() throws Exception {
    try (RedisServer server = RedisServer.start();
        RedisRateLimitStore store = RedisRateLimitStore.builder().uri(server.uri())
            // an uncancelled timer would stay for a minute
            .commandTimeout(Duration.ofSeconds(60)).connectTimeout(Duration.ofSeconds(30)).build()) {
      KeySpace space = store.keySpace(LimitPolicy.of("timers", "100000/hour"));
      CompletableFuture<?>[] calls = new CompletableFuture<?>[2000];
      for (int i = 0; i < calls.length; i++) {
        calls[i] = space.acquireAsync("client-" + (i % 7), 1).toCompletableFuture();
      }
      CompletableFuture.allOf(calls).get(60, TimeUnit.SECONDS);
      // the timer drops cancelled tasks on its next 10 ms tick
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
          assertThat(((LettuceRateLimitStore) store).pendingTimers()).as("timeout timers still pending").isZero());
    }
  }
}
