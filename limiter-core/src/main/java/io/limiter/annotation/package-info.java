/**
 * {@link io.limiter.annotation.RateLimit}, the framework-neutral annotation read by the Spring aspect and the servlet
 * filter.
 */
@NullMarked
package io.limiter.annotation;

import org.jspecify.annotations.NullMarked;
