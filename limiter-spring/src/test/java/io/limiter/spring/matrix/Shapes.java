package io.limiter.spring.matrix;

import io.limiter.annotation.RateLimit;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;

/**
 * The shapes of {@code @RateLimit} on beans that the matrix calls. Each limit is 2/hour unless the shape says
 * otherwise, so the third call must be rejected: a miss shows as a third success, a double charge as a second
 * rejection.
 */
public final class Shapes {

  private Shapes() {
  }

  /** What every shape's bean offers; the JDK proxy is made for it. */
  public interface Probe {
    String call();
  }

  /** A generic entry point, for the bridge-method shape. */
  public interface Taker<T> {
    String take(T value);
  }

  /** A composed annotation carrying the limit. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RateLimit("2/hour")
  public @interface TwoPerHour {
  }

  /** Two levels of composition. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @TwoPerHour
  public @interface Throttled {
  }

  /** Three levels of composition: deeper than the woven pointcut looks, fine for proxies. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @Throttled
  public @interface DeeplyThrottled {
  }

  /** A composed annotation whose attribute is an alias of {@code RateLimit.value}. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RateLimit
  public @interface Limited {
    @AliasFor(annotation = RateLimit.class, attribute = "value")
    String rate();
  }

  public static class OnMethod implements Probe {
    @Override
    @RateLimit("2/hour")
    public String call() {
      return "ok";
    }
  }

  @RateLimit("2/hour")
  public static class OnClass implements Probe {
    @Override
    public String call() {
      return "ok";
    }
  }

  /** The limit is on the interface method only. */
  public interface LimitedProbe extends Probe {
    @Override
    @RateLimit("2/hour")
    String call();
  }

  public static class OnInterface implements LimitedProbe {
    @Override
    public String call() {
      return "ok";
    }
  }

  public static class Composed implements Probe {
    @Override
    @TwoPerHour
    public String call() {
      return "ok";
    }
  }

  public static class ComposedTwice implements Probe {
    @Override
    @Throttled
    public String call() {
      return "ok";
    }
  }

  @Throttled
  public static class ComposedTwiceOnClass implements Probe {
    @Override
    public String call() {
      return "ok";
    }
  }

  public static class ComposedThrice implements Probe {
    @Override
    @DeeplyThrottled
    public String call() {
      return "ok";
    }
  }

  public static class Aliased implements Probe {
    @Override
    @Limited(rate = "2/hour")
    public String call() {
      return "ok";
    }
  }

  /** The limit is on a generic superclass's abstract method; the implementation is reached through a bridge. */
  public abstract static class GenericBase<T> implements Taker<T> {
    @Override
    @RateLimit("2/hour")
    public abstract String take(T value);
  }

  public static class GenericImpl extends GenericBase<String> {
    @Override
    public String take(String value) {
      return "ok";
    }
  }

  public static class SuperBase implements Probe {
    @Override
    @RateLimit("5/hour")
    public String call() {
      return "ok";
    }
  }

  /** An annotated override calling the annotated super: the override's 2/hour governs the call, charged once. */
  public static class SuperCall extends SuperBase {
    @Override
    @RateLimit("2/hour")
    public String call() {
      return super.call();
    }
  }

  /** An inherited limit: the override carries none and does not call super. */
  public static class InheritedNoSuper extends OnMethod {
    @Override
    public String call() {
      return "ok";
    }
  }

  /** Under a class-level limit, call() calls this.inner(): one call, one permit. */
  @RateLimit("2/hour")
  public static class ClassLevelSelfCall implements Probe {
    @Override
    public String call() {
      return inner();
    }

    public String inner() {
      return "ok";
    }
  }

  /** The limit is on a private method. */
  public static class PrivateMethod implements Probe {
    @Override
    public String call() {
      return limited();
    }

    @RateLimit("2/hour")
    private String limited() {
      return "ok";
    }
  }

  /** A class-level limit over a private request handler, which no proxy can intercept. */
  @RateLimit("2/hour")
  public static class PrivateHandler implements Probe {
    @Override
    public String call() {
      return secret();
    }

    @org.springframework.web.bind.annotation.GetMapping("/secret")
    private String secret() {
      return "ok";
    }
  }

  /** The limited method is reached by a call on itself. */
  public static class SelfInvocation implements Probe {
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
