package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitStore;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Transcript;
import io.limiter.test.ManualTicker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * The 429 transcripts of README.md and docs/spring.md are what the example answers over HTTP to the sixth call of
 * {@code /api/hello}: status, every header the pages show, and the body. The store's clock stands still here, so the
 * seconds are the ones a client sees when its six calls take no time.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "limiter.client-ip.trusted-proxies=127.0.0.1")
class DocsTranscriptIT {

  @TestConfiguration
  static class StoppedClock {
    @Bean
    RateLimitStore rateLimitStore() {
      return RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
    }
  }

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> hello(String client) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/hello"))
        .header("X-Forwarded-For", client).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theSixthCallOfHelloAnswersWhatThePagesShow() throws Exception {
    String[] clients = {"203.0.113.21", "203.0.113.22"};
    String[] pages = {"README.md#hello-429", "docs/spring.md#hello-429"};
    for (int p = 0; p < pages.length; p++) {
      for (int i = 0; i < 5; i++) {
        assertThat(hello(clients[p]).statusCode()).isEqualTo(200);
      }
      HttpResponse<String> sixth = hello(clients[p]);
      Transcript.HttpResponse shown = Transcript.http(DocBlock.of(pages[p]));
      assertThat(sixth.statusCode()).as(pages[p]).isEqualTo(shown.status());
      for (Map.Entry<String, String> header : shown.headers().entrySet()) {
        assertThat(sixth.headers().firstValue(header.getKey())).as(pages[p] + ": " + header.getKey())
            .hasValue(header.getValue());
      }
      assertThat(sixth.body()).as(pages[p]).isEqualTo(shown.body());
    }
  }
}
