/**
 * Implementation of step-function throttling: the parts behind {@link io.limiter.core.step.StepController} (the level
 * state machine, the signal sampler, the feed of the built-in call signals, the tick schedule), the parsers of the
 * configuration strings, the built-in health signals (a fixed-bucket latency histogram, error and in-flight counters,
 * gauges) and the stepped limiter's table of precomputed store views. Not API: other modules must not use it.
 */
@NullMarked
package io.limiter.core.internal.step;

import org.jspecify.annotations.NullMarked;
