package io.limiter.spring.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitExceededException;
import io.limiter.spring.EnableRateLimiting;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * The Spring proxy columns of the annotation matrix (docs/spring.md): every shape of {@code @RateLimit} on a bean,
 * behind a JDK proxy and behind a CGLIB proxy, is either enforced exactly once per call or fails the startup with a
 * message naming the method. No cell runs unlimited.
 */
class BeanMatrixTest {

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting
  static class JdkProxies {
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting(proxyTargetClass = true)
  static class CglibProxies {
  }

  enum Path {
    JDK(JdkProxies.class), CGLIB(CglibProxies.class);

    final Class<?> configuration;

    Path(Class<?> configuration) {
      this.configuration = configuration;
    }
  }

  /**
   * One cell.
   *
   * @param shape the row
   * @param path the column
   * @param bean the bean class
   * @param entry the type the bean is called through
   * @param call one call
   * @param failure null if the limit must be enforced exactly once, else what the startup failure must name
   */
  record Cell(String shape, Path path, Class<?> bean, Class<?> entry, Function<Object, String> call,
      String failure) {
    @Override
    public String toString() {
      return shape + " × " + path + " → " + (failure == null ? "enforced once" : "startup fails naming " + failure);
    }
  }

  private static final Function<Object, String> PROBE = b -> ((Shapes.Probe) b).call();

  @SuppressWarnings("unchecked")
  private static final Function<Object, String> TAKE = b -> ((Shapes.Taker<String>) b).take("x");

  static Stream<Arguments> cells() {
    List<Cell> cells = new ArrayList<>();
    for (Path p : Path.values()) {
      cells.add(new Cell("method-level", p, Shapes.OnMethod.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("class-level", p, Shapes.OnClass.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("interface method only", p, Shapes.OnInterface.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("composed", p, Shapes.Composed.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("composed twice", p, Shapes.ComposedTwice.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("composed twice on class", p, Shapes.ComposedTwiceOnClass.class, Shapes.Probe.class, PROBE,
          null));
      cells.add(new Cell("composed three times", p, Shapes.ComposedThrice.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("@AliasFor composed", p, Shapes.Aliased.class, Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("generic supertype, bridge", p, Shapes.GenericImpl.class, Shapes.Taker.class, TAKE, null));
      cells.add(new Cell("annotated override calls annotated super", p, Shapes.SuperCall.class, Shapes.Probe.class,
          PROBE, null));
      cells.add(new Cell("inherited, override without super", p, Shapes.InheritedNoSuper.class, Shapes.Probe.class,
          PROBE, null));
      cells.add(new Cell("class-level, call() calls this.inner()", p, Shapes.ClassLevelSelfCall.class,
          Shapes.Probe.class, PROBE, null));
      cells.add(new Cell("private method", p, Shapes.PrivateMethod.class, Shapes.Probe.class, PROBE,
          "private method Shapes.PrivateMethod.limited()"));
      cells.add(new Cell("class-level, private request handler", p, Shapes.PrivateHandler.class,
          Shapes.Probe.class, PROBE, "covers private method Shapes.PrivateHandler.secret()"));
      cells.add(new Cell("self-invocation", p, Shapes.SelfInvocation.class, Shapes.Probe.class, PROBE,
          "when Shapes.SelfInvocation.call() calls Shapes.SelfInvocation.limited() on itself"));
    }
    return cells.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void enforcedExactlyOnceOrStartupFails(Cell cell) {
    new ApplicationContextRunner().withUserConfiguration(cell.path().configuration)
        .withBean(cell.bean()).run(context -> {
          if (cell.failure() != null) {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).satisfiesAnyOf(
                e -> assertThat(e).isInstanceOf(RateLimitConfigException.class).hasMessageContaining(cell.failure()),
                e -> assertThat(e).rootCause().isInstanceOf(RateLimitConfigException.class)
                    .hasMessageContaining(cell.failure()));
            return;
          }
          assertThat(context).hasNotFailed();
          Object bean = context.getBean(cell.entry());
          assertThat(cell.path() == Path.JDK ? AopUtils.isJdkDynamicProxy(bean) : AopUtils.isCglibProxy(bean))
              .as("proxied as " + cell.path()).isTrue();
          assertThat(cell.call().apply(bean)).isEqualTo("ok");
          assertThat(cell.call().apply(bean)).as("second call: a double charge would reject it").isEqualTo("ok");
          assertThatThrownBy(() -> cell.call().apply(bean)).as("third call: the 2/hour limit applies")
              .isInstanceOf(RateLimitExceededException.class);
        });
  }
}
