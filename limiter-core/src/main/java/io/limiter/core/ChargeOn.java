package io.limiter.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When a call's reserved permits are kept: charge on outcome. Permits are {@linkplain RateLimiter#reserve reserved}
 * before the call (so concurrent calls stay exact) and, when the call has ended, kept if its outcome matches and
 * refunded otherwise. A login limited to five failed attempts a minute charges on {@code 401}; a download that should
 * cost only when it fails, on {@code 5xx}.
 *
 * <p>Notation: a comma-separated list of any of
 * <ul>
 *   <li>a status code, {@code 401};
 *   <li>a status class, {@code 4xx} or {@code 5xx} (any digit 1 to 5 then {@code xx});
 *   <li>an exception type by its fully qualified name, {@code java.io.IOException}: a call that throws it (or a
 *       subclass, or wraps it as a cause) matches, whatever the status.
 * </ul>
 * Whitespace around items is ignored. {@link #always()} (the empty notation) keeps every admitted call's permits, the
 * behaviour without charge on outcome. Exception types are matched by name along the thrown exception's class
 * hierarchy and causes, so no class has to be loaded to parse a notation. Immutable and thread-safe.
 */
public final class ChargeOn {

  private static final ChargeOn ALWAYS = new ChargeOn("", new int[0], new int[0], List.of());

  private final String notation;
  private final int[] statuses;
  private final int[] classes;
  private final List<String> exceptions;

  private ChargeOn(String notation, int[] statuses, int[] classes, List<String> exceptions) {
    this.notation = notation;
    this.statuses = statuses;
    this.classes = classes;
    this.exceptions = exceptions;
  }

  /** @return the rule that keeps every admitted call's permits */
  public static ChargeOn always() {
    return ALWAYS;
  }

  /**
   * Parses the notation of the class comment.
   *
   * @param notation the notation; empty or blank for {@link #always()}
   * @return the rule
   * @throws IllegalArgumentException naming the notation and the item that is not a status code, a status class or a
   *     qualified exception type name
   */
  public static ChargeOn parse(String notation) {
    Objects.requireNonNull(notation, "notation");
    if (notation.isBlank()) {
      return ALWAYS;
    }
    List<Integer> statuses = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    List<String> exceptions = new ArrayList<>();
    for (String raw : notation.split(",", -1)) {
      String item = raw.strip();
      if (item.matches("[1-5][0-9][0-9]")) {
        statuses.add(Integer.parseInt(item));
      } else if (item.toLowerCase(Locale.ROOT).matches("[1-5]xx")) {
        classes.add(item.charAt(0) - '0');
      } else if (item.matches("(\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*\\.)+"
          + "\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*")) {
        exceptions.add(item);
      } else {
        throw new IllegalArgumentException("invalid chargeOn \"" + notation + "\": \"" + item + "\" is neither a "
            + "status code (401), a status class (5xx) nor a fully qualified exception type (java.io.IOException)");
      }
    }
    return new ChargeOn(notation.strip(), statuses.stream().mapToInt(Integer::intValue).toArray(),
        classes.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(exceptions));
  }

  /** @return whether every admitted call keeps its permits (no charge on outcome) */
  public boolean isAlways() {
    return this == ALWAYS;
  }

  /**
   * Whether a call with this outcome keeps its permits.
   *
   * @param status the response status (for a call that threw, the status it will be answered with if known, else
   *     500)
   * @param error what the call threw, or null
   * @return whether to charge
   */
  public boolean matches(int status, @Nullable Throwable error) {
    if (isAlways()) {
      return true;
    }
    for (int s : statuses) {
      if (s == status) {
        return true;
      }
    }
    for (int c : classes) {
      if (status / 100 == c) {
        return true;
      }
    }
    int depth = 0;
    for (Throwable t = error; t != null && depth++ < 32; t = t.getCause()) { // bounded: causes may form a cycle
      for (Class<?> c = t.getClass(); c != null; c = c.getSuperclass()) {
        if (exceptions.contains(c.getName())) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ChargeOn other && notation.equals(other.notation);
  }

  @Override
  public int hashCode() {
    return notation.hashCode();
  }

  /** @return the notation, {@code ""} for {@link #always()} */
  @Override
  public String toString() {
    return notation;
  }
}
