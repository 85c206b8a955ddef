/**
 * The HTTP request layer shared by Limiter's web front-ends: {@link io.limiter.web.HttpRequestView}, what the rules
 * and request keys read from a request on any stack (the servlet filter adapts {@code HttpServletRequest} to it), the
 * {@link io.limiter.web.PathSpellings spellings} of a request's path, the {@link io.limiter.web.ForwardedHeader}
 * that trusted proxies append to, and the {@link io.limiter.web.Rejection} of a refused request. No Servlet, Spring
 * or Reactor type appears here.
 */
@NullMarked
package io.limiter.web;

import org.jspecify.annotations.NullMarked;
