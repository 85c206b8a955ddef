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
import java.util.List;
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

  /**
   * docs/spring.md's token budget: the same chat request four times; the page shows each response's status, the
   * headers it lists and the body, where {@code ...} stands for text left out.
   */
  @Test
  void fourChatsOfSixThousandCharactersAnswerWhatThePageShows() throws Exception {
    List<List<String>> shown = responses(DocBlock.of("docs/spring.md#chat-transcript").lines());
    assertThat(shown).hasSize(4);
    String body = "{\"prompt\":\"" + "a".repeat(6000) + "\",\"maxTokens\":2000}";
    for (List<String> response : shown) {
      HttpResponse<String> actual = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/chat"))
          .header("X-API-Key", "alice").header("Content-Type", "application/json")
          .header("X-Forwarded-For", "203.0.113.23")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(actual.statusCode()).as(response.get(0)).isEqualTo(Integer.parseInt(response.get(0).split(" ")[1]));
      StringBuilder shownBody = new StringBuilder();
      for (String line : response.subList(1, response.size())) {
        if (shownBody.length() == 0 && line.matches("[A-Za-z-]+: .*")) {
          String name = line.substring(0, line.indexOf(':'));
          assertThat(actual.headers().firstValue(name)).as(name).hasValue(line.substring(name.length() + 2));
        } else {
          shownBody.append(line.strip());
        }
      }
      assertThat(elided(shownBody.toString(), actual.body())).as("body %s is %s", actual.body(), shownBody).isTrue();
    }
  }

  /** The responses of a transcript: from each {@code HTTP/} line to the next one or the next command. */
  private static List<List<String>> responses(List<String> lines) {
    List<List<String>> out = new java.util.ArrayList<>();
    List<String> current = null;
    for (String line : lines) {
      if (line.startsWith("HTTP/")) {
        current = new java.util.ArrayList<>(List.of(line));
        out.add(current);
      } else if (line.startsWith("$ ") || line.startsWith("    ")) {
        current = null;
      } else if (current != null) {
        current.add(line);
      }
    }
    return out;
  }

  /** Whether the actual text is the shown one with each {@code ...} standing for any text. */
  private static boolean elided(String shown, String actual) {
    String[] parts = shown.split("\\.\\.\\.", -1);
    if (!actual.startsWith(parts[0]) || !actual.endsWith(parts[parts.length - 1])) {
      return false;
    }
    int at = parts[0].length();
    for (int i = 1; i < parts.length - 1; i++) {
      at = actual.indexOf(parts[i], at);
      if (at < 0) {
        return false;
      }
      at += parts[i].length();
    }
    return at <= actual.length() - parts[parts.length - 1].length();
  }
}
