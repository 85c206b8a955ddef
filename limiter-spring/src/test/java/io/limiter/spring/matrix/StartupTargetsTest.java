package io.limiter.spring.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.EnableRateLimiting;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * Which classes the startup check sees: the target behind a JDK proxy, and for a lazy bean declared by interface
 * the interface (annotations only on its implementation fail at the first call instead, never run unlimited).
 */
class StartupTargetsTest {

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting
  static class JdkProxies {
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting(failOnUnenforced = false)
  static class WarnOnly {
  }

  /** Valid on the interface method, invalid on a method only the implementation has. */
  public static class BrokenImplementation implements Shapes.Probe {
    @Override
    @RateLimit("2/hour")
    public String call() {
      return "ok";
    }

    @RateLimit("10/fortnight")
    public String other() {
      return "other";
    }
  }

  /** An invalid annotation on the interface method. */
  public interface BrokenProbe extends Shapes.Probe {
    @Override
    @RateLimit("10/fortnight")
    String call();
  }

  public static class BrokenThroughInterface implements BrokenProbe {
    @Override
    public String call() {
      return "ok";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class LazyByInterface {
    @Bean
    @Lazy
    BrokenProbe lazyProbe() {
      return new BrokenThroughInterface();
    }
  }

  /** Invalid on the implementation only. */
  public static class BrokenCall implements Shapes.Probe {
    @Override
    @RateLimit("10/fortnight")
    public String call() {
      return "ok";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class LazyImplementationOnly {
    @Bean
    @Lazy
    Shapes.Probe lazyProbe() {
      return new BrokenCall();
    }
  }

  @Test
  void theTargetBehindAJdkProxyIsChecked() {
    new ApplicationContextRunner().withUserConfiguration(JdkProxies.class).withBean(BrokenImplementation.class)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).hasStackTraceContaining("StartupTargetsTest.BrokenImplementation"
              + ".other()").hasStackTraceContaining("10/fortnight");
        });
  }

  @Test
  void failOnUnenforcedFalseTurnsASelfInvocationIntoAWarning() {
    new ApplicationContextRunner().withUserConfiguration(WarnOnly.class).withBean(Shapes.SelfInvocation.class)
        .run(context -> assertThat(context).hasNotFailed());
    new ApplicationContextRunner().withUserConfiguration(WarnOnly.class).withBean(Shapes.PrivateMethod.class)
        .run(context -> assertThat(context).as("an annotation no proxy can reach still fails").hasFailed());
  }

  @Test
  void aLazyBeanDeclaredByInterfaceIsCheckedThroughTheInterface() {
    new ApplicationContextRunner().withUserConfiguration(JdkProxies.class, LazyByInterface.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("StartupTargetsTest.BrokenProbe.call()");
    });
  }

  @Test
  void annotationsOnlyOnALazyImplementationFailAtTheFirstCall() {
    new ApplicationContextRunner().withUserConfiguration(JdkProxies.class, LazyImplementationOnly.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          Shapes.Probe probe = context.getBean(Shapes.Probe.class);
          assertThat(AopUtils.isJdkDynamicProxy(probe)).isTrue();
          assertThatThrownBy(probe::call).isInstanceOf(RateLimitConfigException.class)
              .hasMessageContaining("10/fortnight");
        });
  }
}
