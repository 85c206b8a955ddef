package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.examples.springboot.demo.StepDemo;
import io.limiter.examples.springboot.demo.Timeline;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
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
    long start = System.nanoTime();
    for (int i = 4; i >= 0; i--) {
      HttpResponse<String> ok = get("/api/hello", "203.0.113.1");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("Hello, rate limited world!");
      assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=100;w=60, \"hello\";q=5;w=60");
      // what the quick starts of README.md and docs/spring.md show
      assertThat(ok.headers().firstValue("RateLimit-Policy"))
          .hasValue(DocsSnippetsTest.transcriptHeader("docs/spring.md#hello-429", "RateLimit-Policy"));
      assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).contains("\"hello\";r=" + i + ";t=");
    }
    HttpResponse<String> rejected = get("/api/hello", "203.0.113.1");
    assertThat(rejected.statusCode()).isEqualTo(429);
    // 12 s per permit on the real clock: the wait is 12 s less what the six calls took (seconds on a busy machine)
    long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(Math.max(1, 12 - elapsedSeconds - 1), 12L);
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
    assertThat(noKey.headers().firstValue("WWW-Authenticate")).hasValue("ApiKey header=\"X-API-Key\"");
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
  void threeDemoApiKeysOnThreeTiers() throws Exception {
    int free = 0;
    int pro = 0;
    for (int i = 0; i < 8; i++) {
      free += get("/catalog", "203.0.113.40", "X-API-Key", DemoApiKeys.FREE).statusCode() == 200 ? 1 : 0;
      pro += get("/catalog", "203.0.113.40", "X-API-Key", DemoApiKeys.PRO).statusCode() == 200 ? 1 : 0;
    }
    assertThat(free).as("free: 5/minute").isEqualTo(5);
    assertThat(pro).as("pro: 100/minute").isEqualTo(8);
    HttpResponse<String> proResponse = get("/catalog", "203.0.113.40", "X-API-Key", DemoApiKeys.PRO);
    assertThat(proResponse.headers().firstValue("RateLimit-Policy")).hasValue("\"catalog\";q=100;w=60");
    for (int i = 0; i < 120; i++) {
      HttpResponse<String> internal = get("/catalog", "203.0.113.40", "X-API-Key", DemoApiKeys.INTERNAL);
      assertThat(internal.statusCode()).isEqualTo(200);
      assertThat(internal.headers().firstValue("RateLimit-Policy")).as("unlimited: no fields").isEmpty();
    }
    HttpResponse<String> unknown = get("/catalog", "203.0.113.40", "X-API-Key", "stolen-key");
    assertThat(unknown.headers().firstValue("RateLimit-Policy")).as("unknown keys get the free tier")
        .hasValue("\"catalog\";q=5;w=60");
  }

  @Test
  void theAdaptiveEndpointIsLimitedByItsControllersLevel() throws Exception {
    HttpResponse<String> work = get("/work", "203.0.113.50");
    assertThat(work.statusCode()).isEqualTo(200);
    assertThat(work.body()).contains("\"workedMillis\"");
    assertThat(work.headers().firstValue("RateLimit-Policy")).hasValue("\"work\";q=300;w=1");
    HttpResponse<String> limits = get("/actuator/ratelimits", "203.0.113.50");
    assertThat(limits.body()).contains("\"work-health\":{\"level\":0,\"factor\":\"100%\"",
        "\"levels\":[\"100%\",\"75%\",\"50%\",\"25%\"]", "\"running\":true", "\"adaptive\":\"work-health\"");
  }

  @Test
  void theStepDemoDriverRunsAgainstTheApp() throws Exception {
    // a smoke run of the demonstration's driver (the real one runs with -Pstep-demo), so that it never rots
    System.setProperty("java.awt.headless", "true");
    StepDemo.Result result = StepDemo.run(StepDemo.Options.parse("--seconds", "3", "--low", "20", "--peak", "60",
        "--url", "http://localhost:" + port, "--out", Path.of("target", "step-demo-smoke").toString()));
    assertThat(result.rows()).hasSize(3).allSatisfy(r -> {
      assertThat(r.offered()).isPositive();
      assertThat(r.rejected()).as("light load stays under 300/s").isZero();
      assertThat(r.limitRps()).isEqualTo(300.0);
    });
    assertThat(result.rows().stream().mapToLong(Timeline.Row::admitted).sum()).isGreaterThan(40);
    List<String> csv = Files.readAllLines(result.csv());
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).isEqualTo("t_s,offered_rps,admitted_rps,rejected_rps,p95_latency_ms,level,level_pct,"
        + "limit_rps,failed,client_dropped");
    assertThat(csv.get(1)).startsWith("0,").contains(",0,100,300,");
    BufferedImage png = ImageIO.read(result.png().toFile());
    assertThat(png.getWidth()).isEqualTo(1200);
    assertThat(png.getHeight()).isEqualTo(900);
  }

  @Test
  void theActuatorEndpointIsReadOnly() throws Exception {
    HttpRequest pin = HttpRequest.newBuilder(URI.create("http://localhost:" + port
            + "/actuator/ratelimits/controllers/work-health"))
        .header("X-Forwarded-For", "203.0.113.31").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"level\": \"25%\", \"reason\": \"anyone\"}")).build();
    assertThat(http.send(pin, HttpResponse.BodyHandlers.ofString()).statusCode()).as("pin").isBetween(400, 499);
    HttpRequest release = HttpRequest.newBuilder(URI.create("http://localhost:" + port
            + "/actuator/ratelimits/penalties/work?key=ip:203.0.113.31"))
        .header("X-Forwarded-For", "203.0.113.31").DELETE().build();
    assertThat(http.send(release, HttpResponse.BodyHandlers.ofString()).statusCode()).as("release")
        .isBetween(400, 499);
    assertThat(get("/actuator/ratelimits", "203.0.113.31").body())
        .contains("\"work-health\":{\"level\":0,\"factor\":\"100%\"").contains("\"pinned\":false");
  }

  @Test
  void actuatorListsThePolicies() throws Exception {
    HttpResponse<String> limits = get("/actuator/ratelimits", "203.0.113.30");
    assertThat(limits.statusCode()).isEqualTo(200);
    assertThat(limits.body()).contains("\"api\"", "\"hello\"", "\"orders\"", "\"limits\":\"10/minute; 100/hour\"",
        "\"usedBy\":[\"ApiController.hello()\"]");
  }
}
