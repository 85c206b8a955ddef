package io.limiter.core.step;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.internal.step.SpecProblems;
import io.limiter.core.internal.step.SpecReader;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A schedule of limits by wall-clock time: scheduled steps of step-function throttling.
 *
 * <pre>{@code
 * StepSchedule peak = StepSchedule.parse(
 *     "zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; 2025-12-24..2025-12-26 = 200/minute; "
 *     + "default = 200/minute");
 * }</pre>
 *
 * <h2>Spec</h2>
 * Entries {@code <condition> = <value>} separated by {@code ;}, {@code ,} or {@code |}, plus {@code zone=<zone id>}
 * (required when there are conditions; e.g. {@code Europe/Berlin}, {@code UTC}) and optionally
 * {@code default=<value>} (alias {@code otherwise}), which applies when no condition matches; without it the policy's
 * own limits apply then. A value is a rate spec ({@code 1000/minute}, {@code 100/second; 5000/hour}) that replaces the
 * policy's limits, or a percentage ({@code 50%}) that scales them (see {@link StepLimits}).
 *
 * <p>A condition is whitespace-separated terms:
 * <ul>
 *   <li>days of the week: {@code Mon}, {@code Mon-Fri}, {@code Fri-Mon} (wraps), {@code Sat Sun}, full names,
 *       {@code weekdays}, {@code weekends}; case-insensitive;
 *   <li>or dates: {@code 2025-12-24}, {@code 2025-12-24..2025-12-26} (inclusive), {@code --12-25} (every year),
 *       {@code --12-24..--01-01} (every year, may wrap the year);
 *   <li>and at most one time range {@code HH:MM-HH:MM} (or {@code HH:MM:SS}), start inclusive, end exclusive,
 *       {@code 24:00} for the end of the day; a range must not wrap midnight (write {@code 22:00-24:00} and
 *       {@code 00:00-06:00}).
 * </ul>
 * A condition without days or dates applies every day; one without a time range the whole day.
 *
 * <h2>Evaluation</h2>
 * The schedule is evaluated on the <em>local</em> date and time in its zone: an entry applies while the wall clock
 * there shows a matching date, day and time. Entries with dates (holidays, overrides) are checked first, then the
 * others, each group in the order written; the first match wins. Consequences on daylight-saving days: on the day the
 * clocks go forward, local times in the gap never occur, so {@code 01:00-03:00} in Europe/Berlin lasts one real hour
 * (01:00 CET to 03:00 CEST); on the day they go back, local times in the overlap occur twice, so the same entry lasts
 * three real hours. The step switches exactly at the instants where the local time reaches an entry's start or end.
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} prints a spec that parses back to an equal schedule.
 */
public final class StepSchedule {

