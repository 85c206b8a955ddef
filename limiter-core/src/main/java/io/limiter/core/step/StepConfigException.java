package io.limiter.core.step;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Thrown when step-function throttling is configured wrongly: a tier, schedule, penalty or controller string that does
 * not parse, or a combination that cannot work (a tier whose limits do not fit the policy, a level whose scaled
 * limits are below the cost). It lists <em>every</em> problem found, one per line; each names where the value came
 * from (when the caller said so: an init-param, a property, an annotation element), the offending value and, for a
 * string, the 0-based position and what was expected there:
 *
 * <pre>
 * 2 problems in step throttling configuration:
 *  - @RateLimit(tiers) on OrderController.create: invalid tier spec "free=10/minit" at position 8: unknown unit ...
 *  - property limiter.adaptive.api.down-after: invalid controller spec "0" at position 0: must be >= 1 but was 0
 * </pre>
 *
 * Integrations that collect their own configuration problems add {@link #problems()} to theirs.
 */
public final class StepConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient List<String> problems;

  /**
   * @param problems one or more problems, each a complete sentence naming source and value
   */
  public StepConfigException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * @param problem the one problem
   */
  public StepConfigException(String problem) {
    this(List.of(problem));
  }

  /** Runs a parser that reports into a list, and throws if it reported anything. */
  static <T> T collect(Function<List<String>, T> parser) {
    List<String> problems = new ArrayList<>();
    T result = parser.apply(problems);
    if (!problems.isEmpty()) {
      throw new StepConfigException(problems);
    }
    return result;
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
    StringBuilder sb = new StringBuilder().append(problems.size())
        .append(" problems in step throttling configuration:");
    for (String p : problems) {
      sb.append("\n - ").append(p);
    }
    return sb.toString();
  }
}
