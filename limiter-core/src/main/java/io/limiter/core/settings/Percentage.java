package io.limiter.core.settings;

import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A share written as a percentage, {@code 75%} or {@code 12.5%}: the one percentage grammar of every front-end (a step
 * controller's levels, floor, ceiling and ratios, in a servlet spec and in Boot properties alike). A typed Boot property
 * binds it through {@link #valueOf(String)}; {@link #toString()} writes it back as it reads. {@link #OFF} stands for
 * settings that can be switched off ({@code fast-down}, {@code fast-up}); every other setting refuses it. Immutable and
 * thread-safe.
 */
public final class Percentage {

  /** {@code off}: a setting switched off. */
  public static final Percentage OFF = new Percentage(null);

  private final @Nullable BigDecimal percent;

  private Percentage(@Nullable BigDecimal percent) {
    this.percent = percent;
  }

  /**
   * Reads a percentage: up to 9 digits, an optional fraction of up to 9 digits, then {@code %}; more than 0%. Also
   * {@code off} (any case), as {@link #OFF}.
   *
   * @param text the text, e.g. {@code 75%}
   * @return the percentage
   * @throws IllegalArgumentException naming the text and the expected form
   */
  public static Percentage valueOf(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.trim();
    if (t.equalsIgnoreCase("off")) {
      return OFF;
    }
    String number = t.endsWith("%") ? t.substring(0, t.length() - 1).trim() : "";
    if (!number.matches("[0-9]{1,9}(\\.[0-9]{1,9})?")) {
      throw new IllegalArgumentException("expected a percentage such as 50% but found \"" + t + "\"");
    }
    BigDecimal percent = new BigDecimal(number);
    if (percent.signum() <= 0) {
      throw new IllegalArgumentException("percentage must be > 0% but was " + t);
    }
    return new Percentage(percent.stripTrailingZeros());
  }

  /** @return whether this is {@link #OFF} */
  public boolean isOff() {
    return percent == null;
  }

  /**
   * @return the share as a factor: 0.75 for 75%
   * @throws IllegalStateException for {@link #OFF}
   */
  public double factor() {
    if (percent == null) {
      throw new IllegalStateException("off is no percentage");
    }
    return percent.doubleValue() / 100;
  }

  /** @return the percentage as it reads: {@code 75%}, {@code 12.5%}, {@code off} */
  @Override
  public String toString() {
    return percent == null ? "off" : percent.toPlainString() + "%";
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Percentage p && Objects.equals(percent, p.percent);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(percent);
  }
}
