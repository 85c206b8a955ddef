package io.limiter.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The rate grammar: one or more {@link Limit}s in the notation of flask-limiter, parsed in one place.
 *
 * <pre>
 * spec    = member *( ( ";" / "," / "|" ) member )
 * member  = count ( "/" / "per" ) [ multiplier ] unit [ "burst" count ] [ "warmup" duration ]
 *         | count "concurrent" [ "lease" [ multiplier ] unit ]   (stands alone)
 * unit    = ms | millisecond(s)
 *         | s | sec(s) | second(s)        | m | min(s) | minute(s)
 *         | h | hr(s) | hour(s)           | d | day(s)
 *         | w | week(s)    (7 days)       | mo | month(s)  (30 days)
 *         | y | yr(s) | year(s)  (360 days)
 * duration = DurationFormat's grammar: amount [ space ] unit (30s, 2 minutes) or ISO-8601 (PT30S)
 * </pre>
 *
 * {@code burst} and {@code warmup} may come in either order, each at most once; {@code "100/second warmup 30s"} is a
 * token bucket that {@link Limit#withWarmup warms up} over 30 seconds after idle.
 *
 * <p>Whitespace between tokens and letter case are ignored: {@code "10/minute"}, {@code "10 per minute"},
 * {@code "10/m"}, {@code "5/2 seconds"}, {@code "10 PER 2 Hours"}, {@code "10/s; 100/min, 1000/day"} and
 * {@code "100/minute burst 20"} are all valid. {@code "5 concurrent"} (or {@code "5 concurrent lease 30 seconds"}) is
 * a {@link Limit#concurrent concurrency limit}: at most 5 calls in flight; it is the only member of its spec. Whitespace is what Python's {@code \s} matches (as in flask-limiter):
 * ASCII space, tab, line feed, vertical tab, form feed, carriage return, U+001C–U+001F, U+0085 and the Unicode space
 * separators (U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). Only the spellings listed
 * above exist; the abbreviations {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}, {@code w}, {@code mo} and
 * {@code y} have no plural. Month and year have the lengths flask-limiter gives them (30 and 360 days) so that a spec
 * means the same in both. Every string flask-limiter accepts without error is accepted here with the same meaning,
 * except those that this parser rejects on purpose (below) and one quirk: flask-limiter's pattern lets a {@code :}
 * stand right before a separator ({@code "1/second:;2/minute"}), which is an error here.
 *
 * <p>Stricter than flask-limiter: zero counts or multipliers, numbers that overflow a {@code long}, unknown units,
 * empty members (a leading, doubled or trailing separator), two members with the same period, and limits outside the
 * range of {@link Limit} are all errors. Any non-null input either parses or throws {@link LimitSpecException}, whose
 * message names the raw string, the position and what was expected.
 *
 * <p>{@link #toString()} prints the canonical form ({@code "10/second; 100/minute"}), and
 * {@code parse(spec.toString()).equals(spec)} holds for every spec. Instances are immutable and thread-safe.
 */
public final class LimitSpec {

  private static final String UNITS = "ms, millisecond(s), s, sec(s), second(s), m, min(s), minute(s), h, hr(s), "
      + "hour(s), d, day(s), w, week(s), mo, month(s), y, yr(s), year(s)";

  // the units are DurationFormat's: one table for limits and durations
  private static final long MILLI = DurationFormat.MILLI;
  private static final long YEAR = DurationFormat.YEAR;
  private static final long MONTH = DurationFormat.MONTH;
  private static final long WEEK = DurationFormat.WEEK;
  private static final long DAY = DurationFormat.DAY;
  private static final long HOUR = DurationFormat.HOUR;
  private static final long MINUTE = DurationFormat.MINUTE;
  private static final long SECOND = DurationFormat.SECOND;

  /** Units from the largest to the smallest; {@link #formatPeriod} picks the first that divides the period. */
  private static final long[] UNIT_NANOS = {YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLI};
  private static final String[] UNIT_NAMES =
      {"year", "month", "week", "day", "hour", "minute", "second", "millisecond"};

  private final List<Limit> limits;

  private LimitSpec(List<Limit> limits) {
    this.limits = List.copyOf(limits);
  }

  /**
   * Parses a rate limit string.
   *
   * @param spec the string, e.g. {@code "10/minute; 100/hour"}
   * @return the parsed spec with at least one limit
   * @throws LimitSpecException if the string is not valid; the message names it, the position and the rule
   * @throws NullPointerException if {@code spec} is null
   */
  public static LimitSpec parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    return new Parser(spec).parseSpec();
  }

  /**
   * Creates a spec from limits built in code.
   *
   * @param limits one or more limits with distinct periods
   * @return the spec
   * @throws IllegalArgumentException if there are no limits or two share a period
   */
  public static LimitSpec of(List<Limit> limits) {
    Objects.requireNonNull(limits, "limits");
    if (limits.isEmpty()) {
      throw new IllegalArgumentException("a limit spec needs at least one limit");
    }
    if (limits.size() > 1 && limits.stream().anyMatch(l -> l != null && l.isConcurrent())) {
      throw new IllegalArgumentException("a concurrency limit stands alone in its spec but was given with others: "
          + limits);
    }
    for (int i = 0; i < limits.size(); i++) {
      Objects.requireNonNull(limits.get(i), "limits[" + i + "]");
      for (int j = 0; j < i; j++) {
        if (limits.get(i).periodNanos() == limits.get(j).periodNanos()) {
          throw new IllegalArgumentException("limit " + limits.get(i) + " repeats the period of " + limits.get(j));
        }
      }
    }
    return new LimitSpec(limits);
  }

  /**
   * Creates a spec from limits built in code.
   *
   * @param first the first limit
   * @param more further limits with distinct periods
   * @return the spec
   */
  public static LimitSpec of(Limit first, Limit... more) {
    List<Limit> all = new ArrayList<>();
    all.add(first);
    all.addAll(List.of(more));
    return of(all);
  }

  /** @return the limits, in the order written; never empty */
  public List<Limit> limits() {
    return limits;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof LimitSpec other && limits.equals(other.limits));
  }

  @Override
  public int hashCode() {
    return limits.hashCode();
  }

  /** Returns the canonical form, members joined by {@code "; "}; it parses back to an equal spec. */
  @Override
  public String toString() {
    return limits.stream().map(Limit::toString).collect(Collectors.joining("; "));
  }

  /** Formats a period of whole milliseconds in the largest unit that divides it: {@code minute}, {@code 2 hours}. */
  static String formatPeriod(long periodNanos) {
    for (int i = 0; i < UNIT_NANOS.length; i++) {
      if (periodNanos % UNIT_NANOS[i] == 0) {
        long multiple = periodNanos / UNIT_NANOS[i];
        return multiple == 1 ? UNIT_NAMES[i] : multiple + " " + UNIT_NAMES[i] + "s";
      }
    }
    return periodNanos + " nanoseconds"; // unreachable for validated limits (whole milliseconds)
  }

  /** A hand-written recursive-descent parser, so that every error knows its exact position. */
  private static final class Parser {
    private final String in;
    private int pos;

    Parser(String in) {
      this.in = in;
    }

    LimitSpec parseSpec() {
      List<Limit> limits = new ArrayList<>();
      List<Integer> starts = new ArrayList<>();
      while (true) {
        skipSpace();
        int start = pos;
        if (atEnd() || isSeparator(peek())) {
          throw error(start, limits.isEmpty() && atEnd() ? "the spec is empty; expected a rate such as \"10/minute\""
              : "empty member; expected a rate such as \"10/minute\" between separators");
        }
        Limit limit = parseMember();
        for (int i = 0; i < limits.size(); i++) {
          if (limits.get(i).periodNanos() == limit.periodNanos()) {
            throw error(start, "limit " + limit + " repeats the period of " + limits.get(i)
                + " (at position " + starts.get(i) + "); expected each period once");
          }
        }
        if (!limits.isEmpty() && (limit.isConcurrent() || limits.get(0).isConcurrent())) {
          throw error(start, "a concurrency limit (\"" + (limit.isConcurrent() ? limit : limits.get(0))
              + "\") stands alone in its spec; expected no other member");
        }
        limits.add(limit);
        starts.add(start);
        skipSpace();
        if (atEnd()) {
          return new LimitSpec(limits);
        }
        if (!isSeparator(peek())) {
          throw error(pos, "unexpected '" + peek() + "'; expected ';', ',', '|' or the end");
        }
        pos++;
      }
    }

    private Limit parseMember() {
      int countAt = pos;
      long count = parseNumber("a count of permits");
      if (count == 0) {
        throw error(countAt, "count must be >= 1 but was 0");
      }
      skipSpace();
      if (keyword("concurrent")) {
        return parseConcurrent(count, countAt);
      }
      if (!atEnd() && peek() == '/') {
        pos++;
      } else if (in.regionMatches(true, pos, "per", 0, 3)) {
        pos += 3;
      } else {
        throw error(pos, found() + "; expected '/' or 'per' after the count");
      }
      skipSpace();
      long periodNanos = parsePeriod("period");
      long burst = count;
      int burstAt = -1;
      Duration warmup = Duration.ZERO;
      int warmupAt = -1;
      // the modifiers, each at most once, in any order
      while (true) {
        int save = pos;
        skipSpace();
        if (burstAt < 0 && keyword("burst")) {
          skipSpace();
          burstAt = pos;
          burst = parseNumber("a burst size after 'burst'");
          if (burst == 0) {
            throw error(burstAt, "burst must be >= 1 but was 0");
          }
        } else if (warmupAt < 0 && keyword("warmup")) {
          skipSpace();
          warmupAt = pos;
          warmup = parseWarmup();
        } else {
          pos = save;
          break;
        }
      }
      Limit limit;
      try {
        limit = Limit.of(count, Duration.ofNanos(periodNanos), burst);
      } catch (IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage()); // Limit's checks always say why
        throw error(burstAt >= 0 && message.startsWith("burst") ? burstAt : countAt, message);
      }
      try {
        return limit.withWarmup(warmup);
      } catch (IllegalArgumentException e) {
        throw error(warmupAt, String.valueOf(e.getMessage())); // Limit's checks always say why
      }
    }

    /**
     * After {@code warmup}: a duration in {@link DurationFormat}'s grammar, {@code amount [space] unit}
     * ({@code 30s}, {@code 30 seconds}) or ISO-8601 ({@code PT30S}); more than zero.
     */
    private Duration parseWarmup() {
      int start = pos;
      String text;
      if (!atEnd() && (peek() == 'P' || peek() == 'p')) {
        while (!atEnd() && (isLetter(peek()) || isDigit(peek()) || peek() == '.')) {
          pos++;
        }
        text = in.substring(start, pos);
      } else {
        if (atEnd() || !isDigit(peek())) {
          throw error(pos, found() + "; expected a warm-up period after 'warmup', such as 30s, 2 minutes or PT30S");
        }
        while (!atEnd() && isDigit(peek())) {
          pos++;
        }
        String amount = in.substring(start, pos);
        skipSpace();
        text = amount + word();
      }
      Duration warmup;
      try {
        warmup = DurationFormat.parse(text);
      } catch (IllegalArgumentException e) {
        throw error(start, "warm-up: " + e.getMessage());
      }
      if (warmup.isZero()) {
        throw error(start, "warm-up must be longer than 0 but was " + text + "; leave 'warmup' out for none");
      }
      return warmup;
    }

    /** {@code [multiplier] unit}: a period or a lease ({@code what}), in nanoseconds. */
    private long parsePeriod(String what) {
      long multiplier = 1;
      int multiplierAt = pos;
      if (!atEnd() && isDigit(peek())) {
        multiplier = parseNumber("a multiplier");
        if (multiplier == 0) {
          throw error(multiplierAt, what + " multiplier must be >= 1 but was 0");
        }
        skipSpace();
      }
      int unitAt = pos;
      String unit = word();
      if (unit.isEmpty()) {
        throw error(unitAt, found() + "; expected a unit" + (what.equals("lease") ? " of the lease" : "") + ": "
            + UNITS);
      }
      long unitNanos = unitNanos(unit);
      if (unitNanos == 0) {
        throw error(unitAt, "unknown unit \"" + unit + "\"; expected one of " + UNITS);
      }
      if (multiplier > Limit.MAX_PERIOD_MILLIS * MILLI / unitNanos) {
        throw error(multiplierAt, what + " " + multiplier + " " + unit + " is longer than 3650 days");
      }
      return multiplier * unitNanos;
    }

    /** Consumes {@code word} (any case) if it stands here as a whole word. */
    private boolean keyword(String word) {
      int n = word.length();
      if (in.regionMatches(true, pos, word, 0, n) && (pos + n == in.length() || !isLetter(in.charAt(pos + n)))) {
        pos += n;
        return true;
      }
      return false;
    }

    /** After {@code count concurrent}: an optional {@code lease [multiplier] unit}. */
    private Limit parseConcurrent(long count, int countAt) {
      long lease = Limit.DEFAULT_LEASE.toNanos();
      int save = pos;
      skipSpace();
      if (keyword("lease")) {
        skipSpace();
        lease = parsePeriod("lease");
      } else {
        pos = save;
      }
      try {
        return Limit.concurrent(count, Duration.ofNanos(lease));
      } catch (IllegalArgumentException e) {
        throw error(countAt, String.valueOf(e.getMessage()));
      }
    }

    private long parseNumber(String what) {
      int start = pos;
      long value = 0;
      while (!atEnd() && isDigit(peek())) {
        int digit = peek() - '0';
        if (value > (Long.MAX_VALUE - digit) / 10) {
          while (!atEnd() && isDigit(peek())) {
            pos++;
          }
          throw error(start, "number " + in.substring(start, pos) + " is too large; expected at most "
              + Long.MAX_VALUE);
        }
        value = value * 10 + digit;
        pos++;
      }
      if (pos == start) {
        throw error(start, found() + "; expected " + what + " (digits)");
      }
      return value;
    }

    private String word() {
      int start = pos;
      while (!atEnd() && isLetter(peek())) {
        pos++;
      }
      return in.substring(start, pos).toLowerCase(Locale.ROOT);
    }

    private static long unitNanos(String unit) {
      return DurationFormat.unitNanos(unit);
    }

    private String found() {
      return atEnd() ? "found the end" : "found '" + peek() + "'";
    }

    private void skipSpace() {
      while (!atEnd() && isSpace(peek())) {
        pos++;
      }
    }

    /** What Python's {@code \s} matches in a str pattern, which is what flask-limiter's grammar skips. */
    private static boolean isSpace(char c) {
      if (c <= ' ') {
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\u001c' && c <= '\u001f');
      }
      return c == '\u0085' || c == '\u00a0' || c == '\u1680' || (c >= '\u2000' && c <= '\u200a')
          || c == '\u2028' || c == '\u2029' || c == '\u202f' || c == '\u205f' || c == '\u3000';
    }

    private boolean atEnd() {
      return pos >= in.length();
    }

    private char peek() {
      return in.charAt(pos);
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean isLetter(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isSeparator(char c) {
      return c == ';' || c == ',' || c == '|';
    }

    private LimitSpecException error(int at, String problem) {
      return new LimitSpecException(in, at, problem);
    }
  }
}
