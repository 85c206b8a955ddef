package io.limiter.spring.boot;

import io.limiter.core.RateLimitConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an invalid rate limit configuration at startup with Spring Boot's "APPLICATION FAILED TO START"
 * description and action: every problem on its own line, then how to fix it.
 */
public class RateLimitConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<RateLimitConfigException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, RateLimitConfigException cause) {
    StringBuilder description = new StringBuilder("The rate limit configuration is invalid (")
        .append(cause.problems().size()).append(cause.problems().size() == 1 ? " problem" : " problems")
        .append("):\n");
    for (String problem : cause.problems()) {
      description.append("\n    ").append(problem);
    }
    String action = "Fix the @RateLimit annotations and properties listed above. Limits use the rate "
        + "grammar \"<permits>/<period>\", e.g. \"10/minute\", \"5 per 2 seconds\", \"10/s; 1000/day\" or "
        + "\"100/minute burst 20\" (units: s, m, h, d). @RateLimit(name = ...) must name a policy defined in "
        + "limiter.policies.<name>, a LimitPolicy bean or a RateLimitingConfigurer. Keys are ip, header:<name>, "
        + "principal, attribute:<name>, global, a registered key resolver, or SpEL starting with # or @. "
        + "See docs/spring.md.";
    return new FailureAnalysis(description.toString(), action, cause);
  }
}
