/**
 * The Jakarta Servlet integration: {@link io.limiter.servlet.RateLimitFilter} (configured by {@code web.xml}
 * init-params, a properties file or its builder), the {@link io.limiter.servlet.ServletRequestView} through which
 * limiter-web's request layer ({@link io.limiter.web.RateLimitRule path rules}, {@link io.limiter.web.KeyReference key
 * references}, {@link io.limiter.web.ClientIpResolver}, {@link io.limiter.web.RequestKeys}) reads a servlet request,
 * and the {@link io.limiter.servlet.RejectionHandler} that writes refused responses.
 */
@NullMarked
package io.limiter.servlet;

import org.jspecify.annotations.NullMarked;
