package io.limiter.annotation;

import java.lang.reflect.AnnotatedElement;
import java.util.List;

/**
 * Finds the {@link RateLimit}s declared on one class or method: written directly, inside a {@link RateLimits}
 * container, or carried by a composed annotation at any depth ({@code @TwoPerHour} annotated with
 * {@code @RateLimit("2/hour")}). The integrations walk the class and method hierarchy themselves and ask this for
 * each element, so that a composed annotation counts wherever a plain one would.
 *
 * <p>{@link #metaAnnotations()} is the framework-neutral walk used by limiter-servlet; limiter-spring supplies one
 * built on Spring's {@code MergedAnnotations}, which also honours {@code @AliasFor}. Both follow the same rules:
 * directly present annotations first, then meta-annotations nearest first; each annotation type is visited once per
 * element, and the {@code java.lang.annotation} types are never entered. Implementations are stateless and
 * thread-safe.
 */
@FunctionalInterface
public interface RateLimitAnnotations {

  /**
   * @param element a class or method
   * @return its {@code @RateLimit}s, directly present or meta-present, in the order above; empty if none. Inherited
   *     declarations (superclasses, overridden methods) are not included.
   */
  List<RateLimit> on(AnnotatedElement element);

  /**
   * @return the framework-neutral lookup: the JDK's reflection plus a breadth-first walk of meta-annotations
   */
  static RateLimitAnnotations metaAnnotations() {
    return MetaAnnotationWalk.INSTANCE;
  }
}
