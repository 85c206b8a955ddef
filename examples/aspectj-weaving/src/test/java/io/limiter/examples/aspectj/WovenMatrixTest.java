package io.limiter.examples.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspect;
import io.limiter.spring.aop.RateLimitAspectSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.aspectj.lang.Aspects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The AspectJ column of the annotation matrix (docs/spring.md): every shape of {@code @RateLimit}, woven by ajc, is
 * either enforced exactly once per call or fails validation (what {@code @EnableRateLimiting(mode = ASPECTJ)} runs at
 * startup) with a message naming the method. No cell runs unlimited.
 */
class WovenMatrixTest {

  /**
   * One cell.
   *
   * @param shape the row
   * @param bean the bean class
   * @param call makes the bean and returns one call of it
   * @param failure null if the limit must be enforced exactly once, else what the failure must name
   */
  record Cell(String shape, Class<?> bean, Supplier<Supplier<String>> call, String failure) {
    @Override
    public String toString() {
      return shape + " → " + (failure == null ? "enforced once" : "validation fails naming " + failure);
    }
  }

  private static Supplier<Supplier<String>> probe(Supplier<WovenShapes.Probe> factory) {
    return () -> {
      WovenShapes.Probe probe = factory.get();
      return probe::call;
    };
  }

  static Stream<Arguments> cells() {
    List<Cell> cells = new ArrayList<>();
    cells.add(new Cell("method-level", WovenShapes.OnMethod.class, probe(WovenShapes.OnMethod::new), null));
    cells.add(new Cell("class-level", WovenShapes.OnClass.class, probe(WovenShapes.OnClass::new), null));
    cells.add(new Cell("interface method only", WovenShapes.OnInterface.class, probe(WovenShapes.OnInterface::new),
        "WovenShapes.OnInterface.call() (declared on WovenShapes.LimitedProbe.call())"));
    cells.add(new Cell("composed", WovenShapes.Composed.class, probe(WovenShapes.Composed::new), null));
    cells.add(new Cell("composed twice", WovenShapes.ComposedTwice.class, probe(WovenShapes.ComposedTwice::new),
        null));
    cells.add(new Cell("composed twice on class", WovenShapes.ComposedTwiceOnClass.class,
        probe(WovenShapes.ComposedTwiceOnClass::new), null));
    cells.add(new Cell("composed three times", WovenShapes.ComposedThrice.class,
        probe(WovenShapes.ComposedThrice::new), "WovenShapes.ComposedThrice.call()"));
    cells.add(new Cell("@AliasFor composed", WovenShapes.Aliased.class, probe(WovenShapes.Aliased::new), null));
    cells.add(new Cell("generic supertype, bridge", WovenShapes.GenericImpl.class, () -> {
      WovenShapes.Taker<String> taker = new WovenShapes.GenericImpl();
      return () -> taker.take("x");
    }, "WovenShapes.GenericImpl.take(String)"));
    cells.add(new Cell("annotated override calls annotated super", WovenShapes.SuperCall.class,
        probe(WovenShapes.SuperCall::new), null));
    cells.add(new Cell("inherited, override without super", WovenShapes.InheritedNoSuper.class,
        probe(WovenShapes.InheritedNoSuper::new), "WovenShapes.InheritedNoSuper.call()"));
    cells.add(new Cell("class-level, call() calls this.inner()", WovenShapes.ClassLevelSelfCall.class,
        probe(WovenShapes.ClassLevelSelfCall::new), null));
    cells.add(new Cell("private method", WovenShapes.PrivateMethod.class, probe(WovenShapes.PrivateMethod::new),
        null));
    cells.add(new Cell("self-invocation", WovenShapes.SelfInvocation.class, probe(WovenShapes.SelfInvocation::new),
        null));
    return cells.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void enforcedExactlyOnceOrValidationFails(Cell cell) {
    RateLimitAspectSupport support = RateLimitAspectSupport.builder()
        .registry(RateLimiterRegistry.builder().store(RateLimitStore.inMemory()).build())
        .proxyMode(false)
        .build();
    if (cell.failure() != null) {
      assertThatThrownBy(() -> support.validate(cell.bean())).isInstanceOf(RateLimitConfigException.class)
          .hasMessageContaining(cell.failure());
      return;
    }
    support.validate(cell.bean());
    Aspects.aspectOf(RateLimitAspect.class).setSupport(support);
    Supplier<String> call = cell.call().get();
    assertThat(call.get()).isEqualTo("ok");
    assertThat(call.get()).as("second call: a double charge would reject it").isEqualTo("ok");
    assertThatThrownBy(call::get).as("third call: the 2/hour limit applies")
        .isInstanceOf(RateLimitExceededException.class);
  }
}
