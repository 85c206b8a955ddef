package io.limiter.spring.internal;

import io.limiter.spring.aop.RateLimitInterceptor;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.aop.Advice;
import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * The proxy-mode advisor: a pointcut matching the methods that {@code @RateLimit} applies to (by the rules of
 * {@link AnnotationRateLimitOperationSource}, including annotations on interface methods and generic overrides, which
 * AspectJ expressions on CGLIB proxies miss), advised by a {@link RateLimitInterceptor}. Matching reads annotations
 * only, so creating proxies never creates the engine early.
 */
public final class RateLimitPointcutAdvisor extends AbstractPointcutAdvisor {

  private static final long serialVersionUID = 1L;

  private final transient RateLimitInterceptor interceptor;
  private final transient Pointcut pointcut = new RateLimitPointcut();

  /**
   * @param interceptor the advice
   */
  public RateLimitPointcutAdvisor(RateLimitInterceptor interceptor) {
    this.interceptor = interceptor;
  }

  @Override
  public Pointcut getPointcut() {
    return pointcut;
  }

  @Override
  public Advice getAdvice() {
    return interceptor;
  }

  private static final class RateLimitPointcut extends StaticMethodMatcherPointcut {
    private final Map<Class<?>, Boolean> classes = new ConcurrentHashMap<>();

    RateLimitPointcut() {
      setClassFilter(this::matchesClass);
    }

    private boolean matchesClass(Class<?> clazz) {
      return classes.computeIfAbsent(clazz, AnnotationRateLimitOperationSource::mayHaveOperations);
    }

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
      return AnnotationRateLimitOperationSource.isAnnotated(method, targetClass);
    }

    @Override
    public ClassFilter getClassFilter() {
      return this::matchesClass;
    }
  }
}
