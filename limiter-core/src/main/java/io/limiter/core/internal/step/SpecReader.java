package io.limiter.core.internal.step;

import io.limiter.core.DurationFormat;
import io.limiter.core.settings.Percentage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code name=value; name=value} strings of step-function throttling (tiers, schedules, controllers). Entries are
 * separated by the rate grammar's separators ({@code ;}, {@code ,}, {@code |}); a segment without {@code =} continues
 * the value of the entry before it, so multi-limit values ({@code pro=100/second; 10000/day}) and lists
 * ({@code levels=100%,50%}) need no quoting. Positions are kept, so errors point into the original string.
 */
public final class SpecReader {

  /**
   * One {@code name=value} entry.
   *
   * @param name the trimmed name
   * @param nameAt its position in the input
   * @param value the raw value: from the first non-blank character after {@code =} to the end of its last
   *     continuation segment, trimmed
   * @param valueAt its position in the input
   * @param continuedAt the position of the first continuation segment, or -1 if the value is one segment
   */
  public record Entry(String name, int nameAt, String value, int valueAt, int continuedAt) {
  }

  private SpecReader() {
  }

  /**
   * Splits a string into entries; reports empty segments, segments before the first name and names without values.
   *
   * @param p the problems of this string (its input is read)
   * @return the entries, possibly after problems were reported
   */
  public static List<Entry> entries(SpecProblems p) {
    String in = p.input();
    List<Entry> entries = new ArrayList<>();
    if (in.isBlank()) {
      p.at(0, "the spec is empty; expected name=value entries");
      return entries;
    }
    int start = 0;
    String name = null;
    int nameAt = 0;
    int valueAt = 0;
    int valueEnd = 0;
    int continuedAt = -1;
    for (int i = 0; i <= in.length(); i++) {
      if (i < in.length() && !isSeparator(in.charAt(i))) {
        continue;
      }
      int from = skipSpace(in, start, i);
      int to = trimEnd(in, from, i);
      if (from == to) {
        p.at(from, "empty entry; expected name=value between separators");
      } else {
        int eq = in.indexOf('=', from);
        if (eq >= 0 && eq < to) {
          if (name != null) {
            entries.add(entry(p, name, nameAt, valueAt, valueEnd, continuedAt));
          }
          continuedAt = -1;
          nameAt = from;
          name = in.substring(from, trimEnd(in, from, eq));
          valueAt = skipSpace(in, eq + 1, to);
          valueEnd = to;
          if (name.isEmpty()) {
            p.at(from, "expected a name before '='");
          }
        } else if (name == null) {
          p.at(from, "expected name=value but found \"" + in.substring(from, to) + "\"");
        } else {
          continuedAt = continuedAt < 0 ? from : continuedAt;
          valueEnd = to;
        }
      }
      start = i + 1;
    }
    if (name != null) {
      entries.add(entry(p, name, nameAt, valueAt, valueEnd, continuedAt));
    }
    return entries;
  }

  private static Entry entry(SpecProblems p, String name, int nameAt, int valueAt, int valueEnd, int continuedAt) {
    String value = valueAt < valueEnd ? p.input().substring(valueAt, valueEnd) : "";
    if (value.isEmpty()) {
      p.at(valueAt, "expected a value after \"" + name + "=\"");
    }
    return new Entry(name, nameAt, value, valueAt, continuedAt);
  }

  /**
   * Returns the value of an entry that takes one item (a zone, a name, a number): continuation segments are
   * reported as entries without a name.
   *
   * @return the value up to the first separator, trimmed
   */
  public static String single(Entry e, SpecProblems p) {
    if (e.continuedAt() < 0) {
      return e.value();
    }
    String in = p.input();
    int end = e.continuedAt();
    while (end < in.length() && !isSeparator(in.charAt(end))) {
      end++;
    }
    p.at(e.continuedAt(), "expected name=value but found \"" + in.substring(e.continuedAt(), end).strip() + "\"");
    int first = e.valueAt();
    while (first < in.length() && !isSeparator(in.charAt(first))) {
      first++;
    }
    return in.substring(e.valueAt(), trimEnd(in, e.valueAt(), first));
  }

