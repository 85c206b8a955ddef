package io.limiter.spring.internal;

import io.limiter.core.ChargeOn;
import io.limiter.core.KeyResolver;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimiter;
import io.limiter.core.step.StepController;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.spring.RateLimitInvocation;
import org.jspecify.annotations.Nullable;

/**
 * One parsed {@code @RateLimit} as it applies to one method: the limiter of its policy, the cost of a call, how the
 * key is found and what happens without one. Immutable; built once per (method, target class) at startup.
 *
 * @param source where it was declared, for messages ({@code @RateLimit on OrderController.create(String)})
 * @param limiter the policy bound to the store
 * @param cost permits one call takes
 * @param keyDescription the key as written ({@code header:X-API-Key}, {@code #apiKey}) or {@code (default)}
 * @param key resolves the key of a call; returns null when the call has none
 * @param missingKey what to do when {@code key} finds nothing
 * @param stepped the policy's step-function throttling (then {@code limiter} is its base), or null; its context is the tier
 * @param tier finds a call's tier name, or null without tiers
 * @param chargeOn which outcomes keep the call's permits ({@link ChargeOn#always()} without charge on outcome)
 * @param estimate the permits to reserve before the call, or null for {@code cost}
 * @param actualCost the call's cost from its result, or null when the reserved permits are the cost
 * @param maxWait how long a call may wait for its permits ({@code @RateLimit(maxWait)}); zero refuses at once
 */
public record RateLimitOperation(String source, RateLimiter limiter, long cost, String keyDescription,
    KeyResolver<RateLimitInvocation> key, MissingKeyStrategy missingKey,
    @Nullable SteppedRateLimiter<String> stepped, @Nullable KeyResolver<RateLimitInvocation> tier, ChargeOn chargeOn,
    InvocationKeys.@Nullable Cost estimate, InvocationKeys.@Nullable Cost actualCost, java.time.Duration maxWait) {

  /** @return whether the call's outcome settles its reservation (charge on outcome, or a cost from the result) */
  public boolean settlesAfterCall() {
    return !chargeOn.isAlways() || actualCost != null;
  }

  /** @return the controller the policy's level follows, which admitted calls feed; or null */
  public @Nullable StepController controller() {
    return stepped == null ? null : stepped.controller().orElse(null);
  }

  /** @return the name of the policy */
  public String policyName() {
    return limiter.policy().name();
  }
}
