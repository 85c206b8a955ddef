package io.limiter.examples.aspectj;

import io.limiter.annotation.RateLimit;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;

/**
 * The shapes of {@code @RateLimit} that the woven column of the annotation matrix calls (the proxy columns call the
 * same shapes in limiter-spring's {@code BeanMatrixTest}); compiled and woven by ajc. Each limit is 2/hour, so the
 * third call must be rejected: a miss shows as a third success, a double charge as a second rejection.
 */
final class WovenShapes {

  private WovenShapes() {
  }

  interface Probe {
    String call();
  }

  interface Taker<T> {
    String take(T value);
  }

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

  /** Deeper than the woven pointcut looks. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @Throttled
  @interface DeeplyThrottled {
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RateLimit
  @interface Limited {
    @AliasFor(annotation = RateLimit.class, attribute = "value")
    String rate();
  }

  static class OnMethod implements Probe {
    @Override
    @RateLimit("2/hour")
    public String call() {
      return "ok";
    }
  }

  @RateLimit("2/hour")
  static class OnClass implements Probe {
    @Override
    public String call() {
      return "ok";
    }
  }

  interface LimitedProbe extends Probe {
    @Override
    @RateLimit("2/hour")
    String call();
  }

  static class OnInterface implements LimitedProbe {
    @Override
    public String call() {
      return "ok";
    }
  }

  static class Composed implements Probe {
    @Override
    @TwoPerHour
    public String call() {
      return "ok";
    }
  }

  static class ComposedTwice implements Probe {
    @Override
    @Throttled
    public String call() {
      return "ok";
    }
  }

  @Throttled
  static class ComposedTwiceOnClass implements Probe {
    @Override
    public String call() {
      return "ok";
    }
  }

  static class ComposedThrice implements Probe {
    @Override
    @DeeplyThrottled
    public String call() {
      return "ok";
    }
  }

  static class Aliased implements Probe {
    @Override
    @Limited(rate = "2/hour")
    public String call() {
      return "ok";
    }
  }

  abstract static class GenericBase<T> implements Taker<T> {
    @Override
    @RateLimit("2/hour")
    public abstract String take(T value);
  }

  static class GenericImpl extends GenericBase<String> {
    @Override
    public String take(String value) {
      return "ok";
    }
  }

  static class SuperBase implements Probe {
    @Override
    @RateLimit("5/hour")
    public String call() {
      return "ok";
    }
  }

  static class SuperCall extends SuperBase {
    @Override
    @RateLimit("2/hour")
    public String call() {
      return super.call();
    }
  }

  static class InheritedNoSuper extends OnMethod {
    @Override
    public String call() {
      return "ok";
    }
  }

  @RateLimit("2/hour")
  static class ClassLevelSelfCall implements Probe {
    @Override
    public String call() {
      return inner();
    }

    public String inner() {
      return "ok";
    }
  }

  static class PrivateMethod implements Probe {
    @Override
    public String call() {
      return limited();
    }

    @RateLimit("2/hour")
    private String limited() {
      return "ok";
    }
  }

  static class SelfInvocation implements Probe {
    @Override
    public String call() {
      return limited();
    }

    @RateLimit("2/hour")
    public String limited() {
      return "ok";
    }
  }
}
