/**
 * The HTTP request layer shared by Limiter's web front-ends (limiter-servlet's filter and limiter-spring's WebFlux
 * filter): {@link io.limiter.web.HttpRequestView}, what the rules and request keys read from a request on any stack
 * (each front-end adapts its own request to it), the {@link io.limiter.web.PathSpellings spellings} of a request's
 * path, {@link io.limiter.web.RateLimitRule path rules} with their {@link io.limiter.web.StepSettings step settings},
 * request keys ({@link io.limiter.web.KeyReference}, {@link io.limiter.web.RequestKeys},
 * {@link io.limiter.web.ClientIpResolver} for client IPs behind trusted proxies, the
 * {@link io.limiter.web.ForwardedHeader} that trusted proxies append to), and the {@link io.limiter.web.Rejection} of
 * a refused request. No Servlet, Spring or Reactor type appears here.
 */
@NullMarked
package io.limiter.web;

import org.jspecify.annotations.NullMarked;
