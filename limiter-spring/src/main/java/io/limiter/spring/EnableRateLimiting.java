package io.limiter.spring;

import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.internal.RateLimitingConfigurationSelector;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.AdviceMode;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;

/**
 * Turns on {@link io.limiter.annotation.RateLimit @RateLimit} processing in a Spring application context, like
 * {@code @EnableCaching} does for {@code @Cacheable}. Spring Boot applications get it from the auto-configuration
 * and need this annotation only to change {@link #mode()}, {@link #proxyTargetClass()} or {@link #order()}.
 *
 * <pre>{@code
 * @Configuration
 * @EnableRateLimiting
 * class AppConfig implements RateLimitingConfigurer { ... }
 * }</pre>
 *
 * <p>Every {@code @RateLimit} of every bean class the context knows is checked when the context starts: a bad spec,
 * an unknown policy name, a SpEL syntax error, a missing fallback, (in proxy mode) an annotation on a private, final
 * or static method or a self-invocation of a limited method, or (in AspectJ mode) an annotation the woven aspect
 * never sees fails the startup with one {@link RateLimitConfigException} naming each method. The class checked is
 * the target class of each created singleton (behind JDK or CGLIB proxies), else the type the bean is declared with:
 * an implementation that only exists behind an interface-typed {@code @Lazy} or prototype bean or a
 * {@code FactoryBean} is checked through that interface, and annotations written only on the implementation are
 * parsed at its first call, which then throws {@link RateLimitConfigException} (it never runs unlimited). When Spring MVC is
 * present, rejected handler calls become 429 problem responses and admitted ones carry {@code RateLimit} fields.
 *
 * <p>Customize through {@link RateLimitingConfigurer} beans, or define a {@link io.limiter.core.RateLimiterRegistry}
 * bean to take full control of store, policies and listeners.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Import(RateLimitingConfigurationSelector.class)
public @interface EnableRateLimiting {

  /**
   * @return {@link AdviceMode#PROXY} (the default) to apply limits through Spring AOP proxies: only external calls
   *     of public, protected or package-visible, non-final instance methods are limited. {@link AdviceMode#ASPECTJ}
   *     when the {@code RateLimitAspect} is woven into the classes (compile-time or load-time weaving): then private,
   *     final and static methods and self-invocations are limited too
   */
  AdviceMode mode() default AdviceMode.PROXY;

  /** @return in proxy mode, whether to proxy classes (CGLIB) rather than interfaces */
  boolean proxyTargetClass() default false;

  /** @return the order of the rate limit advice among other advice on the same join point */
  int order() default Ordered.LOWEST_PRECEDENCE;

  /**
   * @return what the startup check does with a {@code @RateLimit} that applies by the detection rules but that the
   *     mode cannot enforce: with {@link AdviceMode#ASPECTJ}, one inherited from an interface or superclass method or
   *     class (the woven pointcut matches annotations where they are written), or composed more than two levels
   *     deep. True (the default) fails the startup naming each method; false logs a warning per method instead
   */
  boolean failOnUnenforced() default true;
}
