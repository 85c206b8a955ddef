package io.limiter.spring.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.annotation.RateLimitAnnotations;
import io.limiter.spring.internal.MergedRateLimitAnnotations;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The servlet filter's JDK-only lookup and the Spring one (aspect, Spring Boot's filter) find the same limits on every
 * shape of the matrix that needs no {@code @AliasFor}.
 */
class LookupParityTest {

  @Test
  void bothLookupsAgreeOnEveryShape() throws Exception {
    List<AnnotatedElement> elements = new ArrayList<>();
    for (Class<?> shape : Shapes.class.getDeclaredClasses()) {
      if (shape == Shapes.Aliased.class || shape == Shapes.Limited.class) {
        continue;
      }
      elements.add(shape);
      for (var m : shape.getDeclaredMethods()) {
        elements.add(m);
      }
    }
    for (AnnotatedElement e : elements) {
      assertThat(specs(RateLimitAnnotations.metaAnnotations(), e)).as(e.toString())
          .isEqualTo(specs(MergedRateLimitAnnotations.INSTANCE, e));
    }
    assertThat(specs(MergedRateLimitAnnotations.INSTANCE, Shapes.Aliased.class.getMethod("call")))
        .as("@AliasFor: Spring only").containsExactly("2/hour");
  }

  private static List<String> specs(RateLimitAnnotations lookup, AnnotatedElement element) {
    return lookup.on(element).stream().map(RateLimit::value).toList();
  }
}
