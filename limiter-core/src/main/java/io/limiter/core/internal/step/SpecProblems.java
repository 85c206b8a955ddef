package io.limiter.core.internal.step;

import io.limiter.core.LimitSpecException;
import io.limiter.core.RateLimitConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Collects the problems found in one configuration string, each rendered the same way as the rate grammar's errors:
 * {@code <source>: invalid <what> "<input>" at position <n>: <problem>}. Parsers report every problem they can and go
 * on; the caller throws one exception listing them all.
 */
public final class SpecProblems {

  private final String what;
  private final String input;
  private final @Nullable String source;
  private final List<String> sink;
  private final int before;

  /**
   * @param what the kind of string, e.g. {@code tier spec}
   * @param input the whole string
   * @param source where it came from (init-param, property, annotation element), or null
   * @param sink where the problems go
   */
  public SpecProblems(String what, String input, @Nullable String source, List<String> sink) {

    this.what = what;
    this.input = input;
    this.source = source;
    this.sink = sink;
    this.before = sink.size();
  }

  /**
   * Runs a parser that reports into a list, and throws if it reported anything.
   *
   * @param parser parses, reporting problems into the list it is given
   * @param <T> the result type
   * @return the parser's result
   * @throws RateLimitConfigException listing the problems, if any
   */
  public static <T> T collect(Function<List<String>, T> parser) {
    List<String> problems = new ArrayList<>();
    T result = parser.apply(problems);
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
    return result;
  }

  /** The input string. */
  public String input() {
    return input;
  }

  /** Reports a problem at a position of the input. */
  public void at(int position, String problem) {
    sink.add(prefix() + "invalid " + what + " \"" + input + "\" at position " + position + ": " + problem);
  }

  /** Reports a problem with the string as a whole, or with a combination of its parts. */
  public void whole(String problem) {
    sink.add(prefix() + "invalid " + what + " \"" + input + "\": " + problem);
  }

  /**
   * Reports a value that a parser or a builder refused, at a position of the input: the exception's message, or its
   * type when it has none (an exception from JDK code may have no message).
   */
  public void refused(int position, IllegalArgumentException refused) {
    String message = refused.getMessage();
    at(position, message != null ? message : refused.toString());
  }

  /** Reports a rate grammar error of a value that starts at {@code offset} in the input. */

  public void at(int offset, LimitSpecException e) {
    at(offset + e.position(), e.problem());
  }

  /** Whether any problem was reported through this instance. */
  public boolean found() {
    return sink.size() > before;
  }

  private String prefix() {
    return source == null || source.isBlank() ? "" : source + ": ";
  }
}
