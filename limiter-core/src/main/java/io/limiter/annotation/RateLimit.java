package io.limiter.annotation;

import io.limiter.core.Algorithm;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits the rate of calls to a method, or to every public method of a class (a servlet, a controller, any bean).
 * Framework-neutral: the Spring aspect and the servlet filter read the same annotation.
 *
 * <pre>{@code
 * @RateLimit("10/minute; 100/hour")                           // inline spec, per client IP in the web layer
 * @RateLimit(name = "search")                                 // a policy defined in configuration
 * @RateLimit(value = "10/minute", key = "#apiKey")            // Spring: SpEL over the arguments
 * @RateLimit(value = "10/minute", key = "header:X-API-Key")   // a key resolver reference
 * }</pre>
 *
 * Step-function throttling ({@link #tiers()}, {@link #schedule()}, {@link #adaptive()}, {@link #penalty()}) applies
 * to the inline policy or the named one:
 *
 * <pre>{@code
 * @RateLimit(value = "100/minute", tiers = "free=10/minute; pro=1000/minute; internal=unlimited",
 *            tierKey = "header:X-Plan", adaptive = "api-health", penalty = "5/minute -> block for 10m")
 * }</pre>
 *
 * Exactly one of {@link #value()} and {@link #name()} must be set. Errors (a bad spec, an unknown policy name, a bad
 * key) fail at startup and name the annotated element. Several annotations on one element are independent policies
 * that must all admit a call. How a class-level annotation combines with a method-level one is documented by each
 * integration.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(RateLimits.class)
public @interface RateLimit {

  /**
   * @return an inline rate spec in the grammar of {@link io.limiter.core.LimitSpec}, e.g. {@code "10/minute"}; the
   *     policy is named after the annotated element unless {@link #name()} is also set
   */
  String value() default "";

  /**
   * @return the name of a policy defined in configuration; with {@link #value()} also set, the name given to the
   *     inline policy instead
   */
  String name() default "";

  /**
   * @return how to find the client key. Every integration understands the resolver references {@code ip},
   *     {@code header:<name>}, {@code principal}, {@code attribute:<name>} and {@code global}; the Spring
   *     integration also accepts a SpEL expression (starting with {@code #} or {@code @}, or written as
   *     {@code #{...}}). Empty means the integration's default: the client IP in a web request.
   */
  String key() default "";

  /** @return the permits one call takes; at least 1 */
  long cost() default 1;

  /**
   * @return charge on outcome, in the notation of {@link io.limiter.core.ChargeOn}: the call's permits are reserved
   *     before it runs and kept only when its outcome matches, e.g. {@code "401,403"} (failed logins), {@code "5xx"}
   *     or {@code "java.io.IOException"}; refunded otherwise. Empty (the default) keeps every admitted call's permits
   */
  String chargeOn() default "";

  /**
   * @return the permits to reserve before the call when its cost is known only afterwards ({@link #actualCost()}): a
   *     whole number, or (Spring) SpEL over the arguments such as {@code "#chat.maxTokens"}; empty reserves
   *     {@link #cost()}. The servlet filter understands only a whole number.
   */
  String estimate() default "";

  /**
   * @return (Spring) the call's actual cost, SpEL evaluated after it returns with its return value as
   *     {@code #result}, e.g. {@code "#result.usage.totalTokens"}: the reservation of {@link #estimate()} is settled
   *     to it (refunding or charging the difference). A call that throws keeps its estimate. Empty: the reserved
   *     permits are the cost
   */
  String actualCost() default "";

  /**
   * @return (Spring) how long a call may wait for its permits instead of being refused, in the duration grammar of
   *     {@link io.limiter.core.DurationFormat} (e.g. {@code "2s"}, {@code "500ms"}): for outbound calls that must be
   *     paced to a partner's rate. The permits are reserved in the earliest slot the limits allow, the call waits for
   *     it (callers in arrival order) and then runs; only a call whose slot is further away than this is refused.
   *     Needs a token bucket; cannot be combined with charge on outcome, a cost from the result or step throttling.
   *     Empty or {@code "0"}: refuse at once (the default). The servlet filter does not wait.
   */
  String maxWait() default "";

  /** @return the algorithm of an inline policy */
  Algorithm algorithm() default Algorithm.TOKEN_BUCKET;

  /** @return whether calls over the limit are let through and only reported */
  boolean shadow() default false;

  /**
   * @return client tiers in the notation of {@link io.limiter.core.step.Tiers}, e.g.
   *     {@code "free=10/minute; pro=1000/minute; internal=unlimited; default=free"}; empty for none. Needs
   *     {@link #tierKey()}.
   */
  String tiers() default "";

  /**
   * @return how to find a request's tier: the resolver references of {@link #key()} ({@code header:X-Plan},
   *     {@code attribute:plan}, …; the Spring integration also SpEL), plus {@code authority:<prefix>} for the
   *     principal's first authority with that prefix. Empty when there are no {@link #tiers()}.
   */
  String tierKey() default "";

  /**
   * @return a schedule of limits in the notation of {@link io.limiter.core.step.StepSchedule}, e.g.
   *     {@code "zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; default = 200/minute"}; empty for none
   */
  String schedule() default "";

  /**
   * @return the name of a {@link io.limiter.core.step.StepController} defined in configuration whose level scales
   *     the limits (adaptive steps), e.g. {@code "api-health"}; empty for none
   */
  String adaptive() default "";

  /**
   * @return a penalty rule in the notation of {@link io.limiter.core.step.PenaltyRule}, e.g.
   *     {@code "5/minute -> block for 10m"}; empty for none
   */
  String penalty() default "";
}
