package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.redis.RedisServer;
import io.limiter.spring.micrometer.RateLimitMetrics;
import io.limiter.test.NonBlocking;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis paused ({@code CLIENT PAUSE}) under the WebFlux filter with Micrometer on (the Boot application has actuator and
 * Micrometer on its class path, as a user's does), under the non-blocking harness: each failure mode answers within
 * the command timeout, the listener that feeds the meters runs on the event loop without blocking, and the meters
 * count the degraded decisions by policy and outcome.
 */
@ExtendWith(NonBlocking.class)
class WebFilterRedisMetricsIT {

  static RedisServer redis;
  static WebFluxApp app;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    Map<String, Object> p = WebFilterRedisIT.redisStore(redis, "500ms");
    p.put("limiter.failure.closed-retry-after", "7s");
    // shared with WebFilterRedisIT: the rule properties, and the wait for the store's first connection
    WebFilterRedisIT.rule(p, 0, "m-open", "/api/**", "2/minute", "fail-open");
    WebFilterRedisIT.rule(p, 1, "m-closed", "/files/closed/**", "2/minute", "fail-closed");
    WebFilterRedisIT.rule(p, 2, "m-local", "/files/local/**", "2/minute", "local-fallback");
    app = WebFluxApp.start(p);
    WebFilterRedisIT.connected(app);
  }

  @AfterAll
  static void stop() {
    WebFluxApp.closeAll(app, redis);
  }

  private static double count(String name, String policy, String... tags) {
    MeterRegistry meters = app.context().getBean(MeterRegistry.class);
    Counter counter = meters.find(name).tag("policy", policy).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  private static double decisions(String policy, String outcome) {
    return count(RateLimitMetrics.DECISIONS, policy, "outcome", outcome);
  }

  @Test
  void whileRedisIsPausedEachFailureModeDecidesAndTheMetersCountTheDegradedDecisions() {
    // the meters work before the pause: Redis decides, no store error (the warm-up before counts too)
    double allowed = decisions("m-open", "allowed");
    double errors = count(RateLimitMetrics.STORE_ERRORS, "m-open");
    assertThat(app.get("/api/x", "X-Client", "before").statusCode()).isEqualTo(200);
    assertThat(decisions("m-open", "allowed")).isEqualTo(allowed + 1);
    assertThat(count(RateLimitMetrics.STORE_ERRORS, "m-open")).isEqualTo(errors);

    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().clientPause(8_000);
      long started = System.nanoTime();
      int open = app.admitted("/api/x", 3, "X-Client", "paused-1");
      HttpResponse<String> closed = app.get("/files/closed/x", "X-Client", "paused-2");
      int local = app.admitted("/files/local/x", 3, "X-Client", "paused-3");
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertThat(open).as("fail-open admits every request, over the limit too").isEqualTo(3);
      assertThat(closed.statusCode()).as("fail-closed refuses").isEqualTo(503);
      assertThat(closed.headers().firstValue("Retry-After")).hasValue("7");
      assertThat(local).as("local fallback decides by the policy on a local store").isEqualTo(2);
      assertThat(millis).as("every answer came before Redis did").isLessThan(8_000);
    } finally {
      client.shutdown();
    }
    // the meters count the failure mode's decisions by their outcome, and each as a store error of its policy
    assertThat(decisions("m-open", "allowed")).isEqualTo(allowed + 1 + 3);
    assertThat(count(RateLimitMetrics.STORE_ERRORS, "m-open")).isEqualTo(errors + 3);
    assertThat(decisions("m-closed", "rejected")).isEqualTo(1);
    assertThat(count(RateLimitMetrics.STORE_ERRORS, "m-closed")).isEqualTo(1);
    assertThat(decisions("m-local", "allowed")).isEqualTo(2);
    assertThat(decisions("m-local", "rejected")).isEqualTo(1);
    assertThat(count(RateLimitMetrics.STORE_ERRORS, "m-local")).isEqualTo(3);
  }
}
