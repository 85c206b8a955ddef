/**
 * The Jakarta Servlet integration: {@link io.limiter.servlet.RateLimitFilter} (configured by {@code web.xml}
 * init-params, a properties file or its builder), {@link io.limiter.servlet.RateLimitRule path rules}, request key
 * resolvers ({@link io.limiter.servlet.ClientIpResolver} for client IPs behind trusted proxies,
 * {@link io.limiter.servlet.RequestKeys}, {@link io.limiter.servlet.KeyReference}), the
 * {@link io.limiter.servlet.ServletRequestView} they read a request through, and the
 * {@link io.limiter.servlet.RejectionHandler} that writes refused responses.
 */
@NullMarked
package io.limiter.servlet;

import org.jspecify.annotations.NullMarked;
