/**
 * Implementation of the core: kernels (pure state transitions per algorithm), cells (per-key state behind CAS), the
 * local stores and the default limiter. Not API: other modules must not use it (an ArchUnit test checks).
 */
@NullMarked
package io.limiter.core.internal;

import org.jspecify.annotations.NullMarked;
