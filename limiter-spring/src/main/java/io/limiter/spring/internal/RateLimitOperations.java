package io.limiter.spring.internal;

import io.limiter.core.RateLimitConfigException;
import java.lang.reflect.Method;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything that applies to one (method, target class): the operations in the order they are decided (method-level
 * before class-level), the fallback method, and the problems found while parsing. A method with problems never runs:
 * startup fails, and a call that slips through (a lazy bean) throws.
 *
 * @param method the most specific method (the one SpEL keys and fallbacks are checked against)
 * @param resultType what a call of the method returns to the advice: its return type, or for a Kotlin suspend function
 *     the {@code Mono} (a {@code Flux} for a {@code Flow}) that Spring AOP adapts it to (see {@link SuspendingFunctions})
 * @param suspending whether the method is a Kotlin suspend function
 * @param operations the operations; empty only when {@code problems} is not
 * @param fallback the fallback method, or null
 * @param problems what is wrong, one line each naming the method
 */
public record RateLimitOperations(Method method, Class<?> resultType, boolean suspending,
    List<RateLimitOperation> operations,
    @Nullable Method fallback, List<String> problems) {

  /** Copies the lists. */
  public RateLimitOperations {
    operations = List.copyOf(operations);
    problems = List.copyOf(problems);
  }

  /** @throws RateLimitConfigException if parsing found problems */
  public void checkValid() {
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
  }
}
