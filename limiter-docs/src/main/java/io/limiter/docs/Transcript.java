package io.limiter.docs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a page shows a program printing or answering, read so that a test can compare it with what the program does.
 *
 * <p>Lines: a documented line ending in {@code ...} (the page cut a long message) matches an actual line that starts
 * with the text before the dots; any other line must be equal. HTTP: {@link #http(DocBlock)} reads a response
 * ({@code HTTP/1.1 429}, header lines, a blank line, a body that may be wrapped over several lines).
 *
 * <p>Stateless and thread-safe.
 */
public final class Transcript {

  private Transcript() {
  }

  /**
   * Compares documented lines with actual lines.
   *
   * @param documented the page's lines
   * @param actual what the program printed
   * @return one message per difference; empty when they agree
   */
  public static List<String> differences(List<String> documented, List<String> actual) {
    List<String> out = new ArrayList<>();
    if (documented.size() != actual.size()) {
      out.add("the page shows " + documented.size() + " lines, the program printed " + actual.size() + ": " + actual);
    }
    for (int i = 0; i < Math.min(documented.size(), actual.size()); i++) {
      String doc = documented.get(i).stripTrailing();
      String act = actual.get(i).stripTrailing();
      boolean cut = doc.endsWith("...");
      String prefix = cut ? doc.substring(0, doc.length() - 3).stripTrailing() : doc;
      if (cut ? !act.startsWith(prefix) : !act.equals(doc)) {
        out.add("line " + (i + 1) + ": the page shows \"" + doc + "\", the program printed \"" + act + "\"");
      }
    }
    return out;
  }

  /**
   * An HTTP response as a page shows it.
   *
   * @param status the status code of the first line
   * @param headers the header lines in order (name as written, value trimmed)
   * @param body the body with the page's line wrapping removed (lines stripped and joined), or empty
   */
  public record HttpResponse(int status, Map<String, String> headers, String body) {
  }

  /**
   * Reads a documented HTTP response.
   *
   * @param block a block whose first line is a status line
   * @return the response
   * @throws IllegalArgumentException if the block is not one
   */
  public static HttpResponse http(DocBlock block) {
    List<String> lines = block.lines();
    String[] status = lines.get(0).split(" ");
    if (status.length < 2 || !status[0].startsWith("HTTP/")) {
      throw new IllegalArgumentException(block.where() + ": not an HTTP response: " + lines.get(0));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int i = 1;
    for (; i < lines.size() && !lines.get(i).isBlank(); i++) {
      String line = lines.get(i);
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon), line.substring(colon + 1).trim());
    }
    StringBuilder body = new StringBuilder();
    for (i++; i < lines.size(); i++) {
      body.append(lines.get(i).strip());
    }
    return new HttpResponse(Integer.parseInt(status[1]), headers, body.toString());
  }
}
