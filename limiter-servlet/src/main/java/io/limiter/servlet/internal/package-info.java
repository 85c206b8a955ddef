/**
 * Implementation of the servlet filter: the annotation source, the bindings of rules and annotations, the step
 * wiring, the per-request engine and the health feed (path canonicalization, path patterns and IP literals are
 * limiter-web's). Not API: other modules must not use it.
 */
@NullMarked
package io.limiter.servlet.internal;

import org.jspecify.annotations.NullMarked;
