package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.redis.RedisServer;
import io.limiter.spring.webflux.RateLimitWebFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * Keeps P5-R's servers from rotting (no numbers): every {@link ReactiveTarget} variant starts on Netty, answers
 * {@code hello} on {@code /hello}, and does the work it is measured for: no limiter at all (not even Limiter's WebFilter
 * without rules, which limiter-spring installs in every reactive application), Limiter's WebFilter, or a
 * gateway route deciding with the gateway's {@code RedisRateLimiter} or Limiter's {@code LimiterRateLimiter} — each
 * gateway limiter's state lands in the shared Redis, and only that limiter's. {@link WebFilterPair} serves the same
 * endpoint through the WebFilter on one port and without it on the other.
 */
class ReactiveTargetIT {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  private static RedisServer redis;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
    client = RedisClient.create(redis.uri());
    connection = client.connect();
  }

  @AfterAll
  static void stopRedis() {
    if (connection != null) {
      connection.close();
    }
    if (client != null) {
      client.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void theBareWebFluxEndpointAnswersWithoutAnyLimiter() throws Exception {
    try (ReactiveTarget target = ReactiveTarget.start("webflux", 0, null)) {
      assertOnNetty(target);
      HttpResponse<String> response = hello(target);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("hello\n");
      assertThat(response.headers().map().keySet()).noneMatch(name -> name.toLowerCase().contains("ratelimit"));
      assertThat(target.context().getBeanNamesForType(RateLimitWebFilter.class)).isEmpty();
    }
  }

  @Test
  void theWebFilterDecidesOnTheSameEndpointWithALimitNeverReached() throws Exception {
    try (ReactiveTarget target = ReactiveTarget.start("webflux-limiter", 0, null)) {
      assertOnNetty(target);
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> response = hello(target);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello\n");
        assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"hello\";q=1000000;w=1");
      }
      assertThat(target.context().getBeanNamesForType(RateLimitWebFilter.class)).hasSize(1);
    }
  }

  @Test
  void thePairServesTheSameEndpointThroughTheWebFilterOnOnePortAndWithoutItOnTheOther() throws Exception {
    try (WebFilterPair pair = WebFilterPair.start()) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> with = hello(pair.withPort());
        assertThat(with.statusCode()).isEqualTo(200);
        assertThat(with.body()).isEqualTo("hello\n");
        assertThat(with.headers().firstValue("RateLimit-Policy")).hasValue("\"hello\";q=1000000;w=1");
        assertThat(with.headers().firstValue("RateLimit")).hasValueSatisfying(
            field -> assertThat(field).startsWith("\"hello\";r=").endsWith(";t=1"));
        HttpResponse<String> without = hello(pair.withoutPort());
        assertThat(without.statusCode()).isEqualTo(200);
        assertThat(without.body()).isEqualTo("hello\n");
        assertThat(without.headers().map().keySet()).noneMatch(name -> name.toLowerCase().contains("ratelimit"));
        // the same application behind both: the same response but for the filter's fields
        assertThat(without.headers().firstValue("Content-Type")).isEqualTo(with.headers().firstValue("Content-Type"));
      }
    }
  }

  @Test
  void theGatewayRouteDecidesWithTheGatewaysRedisRateLimiterOnRedis() throws Exception {
    // the gateway's own fields: its RedisRateLimiter decided (1,000,000 tokens, one taken per request)
    List<String> keys = gatewayKeys("gateway-redis", "X-RateLimit-Burst-Capacity", "1000000", "RateLimit-Policy");
    assertThat(keys).isNotEmpty().allMatch(key -> key.startsWith("request_rate_limiter.{hello.127.0.0.1}."));
  }

  @Test
  void theGatewayRouteDecidesWithLimitersRateLimiterOnTheSameRedis() throws Exception {
    List<String> keys = gatewayKeys("gateway-limiter", "RateLimit-Policy", "\"hello\";q=1000000;w=1",
        "X-RateLimit-Burst-Capacity");
    // Limiter's Redis store holds the route's state, the gateway's limiter none
    assertThat(keys).isNotEmpty().noneMatch(key -> key.startsWith("request_rate_limiter."));
  }

  /**
   * Three requests through a gateway variant on an empty Redis: each answered by the backend with the header of the
   * limiter that decided, and not the other's.
   *
   * @return the keys in Redis afterwards
   */
  private static List<String> gatewayKeys(String variant, String header, String value, String absentHeader)
      throws Exception {
    connection.sync().flushall();
    try (ReactiveTarget target = ReactiveTarget.start(variant, 0, redis.uri())) {
      assertOnNetty(target);
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> response = hello(target);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello\n");
        assertThat(response.headers().firstValue(header)).hasValue(value);
        assertThat(response.headers().firstValue(absentHeader)).isEmpty();
      }
      // the gateways differ only by the route's limiter: no WebFilter in either
      assertThat(target.context().getBeanNamesForType(RateLimitWebFilter.class)).isEmpty();
      return connection.sync().keys("*");
    }
  }

  @Test
  void aGatewayVariantWithoutRedisAndAnUnknownVariantFailToStartWithTheReason() {
    assertThatThrownBy(() -> ReactiveTarget.start("gateway-limiter", 0, ""))
        .hasMessageContaining("gateway-limiter needs the Redis URI");
    assertThatThrownBy(() -> ReactiveTarget.start("webflux-nope", 0, null))
        .hasMessageContaining("unknown variant webflux-nope");
  }

  private static void assertOnNetty(ReactiveTarget target) {
    assertThat(((WebServerApplicationContext) target.context()).getWebServer().getClass().getSimpleName())
        .isEqualTo("NettyWebServer");
  }

  private static HttpResponse<String> hello(ReactiveTarget target) throws Exception {
    return hello(target.port());
  }

  private static HttpResponse<String> hello(int port) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }
}
