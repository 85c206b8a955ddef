package io.limiter.spring.internal;

import io.limiter.core.Decision;
import io.limiter.core.http.RateLimitProblem;
import java.net.URI;
import java.util.List;
import org.springframework.http.ProblemDetail;

/** The RFC 9457 body of a rate limited answer as Spring's {@link ProblemDetail}, one copy for MVC and WebFlux. */
public final class RateLimitProblemDetails {

  private RateLimitProblemDetails() {
  }

  /**
   * @param decisions the decisions of the request, the rejection among them
   * @param status the answer's status (429, or 503 when failing closed)
   * @return the problem, formatted by {@link RateLimitProblem}
   */
  public static ProblemDetail of(List<Decision> decisions, int status) {
    RateLimitProblem.Content content = RateLimitProblem.of(decisions, status);
    ProblemDetail problem = ProblemDetail.forStatus(status);
    problem.setType(URI.create(content.type()));
    problem.setTitle(content.title());
    problem.setDetail(content.detail());
    problem.setProperty("violated-policies", content.violatedPolicies());
    return problem;
  }
}
