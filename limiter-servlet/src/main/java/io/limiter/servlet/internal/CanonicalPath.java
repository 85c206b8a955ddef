package io.limiter.servlet.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The canonical form of a request path that rules are matched on: percent-decoded, {@code ;parameters} removed from
 * every segment, empty and {@code .} segments dropped, {@code ..} resolved (never above the root), no trailing slash,
 * and optionally lower-cased.
 *
 * <p>Why so aggressive: a rule must not be escaped by spelling the same resource differently, and containers differ
 * in which spellings they accept. Anything a lenient container might treat as a separator is one here too (encoded
 * {@code %2F}, a backslash), and encoded dots count as dot segments. Over-matching only ever counts a request that
 * would otherwise have been refused by the container anyway; under-matching would let it through uncounted.
 */
public final class CanonicalPath {

  private CanonicalPath() {
  }

  /**
   * @param rawPath a path as sent on the wire (no query), e.g. {@code getRequestURI()}
   * @param lowerCase whether to lower-case the result (ASCII and Unicode, in the root locale)
   * @return the canonical path, starting with {@code /}; {@code /} for the root
   */
  public static String of(String rawPath, boolean lowerCase) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    String path = isSimple(rawPath) ? rawPath : rebuild(rawPath);
    return lowerCase ? path.toLowerCase(Locale.ROOT) : path;
  }

  /**
   * Canonicalizes a request URI and removes the context path from it.
   *
   * @param requestUri the raw request URI
   * @param contextPath the raw context path ({@code ""} for the root context)
   * @param lowerCase whether to lower-case
   * @return the canonical path inside the context, or null if the URI does not start with the context path
   */
  public static String withinContext(String requestUri, String contextPath, boolean lowerCase) {
    String path = of(requestUri, lowerCase);
    if (contextPath == null || contextPath.isEmpty() || contextPath.equals("/")) {
      return path;
    }
    String context = of(contextPath, lowerCase);
    if (context.equals("/")) {
      return path;
    }
    if (path.equals(context)) {
      return "/";
    }
    if (path.startsWith(context) && path.charAt(context.length()) == '/') {
      return path.substring(context.length());
    }
    return null;
  }

  /** True when the path starts with '/' and has nothing to decode or resolve: the common case, no allocation. */
  private static boolean isSimple(String p) {
    if (p.charAt(0) != '/') {
      return false;
    }
    int n = p.length();
    for (int i = 0; i < n; i++) {
      char c = p.charAt(i);
      if (c == '%' || c == ';' || c == '\\') {
        return false;
      }
      if (c == '/' && (i + 1 == n ? n > 1 : p.charAt(i + 1) == '/' || p.charAt(i + 1) == '.')) {
        return false;
      }
    }
    return true;
  }

  private static String rebuild(String raw) {
    List<String> out = new ArrayList<>();
    int n = raw.length();
    int start = 0;
    while (start <= n) {
      int end = start;
      while (end < n && raw.charAt(end) != '/' && raw.charAt(end) != '\\') {
        end++;
      }
      String segment = raw.substring(start, end);
      int semicolon = segment.indexOf(';');
      if (semicolon >= 0) {
        segment = segment.substring(0, semicolon);
      }
      if (segment.indexOf('%') >= 0) {
        // A decoded separator splits the segment again; decoded dots become dot segments.
        for (String part : decode(segment).split("[/\\\\]", -1)) {
          push(out, part);
        }
      } else {
        push(out, segment);
      }
      start = end + 1;
    }
    if (out.isEmpty()) {
      return "/";
    }
    StringBuilder sb = new StringBuilder(raw.length());
    for (String s : out) {
      sb.append('/').append(s);
    }
    return sb.toString();
  }

  private static void push(List<String> out, String segment) {
    if (segment.isEmpty() || segment.equals(".")) {
      return;
    }
    if (segment.equals("..")) {
      if (!out.isEmpty()) {
        out.remove(out.size() - 1);
      }
      return;
    }
    out.add(segment);
  }

  /** Percent-decodes as UTF-8; malformed escapes stay literal, malformed UTF-8 becomes U+FFFD. */
  static String decode(String s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < n && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 2;
      } else {
        byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < n) {
          utf8 = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.write(utf8, 0, utf8.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
