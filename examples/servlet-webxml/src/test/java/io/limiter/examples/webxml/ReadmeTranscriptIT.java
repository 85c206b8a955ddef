package io.limiter.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.docs.DocBlock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The transcripts of this example's README are what the packaged application answers: each {@code $ curl} line of a
 * block is sent as written (a {@code for} loop as often as it says) to the application in Jetty, and every response
 * the block shows (after a {@code ...} line: the last ones) must have its status, its shown headers and its body. The
 * application runs on the real clock, so the seconds a header shows ({@code t=}, {@code Retry-After}) may be up to two
 * lower when the calls took that long on a busy machine; every other character is compared.
 */
class ReadmeTranscriptIT {

  private static final Pattern CURL = Pattern.compile("curl -si (?:-H '([^:]+): ([^']+)' )?'?http://127\\.0\\.0\\.1:8080([^' ;]+)'?");
  private static final Pattern LOOP = Pattern.compile("for i in ([0-9 ]+); do");

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
    List<String> lines = DocBlock.of(reference).lines();
    int checked = 0;
    for (int i = 0; i < lines.size(); ) {
      String command = lines.get(i++);
      assertThat(command).as(reference).startsWith("$ ");
      List<List<String>> shown = new ArrayList<>();
      boolean cut = false;
      while (i < lines.size() && !lines.get(i).startsWith("$ ")) {
        String line = lines.get(i++);
        if (line.equals("...")) {
          cut = true;
        } else if (line.startsWith("HTTP/")) {
          shown.add(new ArrayList<>(List.of(line)));
        } else if (!shown.isEmpty()) {
          shown.get(shown.size() - 1).add(line);
        }
      }
      List<HttpResponse<String>> actual = run(command, reference);
      assertThat(cut ? actual.size() >= shown.size() : actual.size() == shown.size())
          .as("%s: %s answers %d responses, the page shows %d", reference, command, actual.size(), shown.size())
          .isTrue();
      List<HttpResponse<String>> compared = actual.subList(actual.size() - shown.size(), actual.size());
      for (int r = 0; r < shown.size(); r++) {
        compare(reference + ": " + command, shown.get(r), compared.get(r));
        checked++;
      }
    }
    assertThat(checked).as(reference).isPositive();
  }

  private static List<HttpResponse<String>> run(String command, String reference) throws Exception {
    Matcher curl = CURL.matcher(command);
    assertThat(curl.find()).as("%s: a curl command in %s", reference, command).isTrue();
    Matcher loop = LOOP.matcher(command);
    int times = loop.find() ? loop.group(1).trim().split("\\s+").length : 1;
    List<HttpResponse<String>> out = new ArrayList<>();
    for (int t = 0; t < times; t++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(
          APP.uri(curl.group(3)));
      if (curl.group(1) != null) {
        b.header(curl.group(1), curl.group(2));
      }
      out.add(CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }
    return out;
  }

  private static void compare(String what, List<String> shown, HttpResponse<String> actual) {
    assertThat(actual.statusCode()).as(what).isEqualTo(Integer.parseInt(shown.get(0).split(" ")[1]));
    int i = 1;
    for (; i < shown.size() && !shown.get(i).isBlank(); i++) {
      String line = shown.get(i);
      String name = line.substring(0, line.indexOf(':'));
      String value = line.substring(name.length() + 1).trim();
      String got = actual.headers().firstValue(name).orElse("<none>");
      if (name.equals("RateLimit") || name.equals("Retry-After")) {
        assertThat(withoutSeconds(got)).as(what + ": " + name).isEqualTo(withoutSeconds(value));
        assertThat(seconds(got)).as(what + ": " + name + " seconds").isBetween(seconds(value) - 2, seconds(value));
      } else {
        assertThat(got).as(what + ": " + name).isEqualTo(value);
      }
    }
    StringBuilder body = new StringBuilder();
    for (i++; i < shown.size(); i++) {
      body.append(shown.get(i)).append('\n');
    }
    assertThat(actual.body().strip()).as(what + ": body").isEqualTo(body.toString().strip());
  }

  private static String withoutSeconds(String value) {
    return value.startsWith("\"") ? value.replaceAll("t=\\d+", "t=N") : "N";
  }

  private static int seconds(String value) {
    Matcher m = value.startsWith("\"") ? Pattern.compile("t=(\\d+)").matcher(value) : Pattern.compile("^(\\d+)$")
        .matcher(value);
    assertThat(m.find()).as(value).isTrue();
    return Integer.parseInt(m.group(1));
  }
}
