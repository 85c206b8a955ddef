package io.limiter.spring;

import java.lang.reflect.Method;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One call of a rate limited method, as key resolvers see it: the method, the class of the bean it was called on, the
 * bean and the arguments. {@code KeyResolver<RateLimitInvocation>} instances registered through
 * {@link RateLimitingConfigurer#addKeyResolvers(KeyResolverRegistry)} derive the client key from it; SpEL keys see
 * the same data as {@code #root.method}, {@code #root.args}, {@code #root.target} and {@code #root.targetClass}.
 *
 * <p>Immutable apart from the argument array, which is the caller's and must not be modified. Thread-confined: an
 * instance lives for one call.
 */
public final class RateLimitInvocation {

  private final Method method;
  private final Class<?> targetClass;
  private final @Nullable Object target;
  private final Object[] args;

  /**
   * @param method the called method (the most specific implementation on {@code targetClass})
   * @param targetClass the class of the target bean (the user class, not a proxy class)
   * @param target the bean, or null for a static method woven by AspectJ
   * @param args the arguments
   */
  public RateLimitInvocation(Method method, Class<?> targetClass, @Nullable Object target, Object[] args) {
    this.method = Objects.requireNonNull(method, "method");
    this.targetClass = Objects.requireNonNull(targetClass, "targetClass");
    this.target = target;
    this.args = args == null ? new Object[0] : args;
  }

  /** @return the called method */
  public Method getMethod() {
    return method;
  }

  /** @return the name of the called method */
  public String getMethodName() {
    return method.getName();
  }

  /** @return the class of the bean the method was called on */
  public Class<?> getTargetClass() {
    return targetClass;
  }

  /** @return the bean, or null for a static method */
  public @Nullable Object getTarget() {
    return target;
  }

  /** @return the arguments of the call (the caller's array: do not modify) */
  public Object[] getArgs() {
    return args;
  }

  @Override
  public String toString() {
    return targetClass.getSimpleName() + "." + method.getName();
  }
}
