package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The async path: non-blocking, exact with thousands in flight, and all of it over one connection. */
class RedisAsyncIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static long clients() {
    return REDIS.command(c -> c.clientList()).lines().filter(l -> !l.isBlank()).count();
  }

  @Test
  void thousandsInFlightShareOneConnectionAndStayExact() throws Exception {
    long before = clients();
    try (RedisRateLimitStore store = RedisRateLimitStore.builder().uri(REDIS.uri())
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build()) {
      KeySpace space = store.keySpace(LimitPolicy.of("async", "500/hour"));
      List<CompletableFuture<Decision>> inFlight = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        inFlight.add(space.acquireAsync("client-" + (i % 3), 1).toCompletableFuture());
      }
      // both counts include the short-lived connection that runs CLIENT LIST
      assertThat(clients()).as("connections while 3000 decisions are in flight").isEqualTo(before + 1);
      CompletableFuture.allOf(inFlight.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
      long admitted = inFlight.stream().map(CompletableFuture::join).filter(Decision::allowed).count();
      assertThat(admitted).isEqualTo(3 * 500);
      assertThat(inFlight).allSatisfy(f -> assertThat(f.join()).isNotDegraded());
    }
  }

  @Test
  void aStalledServerNeverBlocksTheCaller() throws Exception {
    RedisServer server = RedisServer.start();
    try (server; RedisRateLimitStore store = RedisRateLimitStore.builder().uri(server.uri())
        // long enough for a busy machine's warm-up call
        .commandTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(30)).build()) {
      KeySpace space = store.keySpace(LimitPolicy.builder("async-stall").limits("5/minute")
          .failureMode(FailureMode.FAIL_CLOSED).build());
      assertThat(space.acquireAsync("client", 1).toCompletableFuture().get(30, TimeUnit.SECONDS)).isNotDegraded();

      server.freeze();
      try {
        // a caller that waited would get a stage already completed by the timeout (RedisNonBlockingIT watches
        // every async path for any wait); no wall-clock bound here, which a loaded machine could miss
        CompletionStage<Decision> stage = space.acquireAsync("client", 1);
        assertThat(stage.toCompletableFuture().isDone()).as("done before the server answered").isFalse();
        Decision decision = stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(decision).isRejected().isDegraded();
      } finally {
        server.thaw();
      }
    }
  }
}
