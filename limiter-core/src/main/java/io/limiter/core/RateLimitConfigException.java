package io.limiter.core;

import java.util.List;

/**
 * Invalid rate limit configuration: the one exception every module throws for it (policy and step builders, the
 * servlet filter's builder and init-params, Spring's annotations and properties), listing <em>every</em> problem
 * found rather than the first. The message is the one problem, or a header line followed by one problem per line.
 * Each problem is a complete sentence that names where the value came from (an
 * init-param, a property, an annotation element, a builder method), the offending value and, for a string, the
 * 0-based position and what was expected there:
 *
 * <pre>
 * Invalid rate limit configuration (2 problems):
 *  - @RateLimit(tiers) on OrderController.create: invalid tier spec "free=10/minit" at position 8: unknown unit ...
 *  - property limiter.adaptive.api.down-after: invalid controller spec "0" at position 0: must be >= 1 but was 0
 * </pre>
 *
 * A rate string that does not parse on its own is a {@link LimitSpecException}; integrations fold its message into
 * the problems of this exception. The servlet filter's {@code init} wraps this in a {@code ServletException}; Spring
 * Boot prints the problems through a failure analyzer. Immutable.
 */
public final class RateLimitConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  /**
   * @param problems one or more problems, each a complete sentence naming source and value
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public RateLimitConfigException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * @param problem the one problem
   */
  public RateLimitConfigException(String problem) {
    this(List.of(problem));
  }

  /** @return every problem, in the order found; never empty */
  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a configuration exception needs at least one problem");
    }
    if (problems.size() == 1) {
      return problems.get(0);
    }
    StringBuilder sb = new StringBuilder("Invalid rate limit configuration (").append(problems.size())
        .append(" problems):");
    for (String p : problems) {
      sb.append("\n - ").append(p);
    }
    return sb.toString();
  }
}
