/**
 * The WebFlux and Spring Cloud Gateway example: {@link io.limiter.examples.webflux.ServiceApplication}, a WebFlux
 * service limited by Limiter's WebFilter, and {@link io.limiter.examples.webflux.GatewayApplication}, a gateway whose
 * route to it is limited by Limiter's {@code LimiterRateLimiter}; {@link io.limiter.examples.webflux.WebFluxGatewayExample}
 * starts both.
 */
package io.limiter.examples.webflux;
