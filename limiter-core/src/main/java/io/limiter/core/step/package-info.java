/**
 * Step-function throttling: the permitted rate moves in discrete steps instead of being one constant. Scheduled steps
 * by wall-clock time ({@link io.limiter.core.step.StepSchedule}), adaptive steps driven by server health
 * ({@link io.limiter.core.step.StepController} sampling {@link io.limiter.core.step.HealthSignal}s), client tiers
 * ({@link io.limiter.core.step.Tiers}, {@link io.limiter.core.step.TierResolver}) and a penalty box for clients that
 * are rejected again and again ({@link io.limiter.core.step.PenaltyRule}, {@link io.limiter.core.step.PenaltyBox}),
 * combined per call by {@link io.limiter.core.step.SteppedRateLimiter} on any store. Framework-free; the servlet and
 * Spring integrations wire it from annotations, init-params and properties.
 */
@NullMarked
package io.limiter.core.step;

import org.jspecify.annotations.NullMarked;
