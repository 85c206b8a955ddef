package io.limiter.spring.aop;

import java.util.Objects;
import org.aspectj.lang.ProceedingJoinPoint;
import org.aspectj.lang.annotation.Around;
import org.aspectj.lang.annotation.Aspect;
import org.aspectj.lang.annotation.Pointcut;
import org.aspectj.lang.reflect.MethodSignature;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;

/**
 * Applies {@code @RateLimit} wherever AspectJ weaves it: compile-time weaving ({@code aspectj-maven-plugin} with
 * limiter-spring on the aspect path), load-time weaving (listed in {@code META-INF/aop.xml}), or Spring's
 * {@code AspectJProxyFactory}. All logic is in {@link RateLimitAspectSupport}.
 *
 * <p>Woven, the aspect is a singleton created by AspectJ; hand it its engine once, before the first limited call
 * ({@code @EnableRateLimiting(mode = AdviceMode.ASPECTJ)} does this in Spring):
 * <pre>{@code
 * Aspects.aspectOf(RateLimitAspect.class).setSupport(support);
 * }</pre>
 * A limited call before that fails with {@link IllegalStateException} rather than running unlimited.
 *
 * <p>Under weaving AspectJ matches annotations where they are written: on the executing method, or on the class that
 * declares it; plain, repeated, or inside a composed annotation at most two levels deep
 * ({@code @TwoPerHour} carrying {@code @RateLimit}, or {@code @Throttled} carrying {@code @TwoPerHour}). Annotations
 * inherited from interfaces or superclasses apply once the call is matched, but do not make it match: the
 * validation ({@link RateLimitAspectSupport#validate}, run by {@code @EnableRateLimiting(mode = ASPECTJ)} at startup)
 * fails for such methods instead of letting them run unlimited. A Kotlin {@code suspend} function cannot be limited
 * under weaving (Spring AOP proxies adapt it to a {@code Mono}; woven code does not), and fails the validation too.
 * Thread-safe.
 */
@Aspect
public class RateLimitAspect {

  /** Executions of methods carrying {@code @RateLimit}, directly, repeated or composed (depth 1 and 2). */
  @Pointcut("@annotation(io.limiter.annotation.RateLimit) || @annotation(io.limiter.annotation.RateLimits)"
      + " || execution(@(@io.limiter.annotation.RateLimit *) * *(..))"
      + " || execution(@(@io.limiter.annotation.RateLimits *) * *(..))"
      + " || execution(@(@(@io.limiter.annotation.RateLimit *) *) * *(..))"
      + " || execution(@(@(@io.limiter.annotation.RateLimits *) *) * *(..))")
  void limitedMethod() {
  }

  /** Join points in classes carrying {@code @RateLimit}, directly, repeated or composed (depth 1 and 2). */
  @Pointcut("@within(io.limiter.annotation.RateLimit) || @within(io.limiter.annotation.RateLimits)"
      + " || within(@(@io.limiter.annotation.RateLimit *) *) || within(@(@io.limiter.annotation.RateLimits *) *)"
      + " || within(@(@(@io.limiter.annotation.RateLimit *) *) *)"
      + " || within(@(@(@io.limiter.annotation.RateLimits *) *) *)")
  void limitedClass() {
  }

  private volatile @Nullable RateLimitAspectSupport support;

  /** For AspectJ, which creates the woven singleton; call {@link #setSupport} before the first limited call. */
  public RateLimitAspect() {
  }

  /**
   * @param support the engine
   */
  public RateLimitAspect(RateLimitAspectSupport support) {
    this.support = Objects.requireNonNull(support, "support");
  }

  /**
   * @param support the engine of the woven singleton
   */
  public void setSupport(RateLimitAspectSupport support) {
    this.support = Objects.requireNonNull(support, "support");
  }

  /**
   * Limits one call.
   *
   * @param call the intercepted call
   * @return its result
   * @throws Throwable what the call throws, or {@link io.limiter.core.RateLimitExceededException}
   */
  @Around("execution(* *(..)) && (limitedMethod() || limitedClass())")
  public @Nullable Object rateLimit(ProceedingJoinPoint call) throws Throwable {
    RateLimitAspectSupport engine = support;
    if (engine == null) {
      throw new IllegalStateException("RateLimitAspect is woven but has no RateLimitAspectSupport; call "
          + "Aspects.aspectOf(RateLimitAspect.class).setSupport(...) at startup or use @EnableRateLimiting(mode = "
          + "AdviceMode.ASPECTJ)");
    }
    Object target = call.getTarget();
    return engine.execute(((MethodSignature) call.getSignature()).getMethod(),
        target != null ? AopUtils.getTargetClass(target) : null, target, call.getArgs(), call::proceed);
  }
}
