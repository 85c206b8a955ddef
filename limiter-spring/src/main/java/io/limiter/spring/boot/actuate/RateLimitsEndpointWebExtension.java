package io.limiter.spring.boot.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The web side of the {@link RateLimitsEndpoint}'s write operations: a request naming an unknown controller, level or
 * policy gets {@code 400} with a JSON body whose {@code message} says what exists (known controllers, the
 * controller's levels, the policies with a penalty box). Over the web an {@link InvalidEndpointRequestException}
 * alone would not do: Spring Boot's error handling leaves the message out of the body unless
 * {@code server.error.include-message} is set, so the operator would see a bare "Bad Request". The operations and
 * their access (read-only unless the application opts in) are the endpoint's. Thread-safe (stateless).
 */
@EndpointWebExtension(endpoint = RateLimitsEndpoint.class)
public class RateLimitsEndpointWebExtension {

  private final RateLimitsEndpoint endpoint;

  /** @param endpoint the endpoint this extends */
  public RateLimitsEndpointWebExtension(RateLimitsEndpoint endpoint) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
  }

  /**
   * {@link RateLimitsEndpoint#pin}, answering a bad request with its message.
   *
   * @param section {@code controllers}
   * @param name the controller
   * @param level a factor of the controller's levels or a level index
   * @param reason why
   * @return the controller after the pin, or 400 naming what exists
   */
  @WriteOperation
  public WebEndpointResponse<Object> pin(@Selector String section, @Selector String name, String level,
      @Nullable String reason) {
    return answer(() -> endpoint.pin(section, name, level, reason));
  }

  /**
   * {@link RateLimitsEndpoint#unpinOrRelease}, answering a bad request with its message.
   *
   * @param section {@code controllers} or {@code penalties}
   * @param name the controller or the policy
   * @param key the stored key of the client to release (penalties only)
   * @param reason why (controllers only)
   * @return the controller after the unpin or whether the client was boxed, or 400 naming what exists
   */
  @DeleteOperation
  public WebEndpointResponse<Object> unpinOrRelease(@Selector String section, @Selector String name,
      @Nullable String key, @Nullable String reason) {
    return answer(() -> endpoint.unpinOrRelease(section, name, key, reason));
  }

  /**
   * {@link RateLimitsEndpoint#refresh}, answering an invalid configuration with 400 and its problem listing.
   *
   * @param section {@code policies}
   * @return the changes, or 400
   */
  @WriteOperation
  public WebEndpointResponse<Object> refresh(@Selector String section) {
    return answer(() -> endpoint.refresh(section));
  }

  private static WebEndpointResponse<Object> answer(Supplier<Object> operation) {
    try {
      return new WebEndpointResponse<>(operation.get());
    } catch (InvalidEndpointRequestException e) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", WebEndpointResponse.STATUS_BAD_REQUEST);
      body.put("error", "Bad Request");
      body.put("message", e.getMessage());
      return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_BAD_REQUEST);
    }
  }
}
