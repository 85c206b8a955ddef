package io.limiter.core.settings;

import io.limiter.core.Algorithm;
import io.limiter.core.DurationFormat;
import io.limiter.core.FailureMode;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.http.HeaderMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One setting as the user wrote it, with where it came from, and the readers of its value in the one syntax of every
 * front-end: whole numbers, {@code true}/{@code false}, durations ({@link DurationFormat}), lists (comma- or
 * space-separated) and the enums in kebab case ({@code token-bucket}, {@code fail-closed}). Each reader throws an
 * {@link IllegalArgumentException} saying what was expected; {@link Problems#read} turns it into a problem naming the
 * setting. Immutable and thread-safe.
 *
 * @param name the name as written, e.g. {@code rule.api.limits} or {@code limiter.filter.rules[0].limits}
 * @param value the value as written, trimmed
 * @param source where it came from: {@code init-param}, {@code property},
 *     {@code property in /WEB-INF/limiter.properties:}, {@code annotation}
 */
public record Setting(String name, String value, String source) {

  private static final Pattern LIST = Pattern.compile("[,\\s]+");

  /** Trims the value; null values are empty. */
  public Setting {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(source, "source");
    value = value == null ? "" : value.trim();
  }

  /**
   * A Boot property (or any typed value) as a setting: enums in kebab case, durations in {@link DurationFormat}.
   *
   * @param name the property's name, e.g. {@code limiter.policies.api.algorithm}
   * @param value the bound value
   * @return the setting, with source {@code property}
   */
  public static Setting property(String name, Object value) {
    return new Setting(name, text(value), "property");
  }

  /** @return the setting's label: {@code init-param rule.api.limits} */
  public String label() {
    return source + " " + name;
  }

  /** @return the label with the value, for problems: {@code init-param rule.api.limits="10/minuet"} */
  public String where() {
    return label() + "=\"" + value + "\"";
  }

  /** @return the value as a whole number */
  public int asInt() {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number");
    }
  }

  /** @return the value as a whole number */
  public long asLong() {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number");
    }
  }

  /** @return the value as {@code true} or {@code false} (any case) */
  public boolean asBoolean() {
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    if (value.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("must be true or false");
  }

  /** @return the value in the one duration grammar */
  public Duration asDuration() {
    return DurationFormat.parse(value);
  }

  /** @return the items of a comma- or space-separated list, without empty ones */
  public List<String> asList() {
    List<String> out = new ArrayList<>();
    for (String item : LIST.split(value)) {
      if (!item.isEmpty()) {
        out.add(item);
      }
    }
    return out;
  }

  /** @return the algorithm: {@code token-bucket} (or {@code gcra}), {@code fixed-window}, {@code sliding-window},
   *     {@code moving-window}, {@code concurrency} */
  public Algorithm asAlgorithm() {
    String a = constant(value);
    if (a.equals("GCRA")) {
      return Algorithm.TOKEN_BUCKET;
    }
    try {
      return Algorithm.valueOf(a);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "algorithm must be token-bucket, fixed-window, sliding-window, moving-window or concurrency");
    }
  }

  /** @return the failure mode: {@code fail-open}, {@code fail-closed}, {@code local-fallback} */
  public FailureMode asFailureMode() {
    try {
      return FailureMode.valueOf(constant(value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("failure mode must be fail-open, fail-closed or local-fallback");
    }
  }

  /** @return the missing-key strategy: {@code reject}, {@code skip}, {@code shared:<bucket>} */
  public MissingKeyStrategy asMissingKey() {
    return MissingKeyStrategy.parse(value);
  }

  /** @return the header mode: {@code ietf}, {@code legacy}, {@code both}, {@code none} */
  public HeaderMode asHeaderMode() {
    return HeaderMode.parse(value);
  }

  private static String constant(String text) {
    return text.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static String text(@Nullable Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
    if (value instanceof Duration d) {
      return DurationFormat.format(d);
    }
    if (value instanceof Iterable<?> items) {
      List<String> parts = new ArrayList<>();
      items.forEach(i -> parts.add(text(i)));
      return String.join(", ", parts);
    }
    return value.toString();
  }
}
