/**
 * Limiter's test kit: {@link io.limiter.test.ManualTicker} (a fake clock), {@link io.limiter.test.DecisionAssert}
 * (AssertJ assertions on decisions) and {@link io.limiter.test.RateLimitStoreContract}, the suite every store passes.
 */
@NullMarked
package io.limiter.test;

import org.jspecify.annotations.NullMarked;
