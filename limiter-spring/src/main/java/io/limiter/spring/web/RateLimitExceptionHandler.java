package io.limiter.spring.web;

import io.limiter.core.Decision;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.core.http.RateLimitProblem;
import io.limiter.spring.RateLimitKeyMissingException;
import io.limiter.spring.internal.MvcAdmissionHandler;
import io.limiter.spring.internal.RateLimitProblemDetails;
import io.limiter.web.KeyReference;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * Renders rate limit exceptions of Spring MVC handlers, registered by {@code @EnableRateLimiting} and the Spring Boot
 * auto-configuration:
 * <ul>
 *   <li>{@link RateLimitExceededException} → 429 (503 when the store failed and the policy fails closed) with
 *       {@code Retry-After}, the {@code RateLimit}/{@code RateLimit-Policy} fields (or the configured
 *       {@link HeaderMode}) and an RFC 9457 {@link ProblemDetail}, all formatted by {@link RateLimitHeaders} and
 *       {@link RateLimitProblem}.
 *   <li>{@link RateLimitKeyMissingException} → 401 with a problem naming the key the call lacks, and for a header key
 *       the {@code WWW-Authenticate} challenge naming the header ({@link KeyReference#challenge()}).
 * </ul>
 * It has the lowest precedence, so an {@code @ExceptionHandler} for these exceptions in a controller or in one of the
 * application's own {@code @ControllerAdvice} classes takes over. Thread-safe.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class RateLimitExceptionHandler {

  private final HeaderMode headerMode;
  private final RateLimitHeaders.Writer fields = RateLimitHeaders.writer();

  /**
   * @param headerMode which rate limit fields to write
   */
  public RateLimitExceptionHandler(HeaderMode headerMode) {
    this.headerMode = Objects.requireNonNull(headerMode, "headerMode");
  }

  /**
   * @param exception the rejection
   * @param request the request, whose URL-rule decisions are reported too
   * @param response the response, which gets the rate limit fields
   * @return 429 or 503 with headers and a problem body
   */
  @ExceptionHandler(RateLimitExceededException.class)
  public ResponseEntity<ProblemDetail> handleRateLimitExceeded(RateLimitExceededException exception,
      HttpServletRequest request, HttpServletResponse response) {
    Decision decision = exception.decision();
    int status = decision.degraded() ? HttpStatus.SERVICE_UNAVAILABLE.value() : HttpStatus.TOO_MANY_REQUESTS.value();
    List<Decision> decisions = MvcAdmissionHandler.withFilterDecisions(request, List.of(decision));
    // Set on the servlet response, replacing the fields the URL-rule filter set before: ResponseEntity headers are
    // added to existing ones by some Spring versions, which would repeat the fields.
    fields.write(decisions, headerMode, response::setHeader);
    ProblemDetail problem = RateLimitProblemDetails.of(decisions, status);
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
  }

  /**
   * @param exception the missing key
   * @return 401 with a problem body
   */
  @ExceptionHandler(RateLimitKeyMissingException.class)
  public ResponseEntity<ProblemDetail> handleKeyMissing(RateLimitKeyMissingException exception) {
    String wanted = describe(exception.getKey());
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, "This resource is rate limited "
        + "per client (policy " + exception.getPolicy() + ") and the request has no "
        + wanted.replaceFirst("^(the|an|a) ", "") + " to identify the client; send " + wanted + ".");
    problem.setTitle("Unauthorized");
    ResponseEntity.BodyBuilder response = ResponseEntity.status(HttpStatus.UNAUTHORIZED)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    reference(exception.getKey()).flatMap(KeyReference::challenge)
        .ifPresent(challenge -> response.header(HttpHeaders.WWW_AUTHENTICATE, challenge));
    return response.body(problem);
  }

  /** The key as a phrase for the client, as the servlet filter words it. */
  private static String describe(String key) {
    return reference(key).map(KeyReference::describe).orElse("a client key");
  }

  /** The key as a reference, or empty for SpEL and the default key. */
  private static Optional<KeyReference> reference(String key) {
    try {
      return Optional.of(KeyReference.parse(key));
    } catch (IllegalArgumentException notAReference) {
      return Optional.empty();
    }
  }
}
