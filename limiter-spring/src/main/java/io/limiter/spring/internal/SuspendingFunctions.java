package io.limiter.spring.internal;

import java.lang.reflect.Method;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.CoroutinesUtils;
import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;

/**
 * Kotlin {@code suspend} functions under {@code @RateLimit}. Since Spring Framework 6.1 a Spring AOP proxy adapts a
 * suspend function for its advice: {@code MethodInvocation.proceed()} returns the {@code Mono} (a {@code Flux} when
 * the function returns a {@code Flow}) that runs the function when subscribed, and the proxy awaits the
 * {@code Mono} the advice returns in the caller's coroutine. So a suspend function is limited exactly as a method
 * returning {@code Mono}: decided at subscription, without blocking.
 *
 * <p>Spring adapts only when {@code kotlinx-coroutines-reactor} is on the class path (its own check), and calls
 * suspend functions through {@code kotlin-reflect}; without either, or under AspectJ weaving (which adapts nothing),
 * a limited suspend function is a configuration problem rather than a call decided eagerly on the caller's thread.
 *
 * <p>Nothing here loads a Kotlin class unless a method is a suspend function, so limiter-spring needs no Kotlin.
 * Stateless and thread-safe.
 */
public final class SuspendingFunctions {

  // the class Spring AOP checks for before it adapts suspend functions (AopUtils, CglibAopProxy, JdkDynamicAopProxy)
  private static final boolean ADAPTED_BY_SPRING_AOP = ClassUtils.isPresent("kotlinx.coroutines.reactor.MonoKt",
      SuspendingFunctions.class.getClassLoader());

  private static final String FLOW = "kotlinx.coroutines.flow.Flow";

  private SuspendingFunctions() {
  }

  /**
   * @param method a method
   * @return whether it is a Kotlin suspend function (false whenever Kotlin is absent)
   */
  public static boolean isSuspending(Method method) {
    return KotlinDetector.isSuspendingFunction(method);
  }

  /**
   * Why a suspend function cannot be limited here, if it cannot.
   *
   * @param method a suspend function
   * @param proxyMode whether calls are intercepted by Spring AOP proxies
   * @return the problem, naming the method, or null
   */
  static @Nullable String problem(Method method, boolean proxyMode) {
    String what = "@RateLimit on suspend function " + RateLimitAnnotationParser.describe(method);
    if (!proxyMode) {
      return what + ": suspend functions are limited through Spring AOP proxies (the default mode of "
          + "@EnableRateLimiting), which adapt them to a Mono decided at subscription; AspectJ weaving does not";
    }
    if (!ADAPTED_BY_SPRING_AOP) {
      return what + " needs org.jetbrains.kotlinx:kotlinx-coroutines-reactor on the class path: without it Spring AOP "
          + "does not adapt suspend functions, and the call could not be limited without blocking";
    }
    if (!KotlinDetector.isKotlinReflectPresent()) {
      return what + " needs org.jetbrains.kotlin:kotlin-reflect on the class path: Spring calls suspend functions "
          + "through it";
    }
    return null;
  }

  /**
   * @param method a suspend function that {@link #problem} accepted
   * @return the type Spring AOP's {@code proceed()} returns for it: {@code Flux} for a {@code Flow}, else {@code Mono}
   */
  static Class<?> publisherType(Method method) {
    return FLOW.equals(resultType(method).getName()) ? reactor.core.publisher.Flux.class
        : reactor.core.publisher.Mono.class;
  }

  /**
   * @param method a suspend function
   * @return the type its callers get (the Kotlin return type), not the {@code Object} of its JVM signature
   */
  static Class<?> resultType(Method method) {
    return new MethodParameter(method, -1).getParameterType();
  }

  /**
   * @param method a suspend function
   * @return its parameter types without the trailing {@code Continuation}
   */
  static Class<?>[] parameterTypes(Method method) {
    Class<?>[] all = method.getParameterTypes();
    return Arrays.copyOf(all, all.length - 1);
  }

  /**
   * Calls the suspend fallback of a rejected suspend function in the coroutine context of the rejected call (as
   * Spring AOP calls the function itself: without its {@code Job}, so the fallback's coroutine is not its child).
   *
   * @param fallback a suspend function taking the limited function's parameters and the rejection
   * @param target the bean
   * @param args the arguments of the rejected call, its {@code Continuation} last
   * @param rejection the rejection
   * @return the fallback's result, when subscribed
   */
  public static Publisher<?> invokeFallback(Method fallback, @Nullable Object target, Object[] args,
      Throwable rejection) {
    Object[] fallbackArgs = Arrays.copyOf(args, args.length);
    fallbackArgs[args.length - 1] = rejection; // in place of the Continuation: the fallback's own comes last
    return Coroutines.invoke(fallback, target, args[args.length - 1], fallbackArgs);
  }

  /**
   * The code that names Kotlin types, in a class of its own: verifying a method that passes a {@code Job.Key} where a
   * {@code CoroutineContext.Key} is expected loads both, so in the outer class it would fail wherever Kotlin is absent.
   */
  private static final class Coroutines {
    static Publisher<?> invoke(Method function, @Nullable Object target, Object continuation, Object[] args) {
      kotlin.coroutines.CoroutineContext context = ((kotlin.coroutines.Continuation<?>) continuation).getContext()
          .minusKey(kotlinx.coroutines.Job.Key);
      return CoroutinesUtils.invokeSuspendingFunction(context, function, target, args);
    }
  }
}
