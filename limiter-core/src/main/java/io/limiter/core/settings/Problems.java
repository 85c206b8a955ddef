package io.limiter.core.settings;

import io.limiter.core.RateLimitConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Collects every problem of a configuration, one line each naming the setting, its value and the rule, so that one
 * {@link RateLimitConfigException} lists them all. Not thread-safe: one per reading of a configuration.
 */
public final class Problems {

  private final List<String> lines;

  /** An empty collection. */
  public Problems() {
    this(new ArrayList<>());
  }

  /**
   * @param lines the list to add to (shared with a caller that collects problems of its own)
   */
  public Problems(List<String> lines) {
    this.lines = lines;
  }

  /**
   * Reads a setting and applies its value; a value that does not read, or that the setter refuses, becomes a
   * problem naming the setting and its value. A null setting is not set: nothing happens.
   *
   * @param setting the setting, or null
   * @param reader reads the value, e.g. {@code Setting::asInt}
   * @param setter takes the value, e.g. a builder's setter
   * @param <T> the value's type
   * @return whether the setting was set and applied without a problem
   */
  public <T> boolean read(@Nullable Setting setting, Function<Setting, T> reader, Consumer<T> setter) {
    if (setting == null) {
      return false;
    }
    try {
      setter.accept(reader.apply(setting));
      return true;
    } catch (RateLimitConfigException e) {
      lines.addAll(e.problems());
    } catch (IllegalArgumentException | IllegalStateException e) {
      add(setting.where() + ": " + (e instanceof NumberFormatException ? "not a number" : e.getMessage()));
    }
    return false;
  }

  /**
   * @param problem a problem, naming its setting
   */
  public void add(String problem) {
    lines.add(problem);
  }

  /** @return the number of problems so far */
  public int size() {
    return lines.size();
  }

  /** @return whether there are none */
  public boolean isEmpty() {
    return lines.isEmpty();
  }

  /** @return the problems, in the order found */
  public List<String> lines() {
    return lines;
  }

  /** @throws RateLimitConfigException listing every problem, if there is any */
  public void throwIfAny() {
    if (!lines.isEmpty()) {
      throw new RateLimitConfigException(lines);
    }
  }
}
