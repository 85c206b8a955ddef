package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Smoke test of the example: starts it on a random port and checks every promise of the README over real HTTP.
 * Each test speaks for its own client address (the loopback peer is trusted as a proxy here only, so that the tests
 * do not share the per-IP buckets).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "limiter.client-ip.trusted-proxies=127.0.0.1")
class ExampleApplicationIT {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path, String client, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("X-Forwarded-For", client);
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void helloAllowsFiveCallsAMinutePerClientIp() throws Exception {
    for (int i = 4; i >= 0; i--) {
      HttpResponse<String> ok = get("/api/hello", "203.0.113.1");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("Hello, rate limited world!");
      assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=100;w=60, \"hello\";q=5;w=60");
      assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).contains("\"hello\";r=" + i + ";t=");
    }
    HttpResponse<String> rejected = get("/api/hello", "203.0.113.1");
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.headers().firstValue("Retry-After")).hasValue("12");
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(rejected.body()).contains("\"title\":\"Too Many Requests\"", "\"violated-policies\":[\"hello\"]",
        "https://iana.org/assignments/http-problem-types#quota-exceeded");
    assertThat(get("/api/hello", "203.0.113.2").statusCode()).as("another client").isEqualTo(200);
  }

  @Test
  void ordersNeedAnApiKeyAndEachKeyHasItsOwnBucket() throws Exception {
    HttpResponse<String> noKey = get("/api/orders", "203.0.113.10");
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(noKey.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(noKey.body()).contains("send the header X-API-Key");
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> ok = get("/api/orders", "203.0.113.10", "X-API-Key", "alice");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit-Policy").orElseThrow())
          .contains("\"orders/minute\";q=10;w=60, \"orders/hour\";q=100;w=3600");
    }
    HttpResponse<String> rejected = get("/api/orders", "203.0.113.10", "X-API-Key", "alice");
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.body()).contains("\"violated-policies\":[\"orders\"]");
    assertThat(get("/api/orders", "203.0.113.10", "X-API-Key", "bob").statusCode()).isEqualTo(200);
  }

  @Test
  void everyApiPathIsLimitedTo100AMinutePerIpByTheUrlRule() throws Exception {
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      assertThat(get("/api/time", "203.0.113.20").statusCode()).isEqualTo(200);
    }
    // The token bucket refills one permit every 0.6 s, so a slow machine may earn a few more while sending.
    long earned = (System.nanoTime() - start) / 600_000_000L + 1;
    HttpResponse<String> rejected = get("/api/time", "203.0.113.20");
    for (long i = 0; i < earned && rejected.statusCode() == 200; i++) {
      rejected = get("/api/time", "203.0.113.20");
    }
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=100;w=60");
    assertThat(rejected.body()).contains("\"violated-policies\":[\"api\"]");
    assertThat(get("/api/hello", "203.0.113.20").statusCode()).as("the rule covers annotated paths too")
        .isEqualTo(429);
    assertThat(get("/actuator/health", "203.0.113.20").statusCode()).as("outside /api/**").isEqualTo(200);
  }

  @Test
  void actuatorListsThePolicies() throws Exception {
    HttpResponse<String> limits = get("/actuator/ratelimits", "203.0.113.30");
    assertThat(limits.statusCode()).isEqualTo(200);
    assertThat(limits.body()).contains("\"api\"", "\"hello\"", "\"orders\"", "\"limits\":\"10/minute; 100/hour\"",
        "\"usedBy\":[\"ApiController.hello()\"]");
  }
}
