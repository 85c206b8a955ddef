package io.limiter.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.docs.CurlTranscript;
import io.limiter.docs.DocBlock;
import io.limiter.test.NonBlocking;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's transcripts are what the example answers over real HTTP: both applications start as the README's
 * command starts them (free ports instead of 8081 and 8080), and each {@code $ curl} line of a block is sent as
 * written (a {@code for} loop as often as it says) to the application on that port; every response the block shows
 * (after a {@code ...} line: the last ones) must have its status, its shown headers and its body. The applications run
 * on the real clock, so the seconds a header shows ({@code t=}, {@code Retry-After}) may be up to two lower when the
 * calls took that long on a busy machine; every other character is compared ({@link CurlTranscript}). Under
 * {@link NonBlocking}: a blocking call on a Netty or Reactor thread of either application fails the test.
 */
@ExtendWith(NonBlocking.class)
class ReadmeTranscriptIT {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  private static WebFluxGatewayExample example;

  @BeforeAll
  static void start() {
    example = WebFluxGatewayExample.start(new String[] {"--server.address=127.0.0.1"}, 0, 0);
  }

  @AfterAll
  static void stop() {
    if (example != null) {
      example.close();
    }
  }

  @Test
  void theServicesWebFilterTranscript() throws Exception {
    replay("examples/webflux-gateway/README.md#service-transcript");
  }

  @Test
  void theGatewayRouteTranscript() throws Exception {
    replay("examples/webflux-gateway/README.md#gateway-transcript");
  }

  private static void replay(String reference) throws Exception {
    // the page shows the gateway on 8080 and the service on 8081; the test's listen on free ports
    assertThat(CurlTranscript.differences(DocBlock.of(reference), port -> URI.create("http://127.0.0.1:"
        + (port == 8080 ? example.gatewayPort() : example.servicePort())), CLIENT)).isEmpty();
  }
}
