package io.limiter.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JDK-only lookup finds plain, repeated and composed annotations, nearest first, and survives cycles. */
class RateLimitAnnotationsTest {

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RateLimit("2/hour")
  @interface TwoPerHour {
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @TwoPerHour
  @interface Throttled {
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @Throttled
  @interface DeeplyThrottled {
  }

  /** A repeatable composed annotation. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @Repeatable(Tiers.class)
  @RateLimit("5/minute")
  @interface Tier {
    String value();
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @interface Tiers {
    Tier[] value();
  }

  /** Two annotation types that annotate each other. */
  @Retention(RetentionPolicy.RUNTIME)
  @Cyclic2
  @RateLimit("7/hour")
  @interface Cyclic1 {
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Cyclic1
  @interface Cyclic2 {
  }

  static class Elements {
    @RateLimit("1/second")
    void direct() {
    }

    @RateLimit("1/second")
    @RateLimit("10/minute")
    void repeated() {
    }

    @DeeplyThrottled
    @RateLimit("1/second")
    void composedAndDirect() {
    }

    @Tier("a")
    @Tier("b")
    void repeatedComposed() {
    }

    @Cyclic2
    void cyclic() {
    }

    @Deprecated
    void none() {
    }
  }

  private static List<String> specs(String method) throws NoSuchMethodException {
    return RateLimitAnnotations.metaAnnotations().on(Elements.class.getDeclaredMethod(method)).stream()
        .map(RateLimit::value).toList();
  }

  @Test
  void findsEveryShapeNearestFirst() throws Exception {
    assertThat(specs("direct")).containsExactly("1/second");
    assertThat(specs("repeated")).containsExactly("1/second", "10/minute");
    assertThat(specs("composedAndDirect")).containsExactly("1/second", "2/hour");
    assertThat(specs("repeatedComposed")).containsExactly("5/minute", "5/minute");
    assertThat(specs("cyclic")).containsExactly("7/hour");
    assertThat(specs("none")).isEmpty();
  }
}
