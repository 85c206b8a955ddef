/**
 * Implementation of the Spring integration: the annotation parser, the cached operation source, SpEL key
 * evaluation, the proxy advisor and the {@code @EnableRateLimiting} configurations. Not API: other modules and
 * applications must not use it.
 */
@NullMarked
package io.limiter.spring.internal;

import org.jspecify.annotations.NullMarked;
