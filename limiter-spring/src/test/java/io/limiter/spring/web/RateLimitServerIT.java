package io.limiter.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The same application on a real Tomcat on a random port, over real HTTP. */
@SpringBootTest(classes = MvcTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"limiter.filter.rules[0].name=filtered", "limiter.filter.rules[0].paths=/filtered/**",
        "limiter.filter.rules[0].limits=2/minute", "limiter.client-ip.trusted-proxies=127.0.0.1"})
class RateLimitServerIT {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path, String client) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("X-Forwarded-For", client).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void annotatedHandlerOverHttp() throws Exception {
    long first = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> ok = get("/hello", "192.0.2.1");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"hello\";q=3;w=60");
    }
    HttpResponse<String> rejected = get("/hello", "192.0.2.1");
    assertThat(rejected.statusCode()).isEqualTo(429);
    // 3/minute: the first permit comes back 20 s after the first call, so Retry-After is 20 less the seconds the
    // calls took (on a loaded machine they may take more than one)
    long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - first);
    assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(20 - elapsed - 1, 20L);
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(rejected.body()).contains("\"violated-policies\":[\"hello\"]", "\"status\":429");
    assertThat(get("/hello", "192.0.2.2").statusCode()).as("another client behind the trusted proxy").isEqualTo(200);
  }

  @Test
  void urlRuleOverHttp() throws Exception {
    assertThat(get("/filtered/data", "198.51.100.7").statusCode()).isEqualTo(200);
    assertThat(get("/filtered/data", "198.51.100.7").statusCode()).isEqualTo(200);
    HttpResponse<String> rejected = get("/filtered/data", "198.51.100.7");
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.body()).contains("\"violated-policies\":[\"filtered\"]");
    assertThat(get("/filtered//data;x=1", "198.51.100.7").statusCode()).as("a disguised path is the same path")
        .isEqualTo(429);
  }
}
