package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.docs.DocBlock;
import io.limiter.redis.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Smoke test of the example's {@code redis} profile, as {@code run-two-instances.sh} runs it: a real redis-server and
 * two instances of the application (two Spring Boot contexts on random ports) that share it. Requests spread over
 * both instances are admitted exactly up to each limit in total; with Redis stopped, the fail-open policies admit
 * (degraded, counted in the meters) and the fail-closed {@code export} policy answers 503; when Redis is back, both
 * instances use it again without a restart. Each test speaks for its own client address (the loopback peer is
 * trusted as a proxy here only).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesRedisIT {

  private static RedisServer redis;
  private static ConfigurableApplicationContext instanceA;
  private static ConfigurableApplicationContext instanceB;
  private static List<Integer> ports;

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    String prefix = "limiter-example-it-" + UUID.randomUUID() + ":";
    instanceA = instance(prefix);
    instanceB = instance(prefix);
    ports = List.of(port(instanceA), port(instanceB));
  }

  private static ConfigurableApplicationContext instance(String prefix) {
    // exactness over two instances is tested here, not latency: the profile's 100 ms command timeout is missed on a
    // loaded machine, and a timed-out decision is decided by the failure mode (fail-open admits one too many). A
    // stopped Redis is still seen at once (the connection is refused, no command waits for its timeout).
    return new SpringApplicationBuilder(ExampleApplication.class).profiles("redis").run("--server.port=0",
        "--spring.data.redis.port=" + redis.port(), "--limiter.redis.key-prefix=" + prefix,
        "--limiter.redis.command-timeout=30s",
        "--limiter.redis.recovery-backoff=20ms", "--limiter.redis.recovery-backoff-max=200ms",
        "--limiter.client-ip.trusted-proxies=127.0.0.1");
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @AfterAll
  static void stop() {
    for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] {instanceA, instanceB}) {
      if (context != null) {
        context.close();
      }
    }
    if (redis != null) {
      redis.close();
    }
  }

  private HttpResponse<String> get(int instance, String path, String client, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + ports.get(instance) + path))
        .header("X-Forwarded-For", client);
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void theInstancesRunTheRedisProfile() throws Exception {
    assertThat(ports.get(0)).isNotEqualTo(ports.get(1));
    HttpResponse<String> limits = get(0, "/actuator/ratelimits", "203.0.113.50");
    assertThat(limits.statusCode()).isEqualTo(200);
    assertThat(limits.body()).contains("RedisRateLimitStore{prefix=limiter-example-it-", "\"export\"",
        "\"FAIL_CLOSED\"");
  }

  /** docs/spring.md's transcript: the loop over both ports answers what the page shows, call by call. */
  @Test
  @Order(2)
  void theTwoInstancesTranscriptIsWhatTheyAnswer() throws Exception {
    List<String> shown = DocBlock.of("docs/spring.md#two-instances").lines().stream()
        .filter(l -> l.startsWith("port ")).toList();
    assertThat(shown).hasSize(8);
    for (String line : shown) {
      Matcher m = Pattern.compile("port (\\d+): (\\d+)").matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      int instance = m.group(1).equals("8081") ? 0 : 1;
      assertThat(get(instance, "/api/hello", "203.0.113.3").statusCode()).as(line)
          .isEqualTo(Integer.parseInt(m.group(2)));
    }
  }

  @Test
  @Order(2)
  void helloAdmitsExactlyFiveAMinutePerClientOverBothInstances() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = get(i % 2, "/api/hello", "203.0.113.1");
      assertThat(ok.statusCode()).as("call %d on instance %s", i + 1, "AB".charAt(i % 2)).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).contains("\"hello\";r=" + (4 - i) + ";t=");
    }
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> rejected = get(i % 2, "/api/hello", "203.0.113.1");
      assertThat(rejected.statusCode()).as("after the limit, on instance %s", "AB".charAt(i % 2)).isEqualTo(429);
      assertThat(rejected.body()).contains("\"violated-policies\":[\"hello\"]");
      assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 12L);
    }
    assertThat(get(1, "/api/hello", "203.0.113.2").statusCode()).as("another client").isEqualTo(200);
  }

  @Test
  @Order(3)
  void ordersAdmitExactlyTenAMinutePerApiKeyOverBothInstances() throws Exception {
    int admitted = 0;
    for (int i = 0; i < 14; i++) {
      int status = get(i % 2, "/api/orders", "203.0.113.10", "X-API-Key", "alice").statusCode();
      assertThat(status).isIn(200, 429);
      admitted += status == 200 ? 1 : 0;
      assertThat(status).as("call %d", i + 1).isEqualTo(i < 10 ? 200 : 429);
    }
    assertThat(admitted).isEqualTo(10);
  }

  @Test
  @Order(4)
  void withRedisStoppedFailOpenAdmitsDegradedAndFailClosedAnswers503ThenBothRecover() throws Exception {
    assertThat(get(0, "/api/export", "203.0.113.20").statusCode()).isEqualTo(200);
    assertThat(get(1, "/api/export", "203.0.113.20").statusCode()).isEqualTo(200);
    assertThat(get(0, "/api/export", "203.0.113.20").statusCode()).as("2/minute over both").isEqualTo(429);
    double errorsBefore = meter(0, "limiter.store.errors?tag=policy:hello");

    redis.kill();
    for (int instance = 0; instance < 2; instance++) {
      HttpResponse<String> open = get(instance, "/api/hello", "203.0.113.30");
      assertThat(open.statusCode()).as("fail-open on instance %s", "AB".charAt(instance)).isEqualTo(200);
      HttpResponse<String> closed = get(instance, "/api/export", "203.0.113.30");
      assertThat(closed.statusCode()).as("fail-closed on instance %s", "AB".charAt(instance)).isEqualTo(503);
      assertThat(closed.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(closed.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(closed.body()).contains("\"status\":503");
    }
    assertThat(meter(0, "limiter.store.errors?tag=policy:hello")).isGreaterThan(errorsBefore);
    assertThat(meter(0, "limiter.redis.degraded?tag=outcome:allowed")).isGreaterThanOrEqualTo(1);
    assertThat(meter(1, "limiter.redis.degraded?tag=outcome:rejected")).isGreaterThanOrEqualTo(1);
    assertThat(meter(1, "limiter.redis.available")).isZero();

    redis.restart();
    for (int instance = 0; instance < 2; instance++) {
      String client = "203.0.113.4" + instance;
      int i = instance;
      int status = org.awaitility.Awaitility.await("instance " + "AB".charAt(instance) + " back on Redis")
          .atMost(java.time.Duration.ofSeconds(15)).pollInterval(java.time.Duration.ofMillis(50))
          .until(() -> get(i, "/api/export", client).statusCode(), s -> s != 503);
      assertThat(status).isEqualTo(200);
      assertThat(meter(instance, "limiter.redis.available")).isEqualTo(1);
    }
  }

  private static final Pattern VALUE = Pattern.compile("\"statistic\":\"(?:COUNT|VALUE)\",\"value\":([0-9.E-]+)");

  /** A meter's value from the actuator's metrics endpoint, as an operator would read it. */
  private double meter(int instance, String nameAndTags) throws Exception {
    HttpResponse<String> response = get(instance, "/actuator/metrics/" + nameAndTags, "203.0.113.99");
    assertThat(response.statusCode()).as(nameAndTags + ": " + response.body()).isEqualTo(200);
    Matcher m = VALUE.matcher(response.body());
    assertThat(m.find()).as(response.body()).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
