/**
 * A plain servlet application rate limited by {@code io.limiter.servlet.RateLimitFilter}, declared in
 * {@code WEB-INF/web.xml}: {@link io.limiter.examples.webxml.GreetingServlet} (per client IP, by annotation),
 * {@link io.limiter.examples.webxml.ReportServlet} (per API key, by annotation) and
 * {@link io.limiter.examples.webxml.SearchServlet} (by a web.xml rule).
 */
package io.limiter.examples.webxml;
