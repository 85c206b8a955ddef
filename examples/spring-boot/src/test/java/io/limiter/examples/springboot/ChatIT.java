package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The token budget of {@code POST /api/chat} over real HTTP (see {@link ChatController}). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "limiter.client-ip.trusted-proxies=127.0.0.1")
class ChatIT {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> chat(String client, String apiKey, int promptChars, int maxTokens) throws Exception {
    String body = "{\"prompt\":\"" + "a".repeat(promptChars) + "\",\"maxTokens\":" + maxTokens + "}";
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/chat"))
        .header("X-Forwarded-For", client).header("X-API-Key", apiKey).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void longAnswersDrainTheTokenBudgetAndItsRejectionNamesIt() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> ok = chat("192.0.2.10", "team-a", 6000, 2000);
      assertThat(ok.statusCode()).as("call %d", i).isEqualTo(200);
      assertThat(ok.body()).contains("\"totalTokens\":3000");
    }
    // 3 x 3,000 tokens of 10,000: 1,000 left (a few more may have refilled), less than the 2,000 reserved
    HttpResponse<String> rejected = chat("192.0.2.10", "team-a", 6000, 2000);
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.body()).contains("\"violated-policies\":[\"chat-tokens\"]");
    assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 6L);
    assertThat(chat("192.0.2.10", "team-b", 6000, 2000).statusCode()).as("another API key").isEqualTo(200);
  }

  @Test
  void shortAnswersAreChargedWhatTheyUsedNotTheEstimate() throws Exception {
    // 2,000 reserved per call: charged at the estimate, the sixth call would be rejected; charged 4 tokens, 15 pass
    for (int i = 0; i < 15; i++) {
      HttpResponse<String> ok = chat("192.0.2.11", "team-c", 8, 2000);
      assertThat(ok.statusCode()).as("call %d", i).isEqualTo(200);
      assertThat(ok.body()).contains("\"totalTokens\":4");
    }
  }
}
