package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.redis.RedisServer;
import io.limiter.test.NonBlocking;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Two gateway instances sharing one Redis (limiter-spring's {@code limiter.store=redis}) decide exactly, step levels
 * included, and keep deciding without blocking the event loop while Redis is paused ({@code CLIENT PAUSE}): each
 * request then follows its policy's failure mode within the command timeout.
 */
@ExtendWith(NonBlocking.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisGatewayIT {

  static RedisServer redis;
  static Backend backend;
  static Gateway a;
  static Gateway b;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    backend = Backend.start();
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("limiter.store", "redis");
    p.put("spring.data.redis.host", "127.0.0.1");
    p.put("spring.data.redis.port", String.valueOf(redis.port()));
    // generous for a busy machine: only the paused test waits for it
    p.put("limiter.redis.command-timeout", "500ms");
    p.putAll(Gateway.route(0, "api", backend.uri(), Map.of("limits", "5/minute")));
    p.putAll(Gateway.route(1, "stepped", backend.uri(), Map.of("policy", "stepped")));
    p.putAll(Gateway.route(2, "closed", backend.uri(), Map.of("policy", "closed")));
    p.put("limiter.policies.stepped.limits", "4/minute");
    p.put("limiter.policies.stepped.schedule", "zone=UTC; default=50%");
    p.put("limiter.policies.closed.limits", "5/minute");
    p.put("limiter.policies.closed.failure-mode", "fail-closed");
    a = Gateway.start(p, ThreadProbe.class);
    b = Gateway.start(p, ThreadProbe.class);
  }

  @AfterAll
  static void stop() {
    Gateway.closeAll(a, b, backend, redis);
  }

  @Test
  @Order(1)
  void twoGatewaysShareOneLimitExactly() {
    int admitted = 0;
    for (int i = 0; i < 6; i++) {
      admitted += a.admitted("/api/x", "shared-key", 1) + b.admitted("/api/x", "shared-key", 1);
    }
    assertThat(admitted).isEqualTo(5);
  }

  @Test
  @Order(2)
  void aStepLevelDecidesOnRedis() {
    assertThat(a.admitted("/stepped/x", "k", 2) + b.admitted("/stepped/x", "k", 2)).isEqualTo(2);
  }

  /**
   * The route after a decision from Redis runs on the event loop of the request's connection, not on Lettuce's I/O
   * thread that answered (which the proxying would hold up, and from which a written response let Reactor Netty 1.3.6
   * stop reading a keep-alive connection now and then).
   */
  @Test
  @Order(3)
  void theRouteRunsOnTheConnectionsEventLoopAndKeepAliveRequestsAllAnswer() {
    ThreadProbe.THREADS.clear();
    assertThat(a.admitted("/api/x", "loop", 5)).isEqualTo(5);
    assertThat(ThreadProbe.THREADS).hasSize(5).allMatch(t -> t.startsWith("reactor-http-"), "a server event loop");
    for (int i = 0; i < 300; i++) {
      assertThat(b.get("/api/x", "loop").statusCode()).isEqualTo(429);
    }
  }

  @Test
  @Order(4)
  void whileRedisIsPausedEachPolicysFailureModeDecidesWithoutBlockingTheEventLoop() {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().clientPause(5_000);
      long started = System.nanoTime();
      HttpResponse<String> open = a.get("/api/x", "paused-1");
      HttpResponse<String> closed = b.get("/closed/x", "paused-2");
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertThat(open.statusCode()).as("fail-open admits").isEqualTo(200);
      assertThat(closed.statusCode()).as("fail-closed refuses").isEqualTo(429);
      assertThat(closed.headers().firstValue("Retry-After")).hasValue("5");
      // both answered before Redis did: within the pause (the command timeout is 500 ms)
      assertThat(millis).isLessThan(5_000);
    } finally {
      client.shutdown();
    }
  }

  /** Records the thread each admitted request reaches the routing filter on. */
  @Configuration(proxyBeanMethods = false)
  static class ThreadProbe {
    static final Queue<String> THREADS = new ConcurrentLinkedQueue<>();

    @Bean
    GlobalFilter threadProbe() {
      return new ProbeFilter();
    }
  }

  static final class ProbeFilter implements GlobalFilter, Ordered {
    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
      ThreadProbe.THREADS.add(Thread.currentThread().getName());
      return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
      return NettyRoutingFilter.ORDER - 1; // after the route's filters, the rate limiter among them
    }
  }
}
