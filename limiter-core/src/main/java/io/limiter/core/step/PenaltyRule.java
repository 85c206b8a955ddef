package io.limiter.core.step;

import io.limiter.core.Limit;
import io.limiter.core.LimitSpec;
import io.limiter.core.LimitSpecException;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.internal.step.SpecProblems;
import io.limiter.core.internal.step.SpecReader;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * When a client goes into the penalty box and what happens to it there (flask-limiter's meta limits): a client
 * rejected more than {@link #rejections()} times within {@link #within()} gets {@link #action()} for
 * {@link #duration()}.
 *
 * <pre>{@code
 * PenaltyRule.parse("5/minute -> block for 10 minutes")   // the 6th rejection within a minute blocks for 10 min
 * PenaltyRule.parse("20/hour -> 10% for 1h")              // 10% of the client's limits for an hour
 * PenaltyRule.parse("5/minute -> 1/minute for 30m")       // these limits instead of the client's for 30 minutes
 * }</pre>
 *
 * <h2>Spec</h2>
 * {@code <count>/<period> -> <action> for <duration>}: the trigger in the rate grammar (one rate, no burst; at most
 * 1000 rejections), an action that is {@code block}, a percentage of the limits the client would otherwise have, or
 * a rate spec that replaces them, and a duration such as {@code 10m}, {@code 10 minutes} or {@code PT10M}.
 * Immutable and thread-safe; {@link #toString()} parses back to an equal rule.
 */
public final class PenaltyRule {

  /** The most rejections a trigger may count: the box keeps one timestamp per counted rejection and key. */
  public static final long MAX_REJECTIONS = 1000;

  private static final Pattern FOR = Pattern.compile("(?i)\\s+for\\s+");

  private final long rejections;
  private final Duration within;
  private final StepLimits action;
  private final Duration duration;

  private PenaltyRule(long rejections, Duration within, StepLimits action, Duration duration) {
    this.rejections = rejections;
    this.within = within;
    this.action = action;
    this.duration = duration;
  }

  /**
   * Creates a rule.
   *
   * @param rejections how many rejections are tolerated within {@code within}; the next one boxes the client; 1 to
   *     {@link #MAX_REJECTIONS}
   * @param within the window, at least 1 ms
   * @param action {@link StepLimits#block()}, a factor, or limits
   * @param duration how long the client stays boxed, at least 1 ms
   * @return the rule
   * @throws IllegalArgumentException if a value is out of range
   */
  public static PenaltyRule of(long rejections, Duration within, StepLimits action, Duration duration) {
    Objects.requireNonNull(within, "within");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(duration, "duration");
    if (rejections < 1 || rejections > MAX_REJECTIONS) {
      throw new IllegalArgumentException("rejections must be between 1 and " + MAX_REJECTIONS + " but was "
          + rejections);
    }
    if (within.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("within must be at least 1ms but was " + within);
    }
    if (duration.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("penalty duration must be at least 1ms but was " + duration);
    }
    if (action.kind() == StepLimits.Kind.UNLIMITED) {
      throw new IllegalArgumentException("a penalty cannot be unlimited; use block, a percentage or a rate");
    }
    return new PenaltyRule(rejections, within, action, duration);
  }

  /**
   * Parses a penalty spec.
   *
   * @param spec e.g. {@code "5/minute -> block for 10 minutes"}
   * @return the rule
   * @throws RateLimitConfigException naming the problems and their positions
   */
  public static PenaltyRule parse(String spec) {
    return parse(spec, null);
  }

  /**
   * Parses a penalty spec that came from configuration.
   *
   * @param spec the spec
   * @param source where it came from, for the messages, or null
   * @return the rule
   * @throws RateLimitConfigException naming the source, the spec, the problems and their positions
   */
  public static PenaltyRule parse(String spec, @Nullable String source) {
    Objects.requireNonNull(spec, "spec");
    return SpecProblems.collect(problems -> parse(spec, source, problems));
  }

  /** Parses, reporting every problem into {@code problems}; null if there were any. */
  static @Nullable PenaltyRule parse(String spec, @Nullable String source, List<String> problems) {

    SpecProblems p = new SpecProblems("penalty spec", spec, source, problems);
    String expected = "; expected <count>/<period> -> <block | percentage | rate> for <duration>, such as "
        + "5/minute -> block for 10m";
    int arrow = spec.indexOf("->");
    if (arrow < 0) {
      p.at(0, "no \"->\"" + expected);
      return null;
    }
    String trigger = spec.substring(0, arrow);
    int triggerAt = SpecReader.skipSpace(spec, 0, arrow);
    Limit limit = null;
    try {
      LimitSpec parsed = LimitSpec.parse(trigger);
      if (parsed.limits().size() != 1) {
        p.at(triggerAt, "the trigger must be one rate such as 5/minute but was " + parsed);
      } else if (parsed.limits().get(0).hasCustomBurst()) {
        p.at(triggerAt, "the trigger counts rejections and has no burst; remove \"burst\"");
      } else if (parsed.limits().get(0).permits() > MAX_REJECTIONS) {
        p.at(triggerAt, "the trigger may count at most " + MAX_REJECTIONS + " rejections but was "
            + parsed.limits().get(0).permits());
      } else {
        limit = parsed.limits().get(0);
      }
    } catch (LimitSpecException e) {
      p.at(0, e);
    }
    String rest = spec.substring(arrow + 2);
    int restAt = arrow + 2;
    Matcher m = FOR.matcher(rest);
    int forAt = -1;
    int forEnd = -1;
    while (m.find()) {
      forAt = m.start();
      forEnd = m.end();
    }
    if (forAt < 0) {
      p.at(Math.min(spec.length(), restAt + rest.length()), "no \"for <duration>\"" + expected);
      return null;
    }
    String actionText = rest.substring(0, forAt);
    int actionAt = restAt + SpecReader.skipSpace(rest, 0, forAt);
    StepLimits action = null;
    if (actionText.isBlank()) {
      p.at(actionAt, "expected block, a percentage or a rate after \"->\"");
    } else {
      action = StepLimits.parse(actionText.trim(), actionAt, p);
      if (action != null && action.kind() == StepLimits.Kind.UNLIMITED) {
        p.at(actionAt, "a penalty cannot be unlimited; expected block, a percentage or a rate");
        action = null;
      }
    }
    Duration duration = SpecReader.duration(rest.substring(forEnd), restAt + forEnd, p);
    if (p.found() || limit == null || action == null || duration == null) {
      return null;
    }
    return of(limit.permits(), limit.period(), action, duration);
  }

  /** @return how many rejections within {@link #within()} are tolerated; one more boxes the client */
  public long rejections() {
    return rejections;
  }

  /** @return the window in which rejections are counted */
  public Duration within() {
    return within;
  }

  /** @return what a boxed client gets: {@code block}, a factor of its limits, or other limits */
  public StepLimits action() {
    return action;
  }

  /** @return how long a client stays boxed */
  public Duration duration() {
    return duration;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof PenaltyRule other && rejections == other.rejections
        && within.equals(other.within) && action.equals(other.action) && duration.equals(other.duration));
  }

  @Override
  public int hashCode() {
    return Objects.hash(rejections, within, action, duration);
  }

  /** Returns the canonical spec, e.g. {@code 5/minute -> block for 10m}. */
  @Override
  public String toString() {
    return Limit.of(rejections, within) + " -> " + action + " for " + SpecReader.format(duration);
  }
}
