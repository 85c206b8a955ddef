package io.limiter.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A replayed transcript agrees only when every shown status, header and body does; the seconds of {@code RateLimit}
 * and {@code Retry-After} may be up to two lower than shown, never higher; a missing header, a wrong count of
 * responses and a block without responses are differences.
 */
class CurlTranscriptTest {

  private HttpServer server;
  private final AtomicInteger calls = new AtomicInteger();
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/hello", exchange -> {
      boolean rejected = calls.incrementAndGet() > 2;
      byte[] body = (rejected ? "no" : "hello").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("RateLimit", "\"hello\";r=0;t=19");
      if (rejected) {
        exchange.getResponseHeaders().add("Retry-After", "19");
      }
      exchange.sendResponseHeaders(rejected ? 429 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private List<String> replay(String body) throws Exception {
    DocBlock block = new DocBlock("page.md", 7, "", "check", "t", body);
    return CurlTranscript.differences(block, port -> URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        client);
  }

  @Test
  void theLastResponsesOfALoopAgreeWithSecondsUpToTwoLower() throws Exception {
    assertThat(replay("$ for i in 1 2 3; do curl -si http://127.0.0.1:8080/hello; done\n...\n"
        + "HTTP/1.1 429 Too Many Requests\nRateLimit: \"hello\";r=0;t=20\nRetry-After: 21\n\nno\n")).isEmpty();
  }

  @Test
  void everyDifferenceIsListed() throws Exception {
    List<String> differences = replay("$ curl -si http://127.0.0.1:8080/hello\n"
        + "HTTP/1.1 201 Created\nRateLimit: \"hello\";r=1;t=19\nX-Missing: 1\n\nhi\n"
        + "$ curl -si http://127.0.0.1:8080/hello\nHTTP/1.1 200 OK\nRateLimit: \"hello\";r=0;t=18\n\nhello\n"
        + "$ for i in 1 2; do curl -si http://127.0.0.1:8080/hello; done\nHTTP/1.1 429 Too Many Requests\n\nno\n");
    assertThat(differences).containsExactly(
        "page.md:7: $ curl -si http://127.0.0.1:8080/hello (response 1): status 200, the page shows 201",
        "page.md:7: $ curl -si http://127.0.0.1:8080/hello (response 1): RateLimit: \"hello\";r=0;t=19, the page "
            + "shows \"hello\";r=1;t=19",
        "page.md:7: $ curl -si http://127.0.0.1:8080/hello (response 1): X-Missing: <none>, the page shows 1",
        "page.md:7: $ curl -si http://127.0.0.1:8080/hello (response 1): body hello, the page shows hi",
        "page.md:7: $ curl -si http://127.0.0.1:8080/hello (response 1): RateLimit: \"hello\";r=0;t=19, the page "
            + "shows \"hello\";r=0;t=18",
        "page.md:7: $ for i in 1 2; do curl -si http://127.0.0.1:8080/hello; done: answers 2 responses, the page "
            + "shows 1");
  }

  @Test
  void aBlockWithoutResponsesOrCurlIsADifference() throws Exception {
    assertThat(replay("$ curl -si http://127.0.0.1:8080/hello\n")).contains("page.md:7: shows no response");
    assertThat(replay("$ wget http://127.0.0.1:8080/hello\nHTTP/1.1 200 OK\n")).contains(
        "page.md:7: $ wget http://127.0.0.1:8080/hello: not a curl command this replay understands");
  }
}
