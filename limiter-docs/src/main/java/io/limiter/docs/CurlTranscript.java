package io.limiter.docs;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replays a page's curl transcript against a running application and lists where the answers differ from the page.
 *
 * <p>A transcript block is a series of {@code $ } command lines, each followed by the responses the page shows for it.
 * A command is {@code curl -si [-H 'Name: value'] 'http://127.0.0.1:PORT/path'}, optionally inside
 * {@code for i in 1 2 3; do ...; done} (sent once per listed number). A {@code ...} line means the page shows only the
 * last responses. Each shown response (a status line, header lines, a blank line, a body) must match the actual one:
 * the status, every shown header (a header the page shows but the response lacks differs) and the body, whitespace at
 * its ends aside. The applications run on the real clock, so in {@code RateLimit} ({@code t=}) and
 * {@code Retry-After} the actual seconds may be up to two lower than shown, when the calls took that long.
 *
 * <p>Stateless and thread-safe.
 */
public final class CurlTranscript {

  private static final Pattern CURL =
      Pattern.compile("curl -si (?:-H '([^:]+): ([^']+)' )?'?http://127\\.0\\.0\\.1:(\\d+)([^' ;]+)'?");
  private static final Pattern LOOP = Pattern.compile("for i in ([0-9 ]+); do");
  private static final Pattern SECONDS_FIELD = Pattern.compile("t=(\\d+)");
  private static final Pattern SECONDS = Pattern.compile("^(\\d+)$");

  private CurlTranscript() {
  }

  /**
   * Sends every command of the block and compares the answers with the page.
   *
   * @param block the transcript
   * @param application the base URI ({@code http://127.0.0.1:54321}) serving what the page shows on a port
   *     ({@code 8080}): tests start applications on free ports
   * @param client the HTTP client to send with
   * @return one message per difference, each naming the page, the command and what differs; empty when the page is
   *     right. A block that shows no response at all is a difference too.
   * @throws IOException if a request cannot be sent
   * @throws InterruptedException if interrupted while waiting for a response
   */
  public static List<String> differences(DocBlock block, IntFunction<URI> application, HttpClient client)
      throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    List<String> lines = block.lines();
    int checked = 0;
    for (int i = 0; i < lines.size(); ) {
      String command = lines.get(i++);
      if (!command.startsWith("$ ")) {
        out.add(block.where() + ": expected a \"$ \" command line but found: " + command);
        return out;
      }
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
      String what = block.where() + ": " + command;
      List<HttpResponse<String>> actual = send(command, application, client);
      if (actual == null) {
        out.add(what + ": not a curl command this replay understands");
        continue;
      }
      if (cut ? actual.size() < shown.size() : actual.size() != shown.size()) {
        out.add(what + ": answers " + actual.size() + " responses, the page shows " + shown.size());
        continue;
      }
      List<HttpResponse<String>> compared = actual.subList(actual.size() - shown.size(), actual.size());
      for (int r = 0; r < shown.size(); r++) {
        compare(what + " (response " + (actual.size() - shown.size() + r + 1) + ")", shown.get(r), compared.get(r),
            out);
        checked++;
      }
    }
    if (checked == 0) {
      out.add(block.where() + ": shows no response");
    }
    return out;
  }

  private static List<HttpResponse<String>> send(String command, IntFunction<URI> application, HttpClient client)
      throws IOException, InterruptedException {
    Matcher curl = CURL.matcher(command);
    if (!curl.find()) {
      return null;
    }
    URI base = application.apply(Integer.parseInt(curl.group(3)));
    Matcher loop = LOOP.matcher(command);
    int times = loop.find() ? loop.group(1).trim().split("\\s+").length : 1;
    List<HttpResponse<String>> out = new ArrayList<>();
    for (int t = 0; t < times; t++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(curl.group(4)))
          .timeout(Duration.ofSeconds(60));
      if (curl.group(1) != null) {
        request.header(curl.group(1), curl.group(2));
      }
      out.add(client.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }
    return out;
  }

  private static void compare(String what, List<String> shown, HttpResponse<String> actual, List<String> out) {
    int status = Integer.parseInt(shown.get(0).split(" ")[1]);
    if (actual.statusCode() != status) {
      out.add(what + ": status " + actual.statusCode() + ", the page shows " + status);
    }
    int i = 1;
    for (; i < shown.size() && !shown.get(i).isBlank(); i++) {
      String line = shown.get(i);
      String name = line.substring(0, line.indexOf(':'));
      String value = line.substring(name.length() + 1).trim();
      String got = actual.headers().firstValue(name).orElse("<none>");
      boolean same = name.equalsIgnoreCase("RateLimit") || name.equalsIgnoreCase("Retry-After")
          ? sameButSeconds(value, got) : got.equals(value);
      if (!same) {
        out.add(what + ": " + name + ": " + got + ", the page shows " + value);
      }
    }
    StringBuilder body = new StringBuilder();
    for (i++; i < shown.size(); i++) {
      body.append(shown.get(i)).append('\n');
    }
    if (!actual.body().strip().equals(body.toString().strip())) {
      out.add(what + ": body " + actual.body().strip() + ", the page shows " + body.toString().strip());
    }
  }

  /** Equal but for the seconds ({@code t=} of a field, or the whole {@code Retry-After}), up to two lower. */
  private static boolean sameButSeconds(String shown, String got) {
    Pattern seconds = shown.startsWith("\"") ? SECONDS_FIELD : SECONDS;
    Matcher s = seconds.matcher(shown);
    Matcher g = seconds.matcher(got);
    if (!s.find() || !g.find()) {
      return got.equals(shown);
    }
    int expected = Integer.parseInt(s.group(1));
    int actual = Integer.parseInt(g.group(1));
    return s.replaceAll("N").equals(seconds.matcher(got).replaceAll("N")) && actual <= expected
        && actual >= expected - 2;
  }
}
