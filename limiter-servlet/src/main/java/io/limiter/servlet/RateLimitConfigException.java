package io.limiter.servlet;

import java.util.List;

/**
 * Invalid filter configuration, listing every problem found, one per line, each naming where the value came from
 * (init-param, properties file, builder method, annotation) and the offending value. Thrown by the builders'
 * {@code build()}; {@link RateLimitFilter#init} wraps it in a {@link jakarta.servlet.ServletException}.
 */
public final class RateLimitConfigException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  /**
   * @param problems one description per problem, at least one
   */
  public RateLimitConfigException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /** @return every problem, in the order found */
  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    StringBuilder sb = new StringBuilder("Invalid rate limit configuration (").append(problems.size())
        .append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
