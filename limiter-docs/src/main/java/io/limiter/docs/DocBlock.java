package io.limiter.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One fenced code block of a Markdown page of this repository (README.md, docs/*.md, examples/&#42;/README.md), with the
 * check marker on the line before its opening fence.
 *
 * <p>Every block carries exactly one marker, an HTML comment that Markdown renders as nothing:
 * <ul>
 *   <li>{@code <!-- check: ID -->} &ndash; a test loads the block with {@link #of(String) DocBlock.of("PAGE#ID")} and
 *       asserts what the text around it claims (it starts the filter with it, parses it, or compares it with what a
 *       running application answers);
 *   <li>{@code <!-- source: PATH#REGION -->} &ndash; the block is a region of a compiled source file, between
 *       {@code // tag::REGION[]} and {@code // end::REGION[]}, which a test of that file runs;
 *   <li>{@code <!-- command -->} &ndash; shell commands: the modules ({@code -pl}), profiles ({@code -P}) and scripts
 *       they name exist.
 * </ul>
 * A page whose block has no marker, or whose marker names a region, module or test that does not exist, fails the
 * build ({@code DocsCoverageTest} in this module).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param page the page, relative to the repository root ({@code docs/servlet.md})
 * @param line the 1-based line of the opening fence
 * @param language the fence's info string ({@code java}, {@code properties}, {@code ""} for plain blocks)
 * @param marker the marker's kind: {@code check}, {@code source}, {@code command}, or {@code ""} when missing
 * @param argument what follows the marker's kind: the ID of a check, the {@code PATH#REGION} of a source, else empty
 * @param body the block's text, ending with a line break
 */
public record DocBlock(String page, int line, String language, String marker, String argument, String body) {

  private static final Pattern FENCE = Pattern.compile("^```(\\w*)\\s*$");
  private static final Pattern MARKER =
      Pattern.compile("^<!--\\s*(check|source|command)(?::\\s*(\\S+))?\\s*-->\\s*$");

  /** Canonical constructor; rejects nulls. */
  public DocBlock {
    Objects.requireNonNull(page, "page");
    Objects.requireNonNull(language, "language");
    Objects.requireNonNull(marker, "marker");
    Objects.requireNonNull(argument, "argument");
    Objects.requireNonNull(body, "body");
  }

  /**
   * Returns the block a {@code <!-- check: ID -->} marker names.
   *
   * @param reference {@code PAGE#ID}, e.g. {@code "docs/servlet.md#login-rule"}; tests name blocks by this literal,
   *     which is how {@code DocsCoverageTest} knows that a test reads the block
   * @return the block
   * @throws IllegalArgumentException if the page has no block with that ID
   */
  public static DocBlock of(String reference) {
    int hash = reference.indexOf('#');
    if (hash < 1 || hash == reference.length() - 1) {
      throw new IllegalArgumentException("a block reference is PAGE#ID, not \"" + reference + "\"");
    }
    String page = reference.substring(0, hash);
    String id = reference.substring(hash + 1);
    return blocks(page).stream()
        .filter(b -> b.marker().equals("check") && b.argument().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(page + " has no block marked <!-- check: " + id + " -->"));
  }

  /**
   * Returns every fenced block of a page, in order.
   *
   * @param page the page, relative to the repository root
   * @return its blocks
   */
  public static List<DocBlock> blocks(String page) {
    List<String> lines;
    try {
      lines = Files.readAllLines(Repository.root().resolve(page), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + page, e);
    }
    List<DocBlock> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher fence = FENCE.matcher(lines.get(i));
      if (!fence.matches()) {
        continue;
      }
      int open = i;
      StringBuilder body = new StringBuilder();
      i++;
      while (i < lines.size() && !lines.get(i).startsWith("```")) {
        body.append(lines.get(i)).append('\n');
        i++;
      }
      if (i == lines.size()) {
        throw new IllegalStateException(page + ":" + (open + 1) + ": the fenced block is never closed");
      }
      Matcher marker = MARKER.matcher(open > 0 ? lines.get(open - 1) : "");
      String kind = marker.matches() ? marker.group(1) : "";
      String argument = marker.matches() && marker.group(2) != null ? marker.group(2) : "";
      out.add(new DocBlock(page, open + 1, fence.group(1), kind, argument, body.toString()));
    }
    return out;
  }

  /**
   * Returns the body's lines.
   *
   * @return the lines, without line breaks
   */
  public List<String> lines() {
    return body.lines().toList();
  }

  /**
   * Returns the annotations a Java block shows, each on one line with its own whitespace collapsed and trailing
   * comments removed ({@code @RateLimit(value = "5/minute", name = "hello")}); an annotation written over several
   * lines is joined. Tests of sketches (blocks with {@code { ... }} bodies) compare these with compiled code.
   *
   * @return the annotations, in order
   */
  public List<String> annotations() {
    List<String> out = new ArrayList<>();
    StringBuilder current = null;
    int depth = 0;
    for (String raw : lines()) {
      String line = raw.replaceFirst("\\s+//.*$", "").strip();
      if (current == null) {
        if (!line.startsWith("@")) {
          continue;
        }
        current = new StringBuilder();
        depth = 0;
      } else {
        current.append(' ');
      }
      for (char c : line.toCharArray()) {
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      }
      current.append(line);
      if (depth <= 0) {
        out.add(annotationOnly(current.toString().replaceAll("\\s+", " ")));
        current = null;
      }
    }
    return out;
  }

  /** Cuts what follows an annotation on its line (a declaration such as {@code public class X { ... }}). */
  private static String annotationOnly(String text) {
    int i = 1;
    while (i < text.length() && (Character.isJavaIdentifierPart(text.charAt(i)) || text.charAt(i) == '.')) {
      i++;
    }
    if (i == text.length() || text.charAt(i) != '(') {
      return text.substring(0, i);
    }
    int depth = 0;
    boolean quoted = false;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' && text.charAt(i - 1) != '\\') {
        quoted = !quoted;
      } else if (!quoted && c == '(') {
        depth++;
      } else if (!quoted && c == ')' && --depth == 0) {
        return text.substring(0, i + 1);
      }
    }
    return text;
  }

  /**
   * Returns where the block is, for messages.
   *
   * @return {@code page:line}
   */
  public String where() {
    return page + ":" + line;
  }

  /**
   * Returns the repository file a page refers to, e.g. a script or the file a {@code source} marker names.
   *
   * @param relative a path relative to the repository root
   * @return the absolute path
   */
  public static Path file(String relative) {
    return Repository.root().resolve(relative);
  }
}
