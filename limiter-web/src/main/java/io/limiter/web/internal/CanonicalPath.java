package io.limiter.web.internal;

import io.limiter.web.PathSpellings;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Request paths as rules see them. A raw path can be read more than one way, and containers differ in the reading
 * they route by; a limit must hold whichever reading the container used, so a path is turned into all its
 * <em>spellings</em> ({@link #spellings}), and the filter matches rules against every one of them.
 *
 * <p>What every reading shares: {@code ;parameters} are cut from each segment at the first raw {@code ;} (before
 * decoding, as Jetty and Tomcat do), escapes are decoded once as UTF-8, {@code .} and {@code ..} segments (also
 * encoded, {@code %2e}) are resolved, never above the root. What containers disagree on, and so spans the spellings:
 * <ul>
 *   <li>an encoded slash {@code %2F}: a separator (Tomcat {@code encodedSolidusHandling=decode}) or part of its
 *       segment (Jetty {@code UriCompliance.UNSAFE} routes by the raw segment; Tomcat {@code passthrough});
 *   <li>a backslash {@code \}: a separator (Tomcat {@code allowBackslash}) or a character (Jetty);
 *   <li>an encoded backslash {@code %5C}: a separator (Tomcat {@code encodedReverseSolidusHandling=decode}) or a
 *       character;
 *   <li>a double-encoded slash or backslash ({@code %252F}, {@code %255C}): a character for every container, but a
 *       separator for an application that decodes its path info once more (as it must behind Tomcat's
 *       {@code passthrough});
 *   <li>empty segments ({@code //}): merged (Tomcat) or kept (Jetty, which then routes {@code //api} elsewhere);
 *   <li>a trailing slash: dropped, as rules want ({@code /api/data/} is {@code /api/data}), or kept, as servlet
 *       mappings see it ({@code /health/} is not the servlet mapped to {@code /health}).
 * </ul>
 * A segment that keeps an encoded slash or backslash spells it {@code %2F} / {@code %5C}: such a segment can match
 * only a wildcard, never a literal pattern, and never splits into other segments.
 *
 * <p>Some paths cannot be read with confidence at all; strict containers refuse them, and {@link #spellings} reports
 * them as {@linkplain PathSpellings#refusal() refused}: an invalid escape, a {@code %u} escape (Jetty's
 * {@code UNSAFE} mode decodes {@code %u0064} as {@code d}), invalid or overlong UTF-8 ({@code %C0%AE} was once read as
 * {@code .}), and control characters ({@code %00}, {@code %09}).
 *
 * <p>Why match every spelling rather than pick one: over-matching only counts a request against a limit of a path it
 * could have reached; under-matching lets it reach a limited handler uncounted. For exemptions the rule is reversed:
 * a path is exempt only when every spelling is. Thread-safe: static methods on immutable values.
 */
public final class CanonicalPath {

  private static final byte ENCODED_SLASH = 1;
  private static final byte BACKSLASH = 2;
  private static final byte ENCODED_BACKSLASH = 4;
  /** {@code %252F}: an application that decodes its path info once more (as behind Tomcat's passthrough) splits it. */
  private static final byte DOUBLE_ENCODED_SLASH = 8;
  private static final byte DOUBLE_ENCODED_BACKSLASH = 16;
  private static final int MAX_LENGTH = 8192;
  private static final int MAX_AMBIGUOUS_LENGTH = 2048;

  private CanonicalPath() {
  }

  /**
   * The principal spelling: every encoded slash and backslash a separator, empty segments merged, no trailing slash.
   * Malformed escapes stay literal, malformed UTF-8 becomes U+FFFD.
   *
   * @param rawPath a path as sent on the wire (no query), e.g. {@code getRequestURI()}
   * @param lowerCase whether to case-fold the result ({@link PathPattern#fold})
   * @return the canonical path, starting with {@code /}; {@code /} for the root
   */
  public static String of(String rawPath, boolean lowerCase) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    String path = isSimple(rawPath) ? rawPath : Parsed.of(rawPath).spell(ENCODED_SLASH | BACKSLASH | ENCODED_BACKSLASH,
        false, false);
    // (double-encoded separators stay in their segment here: containers decode once)
    return lowerCase ? PathPattern.fold(path) : path;
  }

  /**
   * Every spelling of a dispatch's path inside its context (see the class comment), original case.
   *
   * @param requestUri the raw request URI ({@code getRequestURI()}, or the include's); null if unknown
   * @param contextPath the raw context path
   * @param servletPath the container's decoded servlet path, null if unknown: with {@code pathInfo}, the
   *     container's own reading of the path, added as spellings when the URI is not plain, so that a reading the
   *     container made and this class does not model is matched too
   * @param pathInfo the container's decoded path info, or null
   * @param refuseUnreadable whether a path that cannot be read with confidence is refused (for requests from
   *     clients) rather than read leniently (for forwards and includes the application wrote)
   * @return the spellings, or a refusal
   */
  public static PathSpellings spellings(@Nullable String requestUri, @Nullable String contextPath,
      @Nullable String servletPath, @Nullable String pathInfo, boolean refuseUnreadable) {
    String context = contextPath == null || contextPath.isEmpty() ? "/" : contextPath;
    if (requestUri != null && !requestUri.isEmpty() && isSimple(requestUri) && isSimple(context)) {
      String path = stripContext(requestUri, context);
      if (path != null) {
        return PathSpellings.of(path); // the common case: one spelling, nothing allocated but the holder
      }
    }
    Set<String> out = new LinkedHashSet<>();
    if (requestUri != null && !requestUri.isEmpty()) {
      if (requestUri.length() > MAX_LENGTH && refuseUnreadable) {
        return PathSpellings.refused("the path is longer than " + MAX_LENGTH + " characters");
      }
      Parsed parsed = Parsed.of(requestUri);
      if (parsed.problem != null && refuseUnreadable) {
        return PathSpellings.refused(parsed.problem);
      }
      if (parsed.separatorKinds != 0 && requestUri.length() > MAX_AMBIGUOUS_LENGTH && refuseUnreadable) {
        // up to 64 spellings of a long path: bound the work a client can ask for
        return PathSpellings.refused("it is longer than " + MAX_AMBIGUOUS_LENGTH + " characters and has encoded "
            + "slashes or backslashes");
      }
      String canonicalContext = of(context, false);
      // the two double-encoded kinds are one reading (decoding twice), so they count as one dimension
      int soft = parsed.separatorKinds & ~DOUBLE_ENCODED_BACKSLASH
          | ((parsed.separatorKinds & DOUBLE_ENCODED_BACKSLASH) != 0 ? DOUBLE_ENCODED_SLASH : 0);
      for (int kinds = soft; ; kinds = (kinds - 1) & soft) {
        int on = (kinds & DOUBLE_ENCODED_SLASH) != 0 ? kinds | DOUBLE_ENCODED_BACKSLASH : kinds;
        // merged and without a trailing slash first; the other readings only where they differ from it
        add(out, parsed.spell(on, false, false), canonicalContext);
        boolean dropped = parsed.droppedEmpty;
        boolean trailing = parsed.trailing;
        if (trailing) {
          add(out, parsed.spell(on, false, true), canonicalContext);
        }
        if (dropped) {
          add(out, parsed.spell(on, true, false), canonicalContext);
          add(out, parsed.spell(on, true, true), canonicalContext);
        }
        if (kinds == 0) {
          break;
        }
      }
    }
    if (servletPath != null || pathInfo != null) {
      String containerPath = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
      String decoded = containerPath.isEmpty() || containerPath.charAt(0) != '/' ? "/" + containerPath : containerPath;
      out.add(decoded);
      out.add(Parsed.ofDecoded(decoded).spell(0, false, false));
    }
    if (out.isEmpty()) {
      out.add("/");
    }
    return PathSpellings.of(out.toArray(new String[0]));
  }

  /**
   * Adds a spelling inside the context. A reading under which the URI is outside the context is not how the container
   * read it, but kept whole it only ever blocks an exemption; dropping it could grant one.
   */
  private static void add(Set<String> out, String spelling, String canonicalContext) {
    String inContext = stripContext(spelling, canonicalContext);
    out.add(inContext != null ? inContext : spelling);
  }

  private static @Nullable String stripContext(String path, String context) {
    if (context.equals("/")) {
      return path;
    }
    if (!path.startsWith(context)) {
      return null;
    }
    if (path.length() == context.length()) {
      return "/";
    }
    return path.charAt(context.length()) == '/' ? path.substring(context.length()) : null;
  }

  /** True when the path starts with '/' and has nothing to decode or resolve: the common case, no allocation. */
  static boolean isSimple(String p) {
    if (p.isEmpty() || p.charAt(0) != '/') {
      return false;
    }
    int n = p.length();
    for (int i = 0; i < n; i++) {
      char c = p.charAt(i);
      if (c == '%' || c == ';' || c == '\\' || c < 0x21 || c == 0x7f) {
        return false;
      }
      if (c == '/' && (i + 1 == n ? n > 1 : p.charAt(i + 1) == '/' || p.charAt(i + 1) == '.')) {
        return false;
      }
    }
    return true;
  }

  /**
   * A path split at its raw slashes, each segment cut at its first raw {@code ;} and decoded into text pieces between
   * the characters containers disagree on ({@code %2F}, {@code \}, {@code %5C}).
   */
  private static final class Parsed {
    /** Per raw segment: its decoded text pieces. */
    final List<String[]> pieces = new ArrayList<>();
    /** Per raw segment: the kind of soft separator between consecutive pieces. */
    final List<byte[]> separators = new ArrayList<>();
    /** The kinds of soft separator that occur at all. */
    int separatorKinds;
    /** After {@link #spell} without keeping empty segments: whether it dropped one (so keeping them differs). */
    boolean droppedEmpty;
    /** After {@link #spell}: whether the path ended in a slash (an empty or dot segment last). */
    boolean trailing;
    /** Why the path cannot be read with confidence, or null. */
    @Nullable String problem;
    private @Nullable CharsetDecoder decoder;
    /** Bytes of the piece being decoded; room for a whole raw path. */
    private @Nullable ByteBuffer bytes;
    private static final byte[] NO_SEPARATORS = new byte[0];

    /** Whether {@code raw[from, to)} has nothing to decode, split or refuse. */
    private static boolean isPlain(String raw, int from, int to) {
      for (int i = from; i < to; i++) {
        char c = raw.charAt(i);
        if (c == '%' || c == '\\' || c < 0x20 || c == 0x7f) {
          return false;
        }
      }
      return true;
    }

    static Parsed of(String raw) {
      Parsed p = new Parsed();
      int n = raw.length();
      int start = raw.charAt(0) == '/' ? 1 : 0;
      p.bytes = ByteBuffer.allocate(3 * n + 4);
      while (start <= n) {
        int end = start;
        int cut = -1; // the first raw ';' of the segment: path parameters follow
        for (char c; end < n && (c = raw.charAt(end)) != '/'; end++) {
          if (c == ';' && cut < 0) {
            cut = end;
          }
        }
        p.addRawSegment(raw, start, cut >= 0 ? cut : end);
        start = end + 1;
      }
      return p;
    }

    /** An already decoded path (the container's): split at '/' only, nothing decoded. */
    static Parsed ofDecoded(String decoded) {
      Parsed p = new Parsed();
      for (String segment : decoded.substring(1).split("/", -1)) {
        p.pieces.add(new String[] {segment});
        p.separators.add(NO_SEPARATORS);
      }
      return p;
    }

    private void addRawSegment(String raw, int from, int to) {
      ByteBuffer bytes = Objects.requireNonNull(this.bytes, "bytes"); // of() allocates it before any segment
      if (isPlain(raw, from, to)) {
        pieces.add(new String[] {raw.substring(from, to)});
        separators.add(NO_SEPARATORS);
        return;
      }
      List<String> texts = new ArrayList<>(1);
      byte[] kinds = new byte[to - from];
      int count = 0;
      for (int i = from; i < to; i++) {
        char c = raw.charAt(i);
        byte kind = 0;
        if (c == '\\') {
          kind = BACKSLASH;
        } else if (c == '%') {
          int hi = i + 2 < to ? hex(raw.charAt(i + 1)) : -1;
          int lo = hi >= 0 ? hex(raw.charAt(i + 2)) : -1;
          if (lo < 0) {
            problem(i + 1 < to && (raw.charAt(i + 1) == 'u' || raw.charAt(i + 1) == 'U')
                ? "it contains a %u escape, which some containers decode and others refuse"
                : "it contains a '%' that starts no valid escape");
            bytes.put((byte) '%');
            continue;
          }
          int b = hi * 16 + lo;
          i += 2;
          if (b == '/') {
            kind = ENCODED_SLASH;
          } else if (b == '\\') {
            kind = ENCODED_BACKSLASH;
          } else if (b == '%' && i + 2 < to && doubleEncoded(raw, i + 1) != 0) {
            kind = doubleEncoded(raw, i + 1);
            i += 2;
          } else {
            bytes.put((byte) b);
            continue;
          }
        } else {
          if (c < 0x20 || c == 0x7f) {
            problem("it contains a control character");
          }
          putUtf8(bytes, raw, i);
          if (Character.isHighSurrogate(c) && i + 1 < to) {
            i++;
          }
          continue;
        }
        texts.add(decodeUtf8(bytes));
        kinds[count++] = kind;
        separatorKinds |= kind;
      }
      texts.add(decodeUtf8(bytes));
      pieces.add(texts.toArray(new String[0]));
      separators.add(Arrays.copyOf(kinds, count));
    }

    private static boolean isAscii(ByteBuffer bytes) {
      byte[] a = bytes.array();
      for (int i = 0; i < bytes.limit(); i++) {
        if (a[i] < 0) {
          return false;
        }
      }
      return true;
    }

    /** The kind of separator that {@code raw[at, at + 2)} encodes once more ({@code 2F}, {@code 5C}), or 0. */
    private static byte doubleEncoded(String raw, int at) {
      int hi = hex(raw.charAt(at));
      int lo = hex(raw.charAt(at + 1));
      int b = hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
      return b == '/' ? DOUBLE_ENCODED_SLASH : b == '\\' ? DOUBLE_ENCODED_BACKSLASH : 0;
    }

    private void problem(String why) {
      if (problem == null) {
        problem = why;
      }
    }

    private static void putUtf8(ByteBuffer bytes, String s, int i) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes.put((byte) c);
        return;
      }
      String one = Character.isHighSurrogate(c) && i + 1 < s.length() ? s.substring(i, i + 2) : String.valueOf(c);
      bytes.put(one.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes and clears the buffer; invalid or overlong UTF-8 is a problem (and becomes U+FFFD). */
    private String decodeUtf8(ByteBuffer bytes) {
      bytes.flip();
      if (isAscii(bytes)) {
        // the usual piece: no decoder needed (control characters were caught on the way in or are checked here)
        String ascii = new String(bytes.array(), 0, bytes.limit(), StandardCharsets.ISO_8859_1);
        bytes.clear();
        for (int k = 0; k < ascii.length(); k++) {
          char c = ascii.charAt(k);
          if (c < 0x20 || c == 0x7f) {
            problem("it contains an encoded control character");
          }
        }
        return ascii;
      }
      String text;
      if (decoder == null) {
        decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
      }
      try {
        CharBuffer chars = decoder.decode(bytes.duplicate());
        text = chars.toString();
        for (int k = 0; k < text.length(); k++) {
          char c = text.charAt(k);
          if (c < 0x20 || c == 0x7f) {
            problem("it contains an encoded control character");
          }
        }
      } catch (CharacterCodingException e) {
        problem("it contains invalid or overlong UTF-8");
        text = StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
      }
      bytes.clear();
      return text;
    }

    /**
     * @param separatorsOn the kinds of soft separator read as separators; the others stay in their segment
     * @param keepEmpty whether empty segments stay (Jetty) instead of being merged (Tomcat)
     * @param keepTrailing whether a trailing slash stays
     */
    String spell(int separatorsOn, boolean keepEmpty, boolean keepTrailing) {
      List<String> out = new ArrayList<>(pieces.size() + 2);
      trailing = false;
      if (!keepEmpty) {
        droppedEmpty = false;
      }
      for (int r = 0; r < pieces.size(); r++) {
        String[] texts = pieces.get(r);
        byte[] kinds = separators.get(r);
        StringBuilder segment = new StringBuilder(texts[0]);
        for (int k = 0; k < kinds.length; k++) {
          if ((kinds[k] & separatorsOn) != 0) {
            trailing = push(out, segment.toString(), keepEmpty, false);
            segment.setLength(0);
          } else {
            segment.append(literal(kinds[k]));
          }
          segment.append(texts[k + 1]);
        }
        trailing = push(out, segment.toString(), keepEmpty, r == pieces.size() - 1);
      }
      if (out.isEmpty()) {
        return "/";
      }
      StringBuilder sb = new StringBuilder();
      for (String s : out) {
        sb.append('/').append(s);
      }
      if (keepTrailing && trailing) {
        sb.append('/');
      }
      return sb.toString();
    }

    /** How a separator that stays in its segment is spelled: never as '/', so it cannot pose as one. */
    private static String literal(byte kind) {
      switch (kind) {
        case ENCODED_SLASH:
        case DOUBLE_ENCODED_SLASH:
          return "%2F";
        case ENCODED_BACKSLASH:
        case DOUBLE_ENCODED_BACKSLASH:
          return "%5C";
        default:
          return "\\";
      }
    }

    /**
     * Adds a segment or resolves a dot segment; returns whether the path now ends in a slash. The last segment of the
     * path ({@code last}), when empty, is a trailing slash, never an empty segment.
     */
    private boolean push(List<String> out, String segment, boolean keepEmpty, boolean last) {
      if (segment.isEmpty()) {
        if (!last) {
          if (keepEmpty) {
            out.add(segment);
            return false;
          }
          droppedEmpty = true;
        }
        return true;
      }
      if (segment.equals(".")) {
        return true;
      }
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
        return true;
      }
      out.add(segment);
      return false;
    }
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
