package io.limiter.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.docs.CurlTranscript;
import io.limiter.docs.DocBlock;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The transcripts of this example's README are what the packaged application answers: each {@code $ curl} line of a
 * block is sent as written (a {@code for} loop as often as it says) to the application in Jetty, and every response
 * the block shows (after a {@code ...} line: the last ones) must have its status, its shown headers and its body. The
 * application runs on the real clock, so the seconds a header shows ({@code t=}, {@code Retry-After}) may be up to two
 * lower when the calls took that long on a busy machine; every other character is compared ({@link CurlTranscript}).
 */
class ReadmeTranscriptIT {

  @RegisterExtension
  static final PackagedExample APP = new PackagedExample();

  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @Test
  void theHelloTranscript() throws Exception {
    replay("examples/servlet-webxml/README.md#hello-transcript");
  }

  @Test
  void theReportsTranscript() throws Exception {
    replay("examples/servlet-webxml/README.md#reports-transcript");
  }

  @Test
  void theSearchTranscript() throws Exception {
    replay("examples/servlet-webxml/README.md#search-transcript");
  }

  private static void replay(String reference) throws Exception {
    // the page shows port 8080; the test's Jetty listens on a free one
    assertThat(CurlTranscript.differences(DocBlock.of(reference), port -> APP.uri("/"), CLIENT)).isEmpty();
  }
}
