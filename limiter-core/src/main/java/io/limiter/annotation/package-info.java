/**
 * {@link io.limiter.annotation.RateLimit}, the framework-neutral annotation read by the Spring aspect and the servlet
 * filter.
 */
package io.limiter.annotation;
