/**
 * Spring WebFlux support: {@link io.limiter.spring.webflux.RateLimitWebFilter} applies the URL rules of
 * {@code limiter.filter.*} to every exchange (the servlet filter's rules, keys and responses, decided without
 * blocking), reading the request through {@link io.limiter.spring.webflux.ExchangeRequestView};
 * {@link io.limiter.spring.webflux.RateLimitWebFluxExceptionHandler} turns the rejections of rate limited reactive
 * methods into 429 (503 when the store failed and the policy fails closed) with the rate limit fields and a problem
 * body.
 */
@NullMarked
package io.limiter.spring.webflux;

import org.jspecify.annotations.NullMarked;
