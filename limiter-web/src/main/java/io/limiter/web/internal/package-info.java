/**
 * Implementation shared by Limiter's web front-ends (limiter-servlet, and limiter-spring's WebFlux filter): path
 * canonicalization, compiled path patterns, IP literal parsing, the rule compilation ({@code DeciderBuilder}) and the
 * stack-neutral decision on a request ({@code RequestDecider}). Not API: applications must not use it; of the other
 * modules, only Limiter's own front-ends do, built and released together with this one (docs/architecture.md).
 */
@NullMarked
package io.limiter.web.internal;

import org.jspecify.annotations.NullMarked;
