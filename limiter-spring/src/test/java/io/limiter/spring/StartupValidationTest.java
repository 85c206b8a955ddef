package io.limiter.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

import io.limiter.annotation.RateLimit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspectSupport;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every bad {@code @RateLimit} fails the context startup with one {@link RateLimitConfigException} that names
 * the method, before any call.
 */
class StartupValidationTest {

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting
  static class Base {
    @Bean
    LimitPolicy search() {
      return LimitPolicy.of("search", "10/second");
    }

    @Bean
    LimitPolicy reports() {
      return LimitPolicy.of("reports", "1/minute");
    }
  }

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Base.class);

  public static class BadSpec {
    @RateLimit("10/fortnight")
    public void call() {
    }
  }

  public static class UnknownPolicy {
    @RateLimit(name = "serch")
    public void call() {
    }
  }

  public static class BadSpel {
    @RateLimit(value = "1/second", key = "#id +")
    public void call(String id) {
    }
  }

  public static class UnknownVariable {
    @RateLimit(value = "1/second", key = "#userId")
    public void call(String id) {
    }
  }

  public static class UnknownResolver {
    @RateLimit(value = "1/second", key = "tenant")
    public void call() {
    }
  }

  public static class PrivateMethod {
    public void outer() {
      inner();
    }

    @RateLimit("1/second")
    private void inner() {
    }
  }

  public static class FinalMethod {
    @RateLimit("1/second")
    public final void call() {
    }
  }

  public static class StaticMethod {
    @RateLimit("1/second")
    public static void call() {
    }
  }

  public static class NeitherValueNorName {
    @RateLimit
    public void call() {
    }
  }

  public static class MissingFallback {
    @RateLimit("1/second")
    @RateLimitFallback("cached")
    public String call(String symbol) {
      return symbol;
    }
  }

  public static class WrongFallbackType {
    @RateLimit("1/second")
    @RateLimitFallback("cached")
    public String call(String symbol) {
      return symbol;
    }

    Integer cached(String symbol, io.limiter.core.RateLimitExceededException e) {
      return 0;
    }
  }

  public static class CostAboveCapacity {
    @RateLimit(name = "reports", cost = 2)
    public void call() {
    }
  }

  public static class InlineNameClash {
    @RateLimit(value = "5/minute", name = "search")
    public void call() {
    }
  }

  @RateLimit("1/second")
  public static class ClassLevelOverFinal {
    public final void call() {
    }
  }

  public static class WaitOnAWindow {
    @RateLimit(value = "10/second", algorithm = io.limiter.core.Algorithm.FIXED_WINDOW, maxWait = "2s")
    public void call() {
    }
  }

  public static class WaitWithChargeOn {
    @RateLimit(value = "10/second", maxWait = "2 seconds", chargeOn = "5xx")
    public void call() {
    }
  }

  public static class BadWait {
    @RateLimit(value = "10/second", maxWait = "2 fortnights")
    public void call() {
    }
  }

  @Test
  void maxWaitNeedsATokenBucket() {
    failsNaming(WaitOnAWindow.class, "@RateLimit on StartupValidationTest.WaitOnAWindow.call(): maxWait \"2s\"",
        "uses FIXED_WINDOW, which cannot reserve a future slot", "needs TOKEN_BUCKET");
  }

  @Test
  void maxWaitCannotBeSettledOnTheOutcome() {
    failsNaming(WaitWithChargeOn.class, "maxWait \"2 seconds\" cannot be combined with chargeOn");
  }

  @Test
  void maxWaitIsADuration() {
    failsNaming(BadWait.class, "@RateLimit on StartupValidationTest.BadWait.call(): maxWait", "fortnights");
  }

  private void failsNaming(Class<?> bean, String... fragments) {
    runner.withBean(bean).run(context -> {
      RateLimitConfigException e = failure(context);
      assertThat(e.problems()).hasSize(1);
      assertThat(e.getMessage()).contains(fragments);
    });
  }

  private static RateLimitConfigException failure(AssertableApplicationContext context) {
    assertThat(context).hasFailed();
    Throwable t = context.getStartupFailure();
    while (t != null && !(t instanceof RateLimitConfigException)) {
      t = t.getCause();
    }
    assertThat(t).as("cause of %s", context.getStartupFailure()).isInstanceOf(RateLimitConfigException.class);
    return (RateLimitConfigException) t;
  }

  @Test
  void badSpec() {
    failsNaming(BadSpec.class, "@RateLimit on StartupValidationTest.BadSpec.call()", "10/fortnight",
        "not a rate spec");
  }

  @Test
  void unknownPolicyListsTheKnownNames() {
    failsNaming(UnknownPolicy.class, "UnknownPolicy.call()", "unknown policy \"serch\"", "[reports, search]");
  }

  @Test
  void spelSyntaxError() {
    failsNaming(BadSpel.class, "BadSpel.call(String)", "#id +", "not valid SpEL");
  }

  @Test
  void spelVariableThatIsNoParameter() {
    failsNaming(UnknownVariable.class, "UnknownVariable.call(String)", "#userId is not a parameter", "[id]");
  }

  @Test
  void unknownKeyResolver() {
    failsNaming(UnknownResolver.class, "UnknownResolver.call()", "key \"tenant\"", "known resolvers");
  }

  @Test
  void privateMethod() {
    failsNaming(PrivateMethod.class, "private method StartupValidationTest.PrivateMethod.inner()",
        "cannot intercept", "AdviceMode.ASPECTJ");
  }

  @Test
  void finalMethod() {
    failsNaming(FinalMethod.class, "final method StartupValidationTest.FinalMethod.call()", "make it non-final");
  }

  @Test
  void staticMethod() {
    failsNaming(StaticMethod.class, "static method StartupValidationTest.StaticMethod.call()");
  }

  @Test
  void classLevelAnnotationOverAFinalPublicMethod() {
    failsNaming(ClassLevelOverFinal.class, "class-level @RateLimit of StartupValidationTest.ClassLevelOverFinal covers "
        + "final method StartupValidationTest.ClassLevelOverFinal.call()");
  }

  @Test
  void neitherValueNorName() {
    failsNaming(NeitherValueNorName.class, "NeitherValueNorName.call()", "set value", "known policies");
  }

  @Test
  void missingFallback() {
    failsNaming(MissingFallback.class, "@RateLimitFallback(\"cached\") of StartupValidationTest.MissingFallback"
        + ".call(String)", "no method cached(String, RateLimitExceededException)");
  }

  @Test
  void fallbackWithAnIncompatibleReturnType() {
    failsNaming(WrongFallbackType.class, "WrongFallbackType.cached(String, RateLimitExceededException) returns "
        + "Integer");
  }

  @Test
  void costAboveTheCapacityOfANamedPolicy() {
    failsNaming(CostAboveCapacity.class, "CostAboveCapacity.call()", "cost 2 exceeds the capacity 1");
  }

  @Test
  void anInlinePolicyCannotRedefineAConfiguredOne() {
    failsNaming(InlineNameClash.class, "InlineNameClash.call()", "\"search\" is already registered");
  }

  @Test
  void everyProblemOfEveryBeanIsReportedAtOnce() {
    runner.withBean(BadSpec.class).withBean(UnknownPolicy.class).withBean(PrivateMethod.class)
        .withBean(BadSpel.class).run(context -> {
          RateLimitConfigException e = failure(context);
          assertThat(e.problems()).hasSize(4);
          assertThat(e.getMessage()).startsWith("Invalid rate limit configuration (4 problems):")
              .contains("BadSpec.call()", "UnknownPolicy.call()", "PrivateMethod.inner()", "BadSpel.call(String)");
        });
  }

  @Test
  void underAspectJWeavingPrivateFinalAndStaticMethodsAreFine() {
    RateLimitAspectSupport woven = RateLimitAspectSupport.builder().registry(RateLimiterRegistry.builder().build())
        .proxyMode(false).build();
    assertThatNoException().isThrownBy(() -> woven.validate(PrivateMethod.class, FinalMethod.class,
        StaticMethod.class));
  }
}