  private static final long DAY_NANOS = 86_400_000_000_000L;
  private static final Pattern TIME_RANGE =
      Pattern.compile("(\\d{1,2}):(\\d{2})(?::(\\d{2}))?-(\\d{1,2}):(\\d{2})(?::(\\d{2}))?");
  private static final Pattern DATE_RANGE = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})(?:\\.\\.(\\d{4}-\\d{2}-\\d{2}))?");
  private static final Pattern MONTH_DAY_RANGE = Pattern.compile("(--\\d{2}-\\d{2})(?:\\.\\.(--\\d{2}-\\d{2}))?");
  private static final Pattern DAY_RANGE = Pattern.compile("([A-Za-z]+)(?:-([A-Za-z]+))?");

  private final ZoneId zone;
  private final List<Rule> rules;
  /** The rules in evaluation order: date rules first; holds indexes into {@link #rules}. */
  private final int[] order;
  private final @Nullable StepLimits otherwise;
  /** Every local time at which some rule may start or stop applying, midnight included. */
  private final LocalTime[] boundaries;

  private final List<String> warnings;

  private StepSchedule(ZoneId zone, List<Rule> rules, @Nullable StepLimits otherwise) {
    this.zone = zone;
    this.rules = List.copyOf(rules);
    this.otherwise = otherwise;
    this.order = new int[rules.size()];
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < rules.size(); i++) {
        if (rules.get(i).dateRule() == (pass == 0)) {
          order[n++] = i;
        }
      }
    }
    Set<LocalTime> times = new TreeSet<>();
    times.add(LocalTime.MIDNIGHT);
    for (Rule r : rules) {
      if (r.startNanos > 0) {
        times.add(LocalTime.ofNanoOfDay(r.startNanos));
      }
      if (r.endNanos < DAY_NANOS) {
        times.add(LocalTime.ofNanoOfDay(r.endNanos));
      }
    }
    this.boundaries = times.toArray(new LocalTime[0]);
    this.warnings = List.copyOf(findWarnings());
  }

  /**
   * @return entries that can never apply or apply less than they seem to: an entry hidden by an earlier one (it
   *     matches only when an entry checked before it matches too), and {@code --02-29} (only in leap years); empty
   *     when none. The limiters built with this schedule log them at WARNING.
   */
  public List<String> warnings() {
    return warnings;
  }

  private List<String> findWarnings() {
    List<String> out = new ArrayList<>();
    for (int b = 0; b < order.length; b++) {
      Rule later = rules.get(order[b]);
      for (int a = 0; a < b; a++) {
        Rule earlier = rules.get(order[a]);
        if (earlier.covers(later)) {
          out.add("schedule entry \"" + later + "\" never applies: entry \"" + earlier + "\" is checked first and "
              + "matches whenever it does" + (later.dateRule() == earlier.dateRule() ? "" : " (dates are checked "
              + "before days)") + "; reorder or narrow them");
          break;
        }
      }
      if (later.monthDays != null) {
        for (MonthDay[] range : later.monthDays) {
          if (range[0].equals(range[1]) && range[0].equals(MonthDay.of(2, 29))) {
            out.add("schedule entry \"" + later + "\" applies only in leap years (February 29 exists one year in "
                + "four)");
          }
        }
      }
    }
    return out;
  }

  /**
   * Parses a schedule spec.
   *
   * @param spec e.g. {@code "zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; default = 200/minute"}
   * @return the schedule
   * @throws RateLimitConfigException listing every problem with its position
   */
  public static StepSchedule parse(String spec) {
    return parse(spec, null);
  }

  /**
   * Parses a schedule spec that came from configuration.
   *
   * @param spec the spec
   * @param source where it came from, for the messages: {@code property limiter.policies.api.schedule}; or null
   * @return the schedule
   * @throws RateLimitConfigException listing every problem, each naming the source, the spec and the position
   */
  public static StepSchedule parse(String spec, @Nullable String source) {
    Objects.requireNonNull(spec, "spec");
    return SpecProblems.collect(problems -> parse(spec, source, problems));
  }

  /** Parses, reporting every problem into {@code problems}; null if there were any. */
  static @Nullable StepSchedule parse(String spec, @Nullable String source, List<String> problems) {
    SpecProblems p = new SpecProblems("schedule spec", spec, source, problems);
    ZoneId zone = null;
    boolean zoneSeen = false;
    StepLimits otherwise = null;
    boolean otherwiseSeen = false;
    List<Rule> rules = new ArrayList<>();
    for (SpecReader.Entry e : SpecReader.entries(p)) {
      String name = e.name().toLowerCase(Locale.ROOT);
      if (name.equals("zone")) {
        if (zoneSeen) {
          p.at(e.nameAt(), "zone is given twice; expected it once");
        }
        zoneSeen = true;
        String id = SpecReader.single(e, p);
        if (!id.isEmpty()) {
          try {
            zone = ZoneId.of(id);
          } catch (DateTimeException ex) {
            p.at(e.valueAt(), "unknown time zone \"" + id + "\"; expected a region such as Europe/Berlin, or UTC");
          }
        }
        continue;
      }
      boolean isDefault = name.equals("default") || name.equals("otherwise");
      StepLimits value = e.value().isEmpty() ? null : value(e, p);
      if (isDefault) {
        if (otherwiseSeen) {
          p.at(e.nameAt(), "default is given twice; expected it once");
        }
        otherwiseSeen = true;
        otherwise = value;
        continue;
      }
      Rule rule = Rule.parse(e.name(), e.nameAt(), p, value);
      if (rule != null && value != null) {
        rules.add(rule);
      }
    }
    if (!zoneSeen && !p.found() && !rules.isEmpty()) {
      p.whole("a schedule with conditions needs its time zone; add zone=<region/city> such as zone=Europe/Berlin "
          + "(or zone=UTC)");
    }
    if (rules.isEmpty() && !otherwiseSeen && !p.found()) {
      p.whole("no entries; expected conditions such as Mon-Fri 08:00-20:00 = 1000/minute");
    }
    if (p.found()) {
      return null;
    }
    return new StepSchedule(zone == null ? ZoneOffset.UTC : zone, rules, otherwise);
  }

  private static @Nullable StepLimits value(SpecReader.Entry e, SpecProblems p) {
    StepLimits value = StepLimits.parse(e.value(), e.valueAt(), p);
    if (value != null && value.kind() != StepLimits.Kind.LIMITS && value.kind() != StepLimits.Kind.FACTOR) {
      p.at(e.valueAt(), "a scheduled step cannot be " + value + "; expected a rate such as 1000/minute or a "
          + "percentage such as 50%");
      return null;
    }
    return value;
  }

  /**
   * Starts a builder for a schedule defined in code.
   *
   * @param zone the zone whose wall-clock time the conditions refer to
   * @return a new builder
   */
  public static Builder builder(ZoneId zone) {
    return new Builder(zone);
  }

  /** @return the zone whose local time the conditions refer to */
  public ZoneId zone() {
    return zone;
  }

  /** @return the conditional entries, in the order written */
  public List<Rule> rules() {
    return rules;
  }

  /** @return the value when no condition matches; empty means the policy's own limits */
  public Optional<StepLimits> otherwise() {
    return Optional.ofNullable(otherwise);
  }

  /**
   * Returns which entry applies at an instant.
   *
   * @param instant the instant
   * @return the index in {@link #rules()} of the entry that applies, or -1 if none does (the default applies)
   */
  public int stepAt(Instant instant) {
    LocalDateTime local = LocalDateTime.ofInstant(instant, zone);
    for (int i : order) {
      if (rules.get(i).matches(local)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Returns the value that applies at an instant.
   *
   * @param instant the instant
   * @return the value, or empty when the policy's own limits apply
   */
  public Optional<StepLimits> limitsAt(Instant instant) {
    int step = stepAt(instant);
    return step < 0 ? otherwise() : Optional.of(rules.get(step).limits());
  }

  /**
   * Returns the first instant after {@code instant} at which the step may change: the next time the local time
   * reaches an entry's start or end or midnight, or the zone's offset changes. {@link #stepAt(Instant)} is the same
   * for every instant from {@code instant} (inclusive) to the result (exclusive), so callers can cache it.
   *
   * @param instant the instant
   * @return a later instant, at most about a day away
   */
  public Instant nextChangeAfter(Instant instant) {
    ZoneRules zoneRules = zone.getRules();
    Instant best = null;
    ZoneOffsetTransition transition = zoneRules.nextTransition(instant);
    if (transition != null) {
      best = transition.getInstant();
    }
    LocalDate today = LocalDateTime.ofInstant(instant, zone).toLocalDate();
    for (int d = -1; d <= 2; d++) {
      LocalDate date = today.plusDays(d);
      for (LocalTime time : boundaries) {
        LocalDateTime local = date.atTime(time);
        List<ZoneOffset> offsets = zoneRules.getValidOffsets(local);
        if (offsets.isEmpty()) {
          // in a gap the local time is passed when the clocks jump
          best = earliestAfter(instant, best, zoneRules.getTransition(local).getInstant());
        }
        for (ZoneOffset offset : offsets) {
          best = earliestAfter(instant, best, local.toInstant(offset));
        }
      }
    }
    // never null: midnight of the day after tomorrow is a boundary, and it is after the instant
    return Objects.requireNonNull(best, "best");

  }

  private static @Nullable Instant earliestAfter(Instant after, @Nullable Instant best, Instant candidate) {
    return candidate.isAfter(after) && (best == null || candidate.isBefore(best)) ? candidate : best;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof StepSchedule other && zone.equals(other.zone) && rules.equals(other.rules)
        && Objects.equals(otherwise, other.otherwise));
  }

  @Override
  public int hashCode() {
    return Objects.hash(zone, rules, otherwise);
  }

  /** Returns the canonical spec; {@link #parse(String)} reads it back to an equal schedule. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("zone=").append(zone.getId());
    for (Rule r : rules) {
      sb.append("; ").append(r);
    }
    if (otherwise != null) {
      sb.append("; default=").append(otherwise);
    }
    return sb.toString();
  }

  /**
   * One conditional entry of a schedule: a condition on the local date, day and time, and the value that applies
   * while it holds. Immutable.
   */
  public static final class Rule {
    private final String condition;
    private final StepLimits limits;
    private final @Nullable Set<DayOfWeek> days;
    private final @Nullable List<LocalDate[]> dates;
    private final @Nullable List<MonthDay[]> monthDays;
    private final long startNanos;
    private final long endNanos;

    private Rule(String condition, StepLimits limits, @Nullable Set<DayOfWeek> days,
        @Nullable List<LocalDate[]> dates, @Nullable List<MonthDay[]> monthDays, long startNanos, long endNanos) {
      this.condition = condition;
      this.limits = limits;
      this.days = days;
      this.dates = dates;
      this.monthDays = monthDays;
      this.startNanos = startNanos;
      this.endNanos = endNanos;
    }

    /** Parses a condition; reports problems relative to {@code at}; returns null after a problem. */
    static @Nullable Rule parse(String condition, int at, SpecProblems p, @Nullable StepLimits limits) {
      Set<DayOfWeek> days = null;
      List<LocalDate[]> dates = null;
      List<MonthDay[]> monthDays = null;
      long start = 0;
      long end = DAY_NANOS;
      boolean timeSeen = false;
      boolean ok = true;
      int i = 0;
      List<String> canonical = new ArrayList<>();
      while (i < condition.length()) {
        if (Character.isWhitespace(condition.charAt(i))) {
          i++;
          continue;
        }
        int from = i;
        while (i < condition.length() && !Character.isWhitespace(condition.charAt(i))) {
          i++;
        }
        String term = condition.substring(from, i);
        int termAt = at + from;
        canonical.add(term);
        Matcher m;
        if ((m = TIME_RANGE.matcher(term)).matches()) {
          if (timeSeen) {
            p.at(termAt, "a condition has at most one time range; write another entry for \"" + term + "\"");
            ok = false;
            continue;
          }
          timeSeen = true;
          long s = time(m.group(1), m.group(2), m.group(3), false, termAt, p);
          long e = time(m.group(4), m.group(5), m.group(6), true, termAt + term.indexOf('-') + 1, p);
          if (s < 0 || e < 0) {
            ok = false;
          } else if (s >= e) {
            p.at(termAt, "time range " + term + " ends before it starts; split a range over midnight into "
                + "two entries such as 22:00-24:00 and 00:00-06:00");
            ok = false;
          } else {
            start = s;
            end = e;
          }
        } else if ((m = DATE_RANGE.matcher(term)).matches()) {
          LocalDate first = date(m.group(1), termAt, p);
          LocalDate last = m.group(2) == null ? first : date(m.group(2), termAt + m.start(2), p);
          if (first == null || last == null) {
            ok = false;
          } else if (last.isBefore(first)) {
            p.at(termAt, "date range " + term + " ends before it starts");
            ok = false;
          } else {
            dates = dates == null ? new ArrayList<>() : dates;
            dates.add(new LocalDate[] {first, last});
          }
        } else if ((m = MONTH_DAY_RANGE.matcher(term)).matches()) {
          MonthDay first = monthDay(m.group(1), termAt, p);
          MonthDay last = m.group(2) == null ? first : monthDay(m.group(2), termAt + m.start(2), p);
          if (first == null || last == null) {
            ok = false;
          } else {
            monthDays = monthDays == null ? new ArrayList<>() : monthDays;
            monthDays.add(new MonthDay[] {first, last});
          }
        } else if ((m = DAY_RANGE.matcher(term)).matches()) {
          Set<DayOfWeek> range = days(m.group(1), m.group(2), termAt, termAt + Math.max(0, m.start(2)), p);
          if (range == null) {
            ok = false;
          } else {
            days = days == null ? EnumSet.noneOf(DayOfWeek.class) : days;
            days.addAll(range);
          }
        } else {
          p.at(termAt, "unexpected \"" + term + "\"; expected days (Mon-Fri, Sat, weekends), dates (2025-12-24, "
              + "2025-12-24..2025-12-26, --12-25) or a time range (08:00-20:00)");
          ok = false;
        }
      }
      if (canonical.isEmpty()) {
        p.at(at, "expected a condition such as Mon-Fri 08:00-20:00 before '='");
        return null;
      }
      if (days != null && (dates != null || monthDays != null)) {
        p.at(at, "a condition names either days of the week or dates, not both; write two entries");
        return null;
      }
      if (!ok || limits == null) {
        return null;
      }
      return new Rule(String.join(" ", canonical), limits, days, dates == null ? null : List.copyOf(dates),
          monthDays == null ? null : List.copyOf(monthDays), start, end);
    }

    private static long time(String h, String m, @Nullable String s, boolean end, int at, SpecProblems p) {
      int hour = Integer.parseInt(h);
      int minute = Integer.parseInt(m);
      int second = s == null ? 0 : Integer.parseInt(s);
      if (end && hour == 24 && minute == 0 && second == 0) {
        return DAY_NANOS;
      }
      if (hour > 23 || minute > 59 || second > 59) {
        p.at(at, "time " + h + ":" + m + (s == null ? "" : ":" + s) + " is not a time of day; expected 00:00 to "
            + "23:59" + (end ? ", or 24:00 for the end of the day" : ""));
        return -1;
      }
      return LocalTime.of(hour, minute, second).toNanoOfDay();
    }

    private static @Nullable LocalDate date(String text, int at, SpecProblems p) {
      try {
        return LocalDate.parse(text);
      } catch (DateTimeException e) {
        p.at(at, "\"" + text + "\" is not a valid date; expected YYYY-MM-DD");
        return null;
      }
    }

    private static @Nullable MonthDay monthDay(String text, int at, SpecProblems p) {
      try {
        return MonthDay.parse(text);
      } catch (DateTimeException e) {
        p.at(at, "\"" + text + "\" is not a valid day of the year; expected --MM-DD such as --12-25");
        return null;
      }
    }

    private static @Nullable Set<DayOfWeek> days(String first, @Nullable String last, int at, int lastAt,
        SpecProblems p) {
      String f = first.toLowerCase(Locale.ROOT);
      if (last == null && f.equals("weekdays")) {
        return EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);
      }
      if (last == null && f.equals("weekends")) {
        return EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
      }
      DayOfWeek from = day(first, at, p);
      DayOfWeek to = last == null ? from : day(last, lastAt, p);
      if (from == null || to == null) {
        return null;
      }
      Set<DayOfWeek> set = EnumSet.noneOf(DayOfWeek.class);
      for (DayOfWeek d = from; ; d = d.plus(1)) {
        set.add(d);
        if (d == to) {
          return set;
        }
      }
    }

    private static @Nullable DayOfWeek day(String text, int at, SpecProblems p) {
      String t = text.toLowerCase(Locale.ROOT);
      for (DayOfWeek d : DayOfWeek.values()) {
        String full = d.name().toLowerCase(Locale.ROOT);
        if (t.equals(full) || t.equals(full.substring(0, 3))
            || (t.length() > 3 && full.startsWith(t) && t.length() <= full.length())) {
          return d;
        }
      }
      p.at(at, "unknown day \"" + text + "\"; expected Mon, Tue, Wed, Thu, Fri, Sat, Sun (or full names), weekdays "
          + "or weekends");
      return null;
    }

    /** @return the condition, as written (terms separated by one space) */
    public String condition() {
      return condition;
    }

    /** @return the value that applies while the condition holds */
    public StepLimits limits() {
      return limits;
    }

    /**
     * Whether this rule matches at every local time that {@code other} matches (so {@code other}, checked after it,
     * never applies). Conservative: answers false when it cannot tell.
     */
    boolean covers(Rule other) {
      if (startNanos > other.startNanos || endNanos < other.endNanos) {
        return false;
      }
      if (days == null && dates == null && monthDays == null) {
        return true; // every day
      }
      if (days != null) {
        if (other.days != null) {
          return days.containsAll(other.days);
        }
        return days.size() == 7;
      }
      if (other.days != null || (other.dates == null && other.monthDays == null)) {
        return false; // dates never cover every weekday of every week
      }
      if (other.dates != null) {
        for (LocalDate[] range : other.dates) {
          if (!coversDates(range[0], range[1])) {
            return false;
          }
        }
      }
      if (other.monthDays != null) {
        for (MonthDay[] range : other.monthDays) {
          if (range[0].isAfter(range[1]) || !coversMonthDays(range[0], range[1])) {
            return false;
          }
        }
      }
      return true;
    }

    private boolean coversDates(LocalDate first, LocalDate last) {
      if (dates != null) {
        for (LocalDate[] range : dates) {
          if (!first.isBefore(range[0]) && !last.isAfter(range[1])) {
            return true;
          }
        }
      }
      return first.getYear() == last.getYear() && coversMonthDays(MonthDay.from(first), MonthDay.from(last));
    }

    private boolean coversMonthDays(MonthDay first, MonthDay last) {
      if (monthDays != null) {
        for (MonthDay[] range : monthDays) {
          boolean in = range[0].isAfter(range[1])
              ? (!first.isBefore(range[0]) && !last.isBefore(range[0])) || (!first.isAfter(range[1])
                  && !last.isAfter(range[1]))
              : !first.isBefore(range[0]) && !last.isAfter(range[1]);
          if (in) {
            return true;
          }
        }
      }
      return false;
    }

    /** @return whether the condition names dates (such rules are checked before the others) */
    public boolean dateRule() {
      return dates != null || monthDays != null;
    }

    /**
     * @param local a local date and time in the schedule's zone
     * @return whether the condition holds then
     */
    public boolean matches(LocalDateTime local) {
      long t = local.toLocalTime().toNanoOfDay();
      if (t < startNanos || t >= endNanos) {
        return false;
      }
      if (days != null) {
        return days.contains(local.getDayOfWeek());
      }
      if (dates == null && monthDays == null) {
        return true;
      }
      LocalDate date = local.toLocalDate();
      if (dates != null) {
        for (LocalDate[] range : dates) {
          if (!date.isBefore(range[0]) && !date.isAfter(range[1])) {
            return true;
          }
        }
      }
      if (monthDays != null) {
        MonthDay md = MonthDay.from(date);
        for (MonthDay[] range : monthDays) {
          boolean in = range[0].isAfter(range[1])
              ? !md.isBefore(range[0]) || !md.isAfter(range[1]) // wraps the year
              : !md.isBefore(range[0]) && !md.isAfter(range[1]);
          if (in) {
            return true;
          }
        }
      }
      return false;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return this == o || (o instanceof Rule other && condition.equals(other.condition)
          && limits.equals(other.limits));
    }

    @Override
    public int hashCode() {
      return condition.hashCode() * 31 + limits.hashCode();
    }

    @Override
    public String toString() {
      return condition + " = " + limits;
    }
  }

  /** Builds a {@link StepSchedule} in code; conditions use the spec's notation. Not thread-safe. */
  public static final class Builder {
    private final ZoneId zone;
    private final List<Rule> rules = new ArrayList<>();
    private @Nullable StepLimits otherwise;


    private Builder(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
    }

    /**
     * Adds an entry.
     *
     * @param condition e.g. {@code Mon-Fri 08:00-20:00} or {@code 2025-12-24}
     * @param limits a {@link StepLimits.Kind#LIMITS} or {@link StepLimits.Kind#FACTOR} value
     * @return this builder
     * @throws RateLimitConfigException if the condition does not parse or the value is of another kind
     */
    public Builder rule(String condition, StepLimits limits) {
      Objects.requireNonNull(condition, "condition");
      Objects.requireNonNull(limits, "limits");
      List<String> problems = new ArrayList<>();
      SpecProblems p = new SpecProblems("schedule condition", condition, null, problems);
      if (limits.kind() != StepLimits.Kind.LIMITS && limits.kind() != StepLimits.Kind.FACTOR) {
        p.whole("a scheduled step cannot be " + limits + "; expected a rate or a percentage");
      }
      Rule rule = Rule.parse(condition, 0, p, limits);
      if (!problems.isEmpty()) {
        throw new RateLimitConfigException(problems);
      }
      rules.add(rule);
      return this;
    }

    /**
     * Adds an entry.
     *
     * @param condition e.g. {@code Mon-Fri 08:00-20:00}
     * @param limits a rate spec or a percentage
     * @return this builder
     */
    public Builder rule(String condition, String limits) {
      return rule(condition, StepLimits.parse(limits));
    }

    /**
     * Sets the value when no condition matches; without it the policy's own limits apply then.
     *
     * @param limits a {@link StepLimits.Kind#LIMITS} or {@link StepLimits.Kind#FACTOR} value
     * @return this builder
     */
    public Builder otherwise(StepLimits limits) {
      if (limits.kind() != StepLimits.Kind.LIMITS && limits.kind() != StepLimits.Kind.FACTOR) {
        throw new IllegalArgumentException("a scheduled step cannot be " + limits + "; expected a rate or a "
            + "percentage");
      }
      this.otherwise = limits;
      return this;
    }

    /**
     * @param limits a rate spec or a percentage
     * @return this builder
     */
    public Builder otherwise(String limits) {
      return otherwise(StepLimits.parse(limits));
    }

    /** @return the schedule */
    public StepSchedule build() {
      return new StepSchedule(zone, rules, otherwise);
    }
  }
}
