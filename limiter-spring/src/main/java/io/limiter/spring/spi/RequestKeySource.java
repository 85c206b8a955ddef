package io.limiter.spring.spi;

import io.limiter.core.KeyResolver;
import io.limiter.spring.RateLimitInvocation;
import org.jspecify.annotations.Nullable;

/**
 * Where request-based keys ({@code ip}, {@code header:<name>}, {@code principal}, {@code attribute:<name>}) and the
 * {@code #request} SpEL variable come from. The Spring integration implements it on the servlet request that Spring
 * MVC binds to the thread; the interface keeps servlet types out of classes that must load without them.
 * Implementations are thread-safe.
 */
public interface RequestKeySource {

  /**
   * @param reference a key reference such as {@code ip} or {@code header:X-API-Key}
   * @return a resolver of the plain value the reference reads in the current request (null outside a request), e.g.
   *     a tier name; or null if {@code reference} is not a request reference
   * @throws IllegalArgumentException if the reference is request-based but malformed
   */
  @Nullable KeyResolver<RateLimitInvocation> reference(String reference);

  /**
   * @param reference a key reference such as {@code ip} or {@code header:X-API-Key}
   * @return a resolver of rate limit keys spelled with their {@link io.limiter.core.KeyKind} ({@code ip:...},
   *     {@code h:<name>:...}), null outside a request; or null if {@code reference} is not a request reference
   * @throws IllegalArgumentException if the reference is request-based but malformed
   */
  @Nullable KeyResolver<RateLimitInvocation> key(String reference);

  /**
   * @param outsideRequest the key to use when no request is being served; null for no key there
   * @return a resolver answering the client IP's key ({@code ip:<address>}) in a request, else
   *     {@code outsideRequest}
   */
  KeyResolver<RateLimitInvocation> clientIpOr(@Nullable String outsideRequest);

  /** @return the request being served on this thread, or null */
  @Nullable Object currentRequest();
}
