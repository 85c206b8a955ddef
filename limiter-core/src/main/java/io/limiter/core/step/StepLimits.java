package io.limiter.core.step;

import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.LimitSpecException;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.internal.step.SpecProblems;
import io.limiter.core.internal.step.SpecReader;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What limits apply in one step of step-function throttling: the value of a client tier, a schedule entry or a
 * penalty. One of four kinds, written in configuration as:
 *
 * <ul>
 *   <li>{@link Kind#LIMITS} — a rate spec that replaces the policy's limits: {@code 1000/minute},
 *       {@code 100/second; 10000/day};
 *   <li>{@link Kind#FACTOR} — a percentage of the limits otherwise in force: {@code 50%}, {@code 12.5%}, {@code 150%}
 *       (permits and burst are scaled and rounded down, never below 1, see {@link LimitPolicy#scaled(double)});
 *   <li>{@link Kind#UNLIMITED} — {@code unlimited}: no limit, the store is not asked (client tiers only);
 *   <li>{@link Kind#BLOCK} — {@code block}: every request is rejected (penalties only).
 * </ul>
 *
 * Keywords are case-insensitive. {@link #toString()} gives the canonical text, which {@link #parse(String)} reads back
 * to an equal value. Instances are immutable and thread-safe.
 */
public final class StepLimits {

  /** The kinds of step values. */
  public enum Kind {
    /** Replace the limits. */
    LIMITS,
    /** Scale the limits. */
    FACTOR,
    /** No limit. */
    UNLIMITED,
    /** Reject everything. */
    BLOCK
  }

  private static final StepLimits UNLIMITED = new StepLimits(Kind.UNLIMITED, null, 1.0);
  private static final StepLimits BLOCK = new StepLimits(Kind.BLOCK, null, 1.0);

  private final Kind kind;
  private final @Nullable LimitSpec limits;
  private final double factor;

  private StepLimits(Kind kind, @Nullable LimitSpec limits, double factor) {
    this.kind = kind;
    this.limits = limits;
    this.factor = factor;
  }

  /**
   * @param limits the limits that replace the policy's
   * @return a {@link Kind#LIMITS} value
   */
  public static StepLimits of(LimitSpec limits) {
    return new StepLimits(Kind.LIMITS, Objects.requireNonNull(limits, "limits"), 1.0);
  }

  /**
   * @param factor a positive, finite factor, e.g. 0.5 for 50%
   * @return a {@link Kind#FACTOR} value
   * @throws IllegalArgumentException if the factor is not positive and finite
   */
  public static StepLimits factor(double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("factor must be a positive finite number but was " + factor);
    }
    return new StepLimits(Kind.FACTOR, null, factor);
  }

  /** @return the {@link Kind#UNLIMITED} value */
  public static StepLimits unlimited() {
    return UNLIMITED;
  }

  /** @return the {@link Kind#BLOCK} value */
  public static StepLimits block() {
    return BLOCK;
  }

  /**
   * Parses a rate spec, a percentage, {@code unlimited} or {@code block}.
   *
   * @param text the value
   * @return the value
   * @throws RateLimitConfigException naming the text, the position and what was expected
   */
  public static StepLimits parse(String text) {
    Objects.requireNonNull(text, "text");
    return SpecProblems.collect(problems -> parse(text, 0, new SpecProblems("step value", text, null,
        problems)));
  }

  /**
   * Parses a value that is part of a larger configuration string. For parsers of this package and the integrations'
   * configuration readers.
   *
   * @param text the value (trimmed)
   * @param at its position in the string the problems refer to
   * @param problems where to report a problem
   * @return the value, or null after reporting a problem
   */
  static @Nullable StepLimits parse(String text, int at, SpecProblems problems) {
    String t = text.trim();
    String lower = t.toLowerCase(Locale.ROOT);
    if (lower.equals("unlimited")) {
      return UNLIMITED;
    }
    if (lower.equals("block")) {
      return BLOCK;
    }
    if (t.endsWith("%")) {
      double f = SpecReader.percent(t, at, problems);
      return Double.isNaN(f) ? null : factor(f);
    }
    try {
      return of(LimitSpec.parse(t));
    } catch (LimitSpecException e) {
      problems.at(at, e);
      return null;
    }
  }

  /** @return the kind */
  public Kind kind() {
    return kind;
  }

  /** @return the replacing limits of a {@link Kind#LIMITS} value, else null */
  public @Nullable LimitSpec limits() {

    return limits;
  }

  /** @return the factor of a {@link Kind#FACTOR} value, else 1 */
  public double factor() {
    return factor;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof StepLimits other && kind == other.kind && Objects.equals(limits, other.limits)
        && Double.compare(factor, other.factor) == 0);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, limits, factor);
  }

  /** Returns the canonical text: the rate spec, the percentage, {@code unlimited} or {@code block}. */
  @Override
  public String toString() {
    switch (kind) {
      case LIMITS:
        return Objects.requireNonNull(limits, "limits").toString(); // a LIMITS value always has them (of)

      case FACTOR:
        return SpecReader.percent(factor);
      case UNLIMITED:
        return "unlimited";
      default:
        return "block";
    }
  }
}