  /**
   * Parses a percentage such as {@code 75%} or {@code 12.5%} into a factor (0.75, 0.125).
   *
   * @return the factor, or NaN after reporting a problem at {@code at}
   */
  public static double percent(String text, int at, SpecProblems p) {
    try {
      Percentage percentage = Percentage.valueOf(text);
      if (!percentage.isOff()) {
        return percentage.factor();
      }
    } catch (IllegalArgumentException e) {
      p.refused(at, e);
      return Double.NaN;

    }
    p.at(at, "expected a percentage such as 50% but found \"" + text.trim() + "\"");
    return Double.NaN;
  }

  /**
   * Parses a whole number of at least {@code min}.
   *
   * @return the number, or -1 after reporting a problem at {@code at}
   */
  public static long number(String text, long min, int at, SpecProblems p) {
    String t = text.trim();
    if (!t.matches("[0-9]{1,18}")) {
      p.at(at, "expected a whole number but found \"" + t + "\"");
      return -1;
    }
    long value = Long.parseLong(t);
    if (value < min) {
      p.at(at, "must be >= " + min + " but was " + value);
      return -1;
    }
    return value;
  }

  /**
   * Parses a positive duration in the one duration grammar ({@link DurationFormat}): {@code 250ms}, {@code 10 s},
   * {@code 5 minutes}, {@code 1w}, {@code PT10S}.
   *
   * @return the duration, or null after reporting a problem at {@code at}
   */
  public static @Nullable Duration duration(String text, int at, SpecProblems p) {
    String t = text.trim();
    Duration d;
    try {
      d = DurationFormat.parse(t);
    } catch (IllegalArgumentException e) {
      int digits = 0;
      while (digits < t.length() && Character.isDigit(t.charAt(digits))) {
        digits++;
      }
      String message = Objects.requireNonNullElse(e.getMessage(), e.toString());
      boolean unit = message.startsWith("unknown duration unit");
      p.at(unit ? at + text.indexOf(t) + skipSpace(t, digits, t.length()) : at, message);
      return null;
    }
    if (d.isZero()) {
      p.at(at, "duration must be positive but was " + t);
      return null;
    }
    return d;
  }

  /** Formats a duration as {@link DurationFormat#format} does: {@code 10m}, {@code 250ms}. */
  public static String format(Duration d) {
    return DurationFormat.format(d);
  }

  /**
   * Folds ASCII upper-case letters to lower case and nothing else; answers null for a string with any non-ASCII
   * character. Unlike {@link String#toLowerCase(java.util.Locale)}, no Unicode look-alike ({@code İ}, the Kelvin sign)
   * can fold into an ASCII name.
   *
   * @param s the string
   * @return the folded string, or null if it is not ASCII
   */
  public static @Nullable String asciiLowerCase(String s) {

    char[] out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0x7f) {
        return null;
      }
      if (c >= 'A' && c <= 'Z') {
        if (out == null) {
          out = s.toCharArray();
        }
        out[i] = (char) (c + ('a' - 'A'));
      }
    }
    return out == null ? s : new String(out);
  }

  /** Formats a factor as a percentage: {@code 75%}, {@code 12.5%}. */
  public static String percent(double factor) {
    double pct = factor * 100;
    long whole = Math.round(pct);
    if (Math.abs(pct - whole) < 1e-9) {
      return whole + "%";
    }
    return BigDecimal.valueOf(pct).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
  }

  public static boolean isSeparator(char c) {
    return c == ';' || c == ',' || c == '|';
  }

  public static int skipSpace(String s, int from, int to) {
    while (from < to && Character.isWhitespace(s.charAt(from))) {
      from++;
    }
    return from;
  }

  public static int trimEnd(String s, int from, int to) {
    while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
      to--;
    }
    return to;
  }
}
