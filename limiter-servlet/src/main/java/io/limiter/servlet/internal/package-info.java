/**
 * Implementation of the servlet filter: path canonicalization, compiled path patterns, IP literal parsing, the
 * forwarded-chain walk, the annotation source and the per-request engine. Not API: other modules must not use it.
 */
@NullMarked
package io.limiter.servlet.internal;

import org.jspecify.annotations.NullMarked;
