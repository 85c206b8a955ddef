package io.limiter.spring;

import java.util.List;

/**
 * Bad rate limit configuration found at startup: one exception listing every problem, each naming its source
 * ({@code @RateLimit on OrderController.create(String)}, {@code limiter.policies.search.limits}) and the offending
 * value. In Spring Boot a failure analyzer prints the problems with a suggested action.
 */
public class RateLimitConfigurationException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /**
   * @param problems the problems, at least one
   */
  public RateLimitConfigurationException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  private static String message(List<String> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a configuration exception needs at least one problem");
    }
    StringBuilder sb = new StringBuilder("Invalid rate limit configuration (")
        .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems").append("):");
    for (String p : problems) {
      sb.append("\n - ").append(p);
    }
    return sb.toString();
  }

  /** @return every problem, one line each */
  public List<String> getProblems() {
    return problems;
  }
}
