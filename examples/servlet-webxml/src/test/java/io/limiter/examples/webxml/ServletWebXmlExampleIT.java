package io.limiter.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Starts the packaged example (exploded WAR, web.xml as written) in Jetty and sends real requests. */
class ServletWebXmlExampleIT {

  @RegisterExtension
  static final PackagedExample APP = new PackagedExample();

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(APP.uri(path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void greetingIsLimitedPerIpByItsAnnotation() throws Exception {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> ok = get("/hello");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("RateLimit").orElseThrow())
          .matches("\"GreetingServlet\";r=" + (4 - i) + ";t=([1-9]|1[0-2])");
    }
    HttpResponse<String> rejected = get("/hello");
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.headers().firstValue("RateLimit-Policy")).hasValue("\"GreetingServlet\";q=5;w=60");
    assertThat(Integer.parseInt(rejected.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 12);
    assertThat(rejected.body()).contains("\"violated-policies\":[\"GreetingServlet\"]");
  }

  @Test
  void reportsAreLimitedPerApiKeyAndNeedOne() throws Exception {
    assertThat(get("/reports/sales").statusCode()).isEqualTo(401);
    for (int i = 0; i < 3; i++) {
      assertThat(get("/reports/sales", "X-API-Key", "team-a").statusCode()).isEqualTo(200);
    }
    assertThat(get("/reports/sales", "X-API-Key", "team-a").statusCode()).isEqualTo(429);
    assertThat(get("/reports/sales", "X-API-Key", "team-b").statusCode()).isEqualTo(200);
  }

  @Test
  void searchIsLimitedByTheWebXmlRuleAndHealthIsExempt() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(get("/search?q=limits").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> rejected = get("/search?q=limits");
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.body()).contains("\"violated-policies\":[\"search\"]");
    assertThat(get("/SEARCH/").statusCode()).as("another spelling is still counted").isEqualTo(429);
    for (int i = 0; i < 20; i++) {
      assertThat(get("/health").statusCode()).isEqualTo(200);
    }
  }
}
