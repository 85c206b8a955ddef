package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisServer;
import io.limiter.test.NonBlocking;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The WebFlux filter on Redis ({@code limiter.store=redis}), under the non-blocking harness: two application
 * instances sharing one Redis admit exactly the limit, a request under two rules is charged all or nothing, and while
 * Redis is paused ({@code CLIENT PAUSE}) each rule's failure mode answers within the command timeout without blocking
 * the event loop: fail-open admits, fail-closed refuses with 503 and {@code Retry-After}, local fallback decides on a
 * local store.
 */
@ExtendWith(NonBlocking.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebFilterRedisIT {

  static RedisServer redis;
  static WebFluxApp a;
  static WebFluxApp b;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    // generous for a busy machine: only the paused test waits for it
    Map<String, Object> p = redisStore(redis, "500ms");
    p.put("limiter.failure.closed-retry-after", "7s");
    rule(p, 0, "open", "/api/**", "5/minute", "fail-open");
    rule(p, 1, "closed", "/files/closed/**", "5/minute", "fail-closed");
    rule(p, 2, "local", "/files/local/**", "2/minute", "local-fallback");
    // both apply to /files/both: one request, two claims in one script call
    rule(p, 3, "both-wide", "/files/both", "3/minute", "fail-open");
    rule(p, 4, "both-narrow", "/files/both", "1/minute", "fail-open");
    a = WebFluxApp.start(p);
    b = WebFluxApp.start(p);
    connected(a);
    connected(b);
  }

  /**
   * Waits until the instance's store answers from Redis: on a busy machine its first connection may take longer than
   * its connect timeout, and until it is made each policy's failure mode decides (fail-open would admit one too many).
   */
  static void connected(WebFluxApp app) {
    RedisRateLimitStore store = app.context().getBean(RedisRateLimitStore.class);
    AtomicInteger probe = new AtomicInteger();
    Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> {
      long degraded = store.stats().degradedDecisions();
      app.get("/api/warm", "X-Client", "warm-" + probe.incrementAndGet());
      return store.stats().degradedDecisions() == degraded;
    });
  }

  /** @return properties of an application whose store is the Redis server, with the command timeout */
  static Map<String, Object> redisStore(RedisServer redis, String commandTimeout) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("limiter.store", "redis");
    p.put("spring.data.redis.host", "127.0.0.1");
    p.put("spring.data.redis.port", String.valueOf(redis.port()));
    p.put("limiter.redis.command-timeout", commandTimeout);
    return p;
  }

  static void rule(Map<String, Object> p, int i, String name, String paths, String limits, String mode) {
    String r = "limiter.filter.rules[" + i + "].";
    p.put(r + "name", name);
    p.put(r + "paths", paths);
    p.put(r + "limits", limits);
    p.put(r + "key", "header:X-Client");
    p.put(r + "failure-mode", mode);
  }

  @AfterAll
  static void stop() {
    WebFluxApp.closeAll(a, b, redis);
  }

  @Test
  @Order(1)
  void twoInstancesShareOneLimitExactly() {
    int admitted = 0;
    for (int i = 0; i < 6; i++) {
      admitted += a.admitted("/api/x", 1, "X-Client", "shared") + b.admitted("/api/x", 1, "X-Client", "shared");
    }
    assertThat(admitted).isEqualTo(5);
  }

  @Test
  @Order(2)
  void aRequestUnderTwoRulesIsChargedAllOrNothing() {
    assertThat(a.get("/files/both", "X-Client", "pair").statusCode()).isEqualTo(200);
    // the narrow rule rejects the next ones: the wide rule's permits are refunded each time
    for (int i = 0; i < 4; i++) {
      assertThat(b.get("/files/both", "X-Client", "pair").statusCode()).isEqualTo(429);
    }
    HttpResponse<String> r = a.get("/files/both", "X-Client", "pair");
    assertThat(r.statusCode()).isEqualTo(429);
    // without the refunds the wide rule (3/minute) would be spent by now and reject with r=0
    assertThat(r.headers().firstValue("RateLimit").orElseThrow()).containsPattern("\"both-wide\";r=[12];");
  }

  /**
   * The chain after a verdict from Redis runs on the event loop of the request's connection, not on Lettuce's I/O
   * thread that answered: the handler there would hold up every Redis reply of the store, and a response written off
   * the connection's loop let Reactor Netty 1.3.6 stop reading a keep-alive connection now and then (the next request
   * hung; this class's requests did, about once in a few hundred).
   */
  @Test
  @Order(3)
  void theChainRunsOnTheConnectionsEventLoopAndKeepAliveRequestsAllAnswer() {
    a.handlers().threads.clear();
    int admitted = a.admitted("/api/loop", 5, "X-Client", "loop");
    assertThat(admitted).isEqualTo(5);
    assertThat(a.handlers().threads).hasSize(5).allMatch(t -> t.startsWith("reactor-http-"), "a server event loop");
    // and a method under @RateLimit, decided on Redis, runs on the loop that subscribed to it
    WebFluxApp.Annotated.THREADS.clear();
    assertThat(a.admitted("/annotated", 3)).isEqualTo(3);
    assertThat(WebFluxApp.Annotated.THREADS).hasSize(3).allMatch(t -> t.startsWith("reactor-http-"), "a server event loop");
    // rejections from Redis, one after another on one keep-alive connection: each is answered
    for (int i = 0; i < 300; i++) {
      assertThat(b.get("/files/both", "X-Client", "pair").statusCode()).isEqualTo(429);
    }
  }

  @Test
  @Order(4)
  void whileRedisIsPausedEachFailureModeDecidesWithoutBlockingTheEventLoop() {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().clientPause(8_000);
      long started = System.nanoTime();
      HttpResponse<String> open = a.get("/api/x", "X-Client", "paused-1");
      HttpResponse<String> closed = b.get("/files/closed/x", "X-Client", "paused-2");
      int local = a.admitted("/files/local/x", 3, "X-Client", "paused-3");
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertThat(open.statusCode()).as("fail-open admits").isEqualTo(200);
      assertThat(closed.statusCode()).as("fail-closed refuses").isEqualTo(503);
      assertThat(closed.headers().firstValue("Retry-After")).hasValue("7");
      assertThat(closed.body()).contains("\"status\":503").contains("fails closed");
      assertThat(local).as("local fallback decides by the policy on a local store").isEqualTo(2);
      // every answer came before Redis did: within the pause (the command timeout is 500 ms)
      assertThat(millis).isLessThan(8_000);
    } finally {
      client.shutdown();
    }
  }
}
