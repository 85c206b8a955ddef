package io.limiter.spring.webflux;

import io.limiter.core.Decision;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.core.http.RateLimitProblem;
import io.limiter.spring.internal.RateLimitProblemDetails;
import io.limiter.spring.RateLimitKeyMissingException;
import java.util.List;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Renders rate limit exceptions of Spring WebFlux handlers (a rate limited {@code Mono} or {@code Flux} method signals
 * them as errors), registered by {@code @EnableRateLimiting} and the Spring Boot auto-configuration in reactive web
 * applications:
 * <ul>
 *   <li>{@link RateLimitExceededException} → 429 (503 when the store failed and the policy fails closed) with
 *       {@code Retry-After}, the {@code RateLimit}/{@code RateLimit-Policy} fields (or the configured
 *       {@link HeaderMode}) and an RFC 9457 {@link ProblemDetail}, formatted by {@link RateLimitHeaders} and
 *       {@link RateLimitProblem}, as in Spring MVC.
 *   <li>{@link RateLimitKeyMissingException} → 401 with a problem naming the policy.
 * </ul>
 * Lowest precedence, so the application's own {@code @ExceptionHandler}s for these exceptions take over.
 * Thread-safe.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class RateLimitWebFluxExceptionHandler {

  private final HeaderMode headerMode;
  private final RateLimitHeaders.Writer fields = RateLimitHeaders.writer();

  /**
   * @param headerMode which rate limit fields to write
   */
  public RateLimitWebFluxExceptionHandler(HeaderMode headerMode) {
    this.headerMode = Objects.requireNonNull(headerMode, "headerMode");
  }

  /**
   * @param exception the rejection
   * @return 429 or 503 with the fields and a problem body
   */
  @ExceptionHandler(RateLimitExceededException.class)
  public ResponseEntity<ProblemDetail> handleRateLimitExceeded(RateLimitExceededException exception) {
    Decision decision = exception.decision();
    int status = decision.degraded() ? HttpStatus.SERVICE_UNAVAILABLE.value() : HttpStatus.TOO_MANY_REQUESTS.value();
    List<Decision> decisions = List.of(decision);
    ProblemDetail problem = RateLimitProblemDetails.of(decisions, status);
    ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
    fields.write(decisions, headerMode, response::header);
    return response.body(problem);
  }

  /**
   * @param exception the missing key
   * @return 401 with a problem body
   */
  @ExceptionHandler(RateLimitKeyMissingException.class)
  public ResponseEntity<ProblemDetail> handleKeyMissing(RateLimitKeyMissingException exception) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, "This resource is rate limited "
        + "per client (policy " + exception.getPolicy() + ") and the request has nothing to identify the client.");
    problem.setTitle("Unauthorized");
    return ResponseEntity.status(HttpStatus.UNAUTHORIZED).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }
}
