package io.limiter.spring.internal;

import io.limiter.annotation.RateLimit;
import io.limiter.annotation.RateLimitAnnotations;
import java.lang.reflect.AnnotatedElement;
import java.util.List;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;

/**
 * {@link RateLimitAnnotations} on Spring's {@code MergedAnnotations}, the lookup of the aspect: composed annotations
 * at any depth, repeated ones, and {@code @AliasFor} attributes of composed annotations. Spring Boot hands it to the
 * servlet filter so that a servlet reads its annotations as a bean does. Stateless and thread-safe.
 */
public final class MergedRateLimitAnnotations implements RateLimitAnnotations {

  /** The one instance. */
  public static final MergedRateLimitAnnotations INSTANCE = new MergedRateLimitAnnotations();

  private MergedRateLimitAnnotations() {
  }

  @Override
  public List<RateLimit> on(AnnotatedElement element) {
    return MergedAnnotations.from(element, SearchStrategy.DIRECT).stream(RateLimit.class)
        .map(MergedAnnotation::synthesize).toList();
  }
}
