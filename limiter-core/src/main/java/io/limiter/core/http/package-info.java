/**
 * HTTP-neutral formatting of decisions, shared by the servlet filter and Spring MVC: IETF {@code RateLimit} fields,
 * {@code Retry-After}, legacy {@code X-RateLimit-*} fields and the RFC 9457 problem body.
 */
@NullMarked
package io.limiter.core.http;

import org.jspecify.annotations.NullMarked;
