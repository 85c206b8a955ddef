package io.limiter.servlet;

import io.limiter.core.http.RateLimitProblem;
import io.limiter.web.KeyReference;
import io.limiter.web.Rejection;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes the response for a request the filter refuses. When it is called, the filter has already set the rate limit
 * header fields and {@code Retry-After} (per the configured {@link io.limiter.core.http.HeaderMode}), and, when a
 * request without its API-key header gets a 401, the {@code WWW-Authenticate} challenge naming the header
 * ({@link KeyReference#challenge()}); the handler sets the status and writes a body. The default, {@link #problemJson()}, writes RFC 9457 {@code application/problem+json}.
 * A custom handler can render HTML, another JSON shape, or redirect. Implementations must be thread-safe; the chain is
 * not continued after the handler returns.
 */
@FunctionalInterface
public interface RejectionHandler {

  /**
   * @param request the refused request
   * @param response its response, not yet committed; rate limit headers are set
   * @param rejection why, with the status the filter chose and the decisions
   * @throws IOException if writing fails
   */
  void reject(HttpServletRequest request, HttpServletResponse response, Rejection rejection) throws IOException;

  /**
   * @return the standard handler: status {@link Rejection#status()} and the {@link Rejection#problemJson()} body
   */
  static RejectionHandler problemJson() {
    return (request, response, rejection) -> {
      byte[] body = rejection.problemJson().getBytes(StandardCharsets.UTF_8);
      response.setStatus(rejection.status());
      response.setContentType(RateLimitProblem.CONTENT_TYPE);
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    };
  }
}
