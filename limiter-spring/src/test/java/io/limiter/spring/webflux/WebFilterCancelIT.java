package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.redis.RedisServer;
import io.limiter.test.NonBlocking;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients that go away while the WebFlux filter waits for the store: a concurrency permit the store grants after the
 * client disconnected (Reactor cancelled the exchange before the verdict came back) must go back, or one client holds
 * the key's permits for the lease (5 minutes) with requests it abandoned. Redis paused ({@code CLIENT PAUSE}) holds the
 * decision open; the command timeout is longer than the pause, so Redis does grant the permit once the pause ends.
 */
@ExtendWith(NonBlocking.class)
class WebFilterCancelIT {

  static RedisServer redis;
  static WebFluxApp app;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    Map<String, Object> p = WebFilterRedisIT.redisStore(redis, "20s");
    p.put("limiter.filter.rules[0].name", "inflight");
    p.put("limiter.filter.rules[0].paths", "/api/**");
    p.put("limiter.filter.rules[0].limits", "1 concurrent");
    p.put("limiter.filter.rules[0].key", "header:X-Client");
    p.put("limiter.filter.rules[0].failure-mode", "fail-closed");
    // and 2 served calls per hour, charged on success: a call the client left before it was served costs nothing
    p.put("limiter.filter.rules[1].name", "served");
    p.put("limiter.filter.rules[1].paths", "/api/**");
    p.put("limiter.filter.rules[1].limits", "2/hour");
    p.put("limiter.filter.rules[1].key", "header:X-Client");
    p.put("limiter.filter.rules[1].charge-on", "2xx");
    p.put("limiter.filter.rules[1].failure-mode", "fail-closed");
    // and 1 call per hour charged whatever the outcome: a call the client left before it was decided, never served,
    // gets that permit back too ("every permit of that request goes back")
    WebFilterRedisIT.rule(p, 2, "hourly", "/files/**", "1/hour", "fail-closed");
    app = WebFluxApp.start(p);
    WebFilterRedisIT.connected(app); // until the store's first connection is made, the failure mode decides
  }

  @AfterAll
  static void stop() {
    WebFluxApp.closeAll(app, redis);
  }

  @Test
  void aPermitGrantedAfterTheClientWentAwayGoesBack() throws Exception {
    assertThat(app.get("/api/x", "X-Client", "victim").statusCode()).isEqualTo(200);
    hangUpWhileRedisPaused("/api/x", "victim");
    // once Redis answers, the abandoned request's permits must be returned: the key admits again (lease: 5 minutes),
    // and the abandoned call, never served, is not charged: this is the second served call of the hour, not a third
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> app.get("/api/x", "X-Client", "victim").statusCode() == 200);
  }

  @Test
  void aPermitOfARuleChargedWhateverTheOutcomeGoesBackWhenTheClientLeftBeforeTheVerdict() throws Exception {
    hangUpWhileRedisPaused("/files/x", "leaver");
    // the abandoned request was never served: its hourly permit goes back, so the client's first served call of the
    // hour is admitted (before the fix the permit stayed taken: 429 for the rest of the hour)
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> app.get("/files/x", "X-Client", "leaver").statusCode() == 200);
  }

  /** Sends {@code GET path} while Redis is paused, so that the filter waits for the verdict, and hangs up. */
  private static void hangUpWhileRedisPaused(String path, String clientKey) {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().clientPause(3_000);
      long paused = System.nanoTime();
      // the request reaches the filter, which waits for Redis; the client then hangs up
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", app.port()), 10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Client: " + clientKey + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Awaitility.await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> true);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      assertThat((System.nanoTime() - paused) / 1_000_000).as("hung up within the pause").isLessThan(3_000);
    } finally {
      client.shutdown();
    }
  }
}
