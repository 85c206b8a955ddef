/**
 * Implementation shared by Limiter's web front-ends (limiter-servlet, and limiter-spring's WebFlux filter to come):
 * path canonicalization, compiled path patterns, IP literal parsing. Not API: applications must not use it; of the
 * other modules, only Limiter's own front-ends do, built and released together with this one (docs/architecture.md).
 */
@NullMarked
package io.limiter.web.internal;

import org.jspecify.annotations.NullMarked;
