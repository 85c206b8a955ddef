package io.limiter.web.internal;

import io.limiter.web.PathSpellings;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A path pattern compiled once, matched against {@link CanonicalPath canonical} paths.
 *
 * <ul>
 *   <li>{@code /api/data} — exactly that path.
 *   <li>{@code /api/*} — servlet style: {@code /api} and everything below it. {@code /*} and {@code /**} match
 *       every path.
 *   <li>{@code *.json} — servlet style: every path whose last segment ends in {@code .json}.
 *   <li>Globs: {@code *} inside a segment matches any characters but {@code /}; a segment {@code **} matches zero or
 *       more segments, e.g. {@code /api/**}{@code /export}, {@code /users/*}{@code /orders}.
 * </ul>
 * Immutable and thread-safe; exact, prefix and extension patterns match without a regular expression.
 */
public final class PathPattern {

  private enum Kind { ALL, EXACT, PREFIX, EXTENSION, GLOB }

  private final String text;
  private final Kind kind;
  private final String literal;
  private final @Nullable Pattern glob;

  /** {@code literal}: what EXACT, PREFIX and EXTENSION compare, else empty; {@code glob}: GLOB's, else null. */
  private PathPattern(String text, Kind kind, String literal, @Nullable Pattern glob) {
    this.text = text;
    this.kind = kind;
    this.literal = literal;
    this.glob = glob;
  }

  /**
   * Checks the syntax of a pattern.
   *
   * @param pattern the pattern text
   * @throws IllegalArgumentException saying what is wrong and what is expected
   */
  public static void validate(String pattern) {
    compile(pattern, true);
  }

  /**
   * @param pattern the pattern text
   * @param caseSensitive whether to match case; when not, the pattern is lower-cased and must be matched against
   *     lower-cased paths
   * @return the compiled pattern
   * @throws IllegalArgumentException if the pattern is malformed
   */
  public static PathPattern compile(String pattern, boolean caseSensitive) {
    if (pattern == null || pattern.isBlank()) {
      throw new IllegalArgumentException("path pattern must not be blank");
    }
    String p = pattern.trim();
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '?' || c == '%' || c == ';' || c == '\\' || c == '#' || Character.isWhitespace(c)
          || Character.isISOControl(c)) {
        throw invalid(pattern, "must not contain '" + (Character.isISOControl(c) ? "\\u" + (int) c : c)
            + "'; write the decoded path (patterns match canonical paths)");
      }
    }
    String text = caseSensitive ? p : fold(p);
    if (text.startsWith("*.")) {
      String ext = text.substring(1);
      if (ext.length() < 2 || ext.indexOf('*') >= 0 || ext.indexOf('/') >= 0) {
        throw invalid(pattern, "an extension pattern is *.<extension>, e.g. *.json");
      }
      return new PathPattern(p, Kind.EXTENSION, ext, null);
    }
    if (!text.startsWith("/")) {
      throw invalid(pattern, "must start with '/' (or be an extension pattern such as *.json)");
    }
    if (text.equals("/")) {
      throw invalid(pattern, "use /** for every path, or name an exact path");
    }
    if (text.equals("/*") || text.equals("/**")) {
      return new PathPattern(p, Kind.ALL, "", null);
    }
    String[] segments = text.substring(1).split("/", -1);
    for (String s : segments) {
      if (s.isEmpty()) {
        throw invalid(pattern, "must not contain empty segments or end with '/'");
      }
      if (s.equals(".") || s.equals("..")) {
        throw invalid(pattern, "must not contain '.' or '..' segments");
      }
      if (s.contains("**") && !s.equals("**")) {
        throw invalid(pattern, "'**' must be a whole segment");
      }
    }
    int firstStar = text.indexOf('*');
    if (firstStar < 0) {
      return new PathPattern(p, Kind.EXACT, text, null);
    }
    if (firstStar == text.length() - 1 && text.endsWith("/*")) {
      return new PathPattern(p, Kind.PREFIX, text.substring(0, text.length() - 2), null);
    }
    StringBuilder regex = new StringBuilder();
    for (String s : segments) {
      if (s.equals("**")) {
        regex.append("(?:/[^/]+)*");
        continue;
      }
      regex.append('/');
      int from = 0;
      int star;
      while ((star = s.indexOf('*', from)) >= 0) {
        if (star > from) {
          regex.append(Pattern.quote(s.substring(from, star)));
        }
        regex.append("[^/]*");
        from = star + 1;
      }
      if (from < s.length()) {
        regex.append(Pattern.quote(s.substring(from)));
      }
    }
    return new PathPattern(p, Kind.GLOB, "", Pattern.compile(regex.toString()));
  }

  /**
   * @param path a canonical path (lower-cased if this pattern is case-insensitive)
   * @return whether it matches
   */
  public boolean matches(String path) {
    switch (kind) {
      case ALL:
        return true;
      case EXACT:
        return path.equals(literal);
      case PREFIX:
        return path.startsWith(literal) && (path.length() == literal.length() || path.charAt(literal.length()) == '/');
      case EXTENSION:
        return path.endsWith(literal) && path.lastIndexOf('/') < path.length() - literal.length();
      case GLOB:
      default:
        return Objects.requireNonNull(glob, "glob").matcher(path).matches(); // every GLOB has one
    }
  }

  /**
   * An exemption's test: whether every spelling of a path matches one of the patterns.
   *
   * @param spellings the path's spellings
   * @param patterns case-sensitive patterns
   * @return whether every spelling matches one of them (and there are a spelling and a pattern)
   */
  public static boolean allMatch(PathSpellings spellings, List<PathPattern> patterns) {
    return !patterns.isEmpty() && spellings.allMatch(path -> {
      for (PathPattern p : patterns) {
        if (p.matches(path)) {
          return true;
        }
      }
      return false;
    });
  }

  @Override
  public String toString() {
    return text;
  }

  private static IllegalArgumentException invalid(String pattern, String rule) {
    return new IllegalArgumentException("path pattern \"" + pattern + "\" " + rule);
  }

  /**
   * The case fold of case-insensitive rules, applied alike to patterns and to request paths: upper case, then lower
   * case (root locale). Lower-casing alone leaves letters whose capital is an ASCII letter unfolded, so {@code /admın}
   * (dotless ı) or {@code /ſtats} (long s) would escape a rule on {@code /admin} or {@code /stats} on a server or
   * proxy that folds them; through upper case both reach the ASCII spelling.
   *
   * @param s a pattern or a path
   * @return its fold
   */
  public static String fold(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
      }
    }
    return s.toLowerCase(Locale.ROOT);
  }
}
