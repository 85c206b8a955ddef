package io.limiter.spring.aop;

import java.util.Objects;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.util.function.SingletonSupplier;

/**
 * Applies {@code @RateLimit} on Spring AOP proxies (the default mode of {@code @EnableRateLimiting}); all logic is in
 * {@link RateLimitAspectSupport}. Usable directly with a {@code ProxyFactory}:
 *
 * <pre>{@code
 * ProxyFactory factory = new ProxyFactory(service);
 * factory.addAdvice(new RateLimitInterceptor(support));
 * }</pre>
 *
 * <p>A Kotlin {@code suspend} function is limited as a method returning {@code Mono}: since Spring Framework 6.1 the
 * proxy hands its advice the call as a {@code Mono} (with {@code kotlinx-coroutines-reactor} and {@code kotlin-reflect}
 * on the class path) and awaits the {@code Mono} the advice returns in the caller's coroutine, so the call is decided
 * without blocking when the coroutine makes it, and a rejection is thrown from the call. Thread-safe.
 */
public final class RateLimitInterceptor implements MethodInterceptor {

  private final Supplier<RateLimitAspectSupport> support;

  /**
   * @param support the engine
   */
  public RateLimitInterceptor(RateLimitAspectSupport support) {
    Objects.requireNonNull(support, "support");
    this.support = () -> support;
  }

  /**
   * @param support supplies the engine on the first call (a Spring context creates it after the proxies); called
   *     once
   */
  public RateLimitInterceptor(Supplier<RateLimitAspectSupport> support) {
    this.support = SingletonSupplier.of(Objects.requireNonNull(support, "support"));
  }

  @Override
  public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
    Object target = invocation.getThis();
    Class<?> targetClass = target != null ? AopUtils.getTargetClass(target) : null;
    return support.get().execute(invocation.getMethod(), targetClass, target, invocation.getArguments(),
        invocation::proceed);
  }
}
