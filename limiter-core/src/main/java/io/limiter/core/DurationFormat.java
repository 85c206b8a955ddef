package io.limiter.core;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The one duration grammar of every setting that takes a time (a cooldown, a penalty's length, a timeout, a
 * {@code Retry-After}, a controller's interval), with the same units as the rate grammar of {@link LimitSpec}:
 *
 * <pre>
 * duration = "0" | amount [ space ] unit | ISO-8601 (PT10S, P1D)
 * unit     = ms | millisecond(s) | s | sec(s) | second(s) | m | min(s) | minute(s) | h | hr(s) | hour(s)
 *          | d | day(s) | w | week(s) (7 days) | mo | month(s) (30 days) | y | yr(s) | year(s) (360 days)
 * </pre>
 *
 * Letter case is ignored; {@code amount} is at most 12 digits. So {@code 1w} is a week in a limit
 * ({@code 100/w}), a cooldown, a penalty ({@code -> block for 1w}) and a Redis timeout alike. {@link #format} prints
 * the shortest form that parses back to the same duration. Stateless and thread-safe.
 */
public final class DurationFormat {

  /** The units for messages. */
  public static final String UNITS = "ms, s, m, h, d, w, mo, y (or a word such as seconds)";

  static final long MILLI = 1_000_000L;
  static final long SECOND = 1000 * MILLI;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;
  static final long WEEK = 7 * DAY;
  static final long MONTH = 30 * DAY;
  static final long YEAR = 360 * DAY;

  private static final long[] FORMAT_NANOS = {WEEK, DAY, HOUR, MINUTE, SECOND, MILLI};
  private static final String[] FORMAT_UNITS = {"w", "d", "h", "m", "s", "ms"};

  private DurationFormat() {
  }

  /**
   * Parses a duration of zero or more.
   *
   * @param text e.g. {@code 250ms}, {@code 10 s}, {@code 5 minutes}, {@code 1w}, {@code PT10S} or {@code 0}
   * @return the duration, never negative
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    if (t.length() > 1 && (t.charAt(0) == 'P' || t.charAt(0) == 'p')) {
      Duration d;
      try {
        d = Duration.parse(t);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("\"" + t + "\" is not an ISO-8601 duration such as PT10S");
      }
      if (d.isNegative()) {
        throw new IllegalArgumentException("duration must not be negative but was " + t);
      }
      return d;
    }
    int i = 0;
    while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
    }
    if (i == 0 || i > 12) {
      throw new IllegalArgumentException("expected a duration such as 250ms, 10s, 5m, 1h, 1w or PT10S but found \""
          + t + "\"");
    }
    long amount = Long.parseLong(t.substring(0, i));
    String unit = t.substring(i).trim().toLowerCase(Locale.ROOT);
    long unitNanos = unitNanos(unit);
    if (unitNanos == 0) {
      throw new IllegalArgumentException((unit.isEmpty() ? "duration \"" + t + "\" has no unit"
          : "unknown duration unit \"" + unit + "\"") + "; expected " + UNITS);
    }
    try {
      return Duration.ofNanos(Math.multiplyExact(amount, unitNanos));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration " + t + " is too long");
    }
  }

  /**
   * @param d a duration, not negative
   * @return the shortest text that {@link #parse} reads back as {@code d}: {@code 0}, {@code 10m}, {@code 250ms},
   *     {@code 1w}, else ISO-8601
   */
  public static String format(Duration d) {
    Objects.requireNonNull(d, "d");
    if (d.isZero()) {
      return "0";
    }
    long ms = d.toMillis();
    if (!d.isNegative() && Duration.ofMillis(ms).equals(d)) {
      long nanos = ms * MILLI;
      for (int i = 0; i < FORMAT_NANOS.length; i++) {
        if (ms <= Long.MAX_VALUE / MILLI && nanos % FORMAT_NANOS[i] == 0) {
          return nanos / FORMAT_NANOS[i] + FORMAT_UNITS[i];
        }
      }
    }
    return d.toString();
  }

  /**
   * @param unit a unit word, lower case
   * @return its length in nanoseconds, or 0 if it is no unit; shared with {@link LimitSpec}
   */
  static long unitNanos(String unit) {
    switch (unit) {
      case "ms": case "millisecond": case "milliseconds":
        return MILLI;
      case "s": case "sec": case "secs": case "second": case "seconds":
        return SECOND;
      case "m": case "min": case "mins": case "minute": case "minutes":
        return MINUTE;
      case "h": case "hr": case "hrs": case "hour": case "hours":
        return HOUR;
      case "d": case "day": case "days":
        return DAY;
      case "w": case "week": case "weeks":
        return WEEK;
      case "mo": case "month": case "months":
        return MONTH;
      case "y": case "yr": case "yrs": case "year": case "years":
        return YEAR;
      default:
        return 0;
    }
  }
}
