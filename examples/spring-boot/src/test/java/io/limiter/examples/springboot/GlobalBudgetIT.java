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
 * A request's policies are all or nothing, over real HTTP: the example with its URL rule turned into a global budget
 * ({@code /api/** 100/minute key=global}) in front of {@code @RateLimit("5/minute")} per IP on {@code /api/hello}.
 * One throttled client must not spend everyone's global budget with requests that its own limit rejects: each
 * rejection refunds the global permit the URL rule took before the 429 is written.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"limiter.client-ip.trusted-proxies=127.0.0.1", "limiter.filter.rules[0].name=api",
        "limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].limits=100/minute",
        "limiter.filter.rules[0].key=global"})
class GlobalBudgetIT {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private int get(String path, String client) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("X-Forwarded-For", client).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aThrottledClientDoesNotSpendTheGlobalBudgetOfEveryoneElse() throws Exception {
    int admitted = 0;
    int rejected = 0;
    for (int i = 0; i < 130; i++) {
      int status = get("/api/hello", "198.51.100.1");
      if (status == 200) {
        admitted++;
      } else if (status == 429) {
        rejected++;
      }
    }
    // 5/minute refills one permit every 12 s: a very slow machine may earn one or two more while sending
    assertThat(admitted).as("client A admitted by its own 5/minute").isBetween(5, 7);
    assertThat(rejected).isEqualTo(130 - admitted);
    assertThat(get("/api/time", "198.51.100.2")).as("client B's first request under /api").isEqualTo(200);
    assertThat(get("/api/hello", "198.51.100.2")).as("client B's first /api/hello").isEqualTo(200);
    // the global budget is still a budget: 100 a minute for everyone, of which A used its admitted calls and B two
    // (the bucket refills one every 0.6 s, so what the slow sending earned back is on top, up to a full bucket)
    int more = 0;
    int status;
    while ((status = get("/api/time", "198.51.100.3")) == 200 && more < 200) {
      more++;
    }
    assertThat(status).as("the global budget runs out").isEqualTo(429);
    assertThat(more).as("left of the global 100/minute").isBetween(100 - admitted - 2, 100);
  }
}
