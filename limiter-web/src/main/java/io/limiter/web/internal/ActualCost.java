package io.limiter.web.internal;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a request's actual cost is read once its response is complete: a request attribute the application set
 * ({@code attribute:<name>}, a {@link Number} or decimal text) or a response header it wrote ({@code header:<name>}).
 * Both are set by the application, never by the client. The reservation (the rule's cost, as an estimate) is settled
 * to it; a value that is missing, not a whole number or negative leaves the estimate charged. The stack reads the
 * value ({@link #header()}, {@link #name()}) and {@link #of(Object)} reads the cost from it. Immutable.
 */
public final class ActualCost {

  private final boolean header;
  private final String name;
  private final String notation;

  private ActualCost(boolean header, String name, String notation) {
    this.header = header;
    this.name = name;
    this.notation = notation;
  }

  /**
   * @param notation {@code attribute:<name>} or {@code header:<name>}
   * @return the source
   * @throws IllegalArgumentException naming the notation and what is expected
   */
  public static ActualCost parse(String notation) {
    Objects.requireNonNull(notation, "notation");
    String text = notation.trim();
    int colon = text.indexOf(':');
    String kind = colon < 0 ? "" : text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    String name = colon < 0 ? "" : text.substring(colon + 1).trim();
    if (!(kind.equals("attribute") || kind.equals("header")) || name.isEmpty()) {
      throw new IllegalArgumentException("actual cost must be attribute:<name> or header:<name> but was \"" + notation
          + "\"");
    }
    return new ActualCost(kind.equals("header"), name, kind + ":" + name);
  }

  /** @return whether the cost is a response header ({@code header:<name>}), else a request attribute */
  public boolean header() {
    return header;
  }

  /** @return the name of the header or attribute */
  public String name() {
    return name;
  }

  /**
   * @param value the header's or attribute's value on the complete response, or null if it has none
   * @return the cost the application reported, or -1 if none (keep the estimate)
   */
  public long of(@Nullable Object value) {
    if (value instanceof Number n) {
      double d = n.doubleValue();
      return d >= 0 && d == Math.rint(d) && d < 0x1p62 ? n.longValue() : -1;
    }
    if (value instanceof String s) {
      try {
        long v = Long.parseLong(s.trim());
        return v >= 0 ? v : -1;
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return notation;
  }
}
