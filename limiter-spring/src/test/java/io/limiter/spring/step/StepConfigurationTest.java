package io.limiter.spring.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterMetricsAutoConfiguration;
import io.limiter.spring.boot.actuate.RateLimitsEndpointAutoConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Step settings from properties and annotations through {@link ApplicationContextRunner}: controllers are built,
 * started with the context and closed with it; every mistake fails startup with one exception whose lines name the
 * property or annotation element.
 */
class StepConfigurationTest {

  private static final AutoConfigurations LIMITER = AutoConfigurations.of(LimiterAutoConfiguration.class,
      LimiterMetricsAutoConfiguration.class, RateLimitsEndpointAutoConfiguration.class);

  private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(LIMITER);

  private static List<String> problems(ApplicationContextAssertProvider<?> context) {
    assertThat(context).hasFailed();
    Throwable t = context.getStartupFailure();
    while (t != null && !(t instanceof RateLimitConfigException)) {
      t = t.getCause();
    }
    assertThat(t).as("a RateLimitConfigException in " + context.getStartupFailure()).isNotNull();
    return ((RateLimitConfigException) t).problems();
  }

  @Test
  void controllersFromPropertiesAndBeansAreStartedWithTheContextAndClosedWithIt() {
    StepController[] seen = new StepController[2];
    plain.withBean("queue", HealthSignal.class, () -> HealthSignal.threshold("queue-depth", () -> 3, 100))
        .withBean("mine", StepController.class, () -> StepController.builder("mine").build())
        .withPropertyValues("limiter.adaptive.api-health.latency=p99 300ms",
            "limiter.adaptive.api-health.levels=100%, 60%, 20%", "limiter.adaptive.api-health.floor=60%",
            "limiter.adaptive.api-health.signals=queue-depth")
        .run(context -> {
          StepControllerRegistry controllers = context.getBean(StepControllerRegistry.class);
          assertThat(controllers.names()).containsExactly("api-health", "mine");
          StepController health = controllers.controller("api-health");
          assertThat(health.levels()).containsExactly(1.0, 0.6, 0.2);
          assertThat(health.floor()).isOne();
          assertThat(health.signals()).extracting(HealthSignal::name).contains("queue-depth");
          assertThat(health.running()).isTrue();
          seen[0] = health;
          seen[1] = controllers.controller("mine");
          assertThat(seen[1].running()).isTrue();
        });
    assertThat(seen[0].running()).as("closed with the context").isFalse();
    assertThat(seen[1].running()).isFalse();
  }

  @Test
  void customSignalsAreSampledOnTheApplicationsTaskExecutor() {
    List<String> sampledOn = new CopyOnWriteArrayList<>();
    HealthSignal queue = HealthSignal.threshold("queue-depth", () -> {
      sampledOn.add(Thread.currentThread().getName());
      return 3;
    }, 100);
    plain.withBean("queue", HealthSignal.class, () -> queue)
        .withBean("applicationTaskExecutor", Executor.class, () -> {
          ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
          executor.setThreadNamePrefix("app-task-");
          return executor;
        })
        .withPropertyValues("limiter.adaptive.api-health.interval=10ms",
            "limiter.adaptive.api-health.signals=queue-depth")
        .run(context -> {
          assertThat(context).hasNotFailed();
          await().atMost(Duration.ofSeconds(60)).until(() -> sampledOn.size() >= 2);
          assertThat(sampledOn).allMatch(n -> n.startsWith("app-task-"));
        });
  }

  private static final String[] BAD_POLICIES = {
      "limiter.policies.a.limits=10/minute",
      "limiter.policies.a.tiers=free=10/minit",
      "limiter.policies.a.tier-key=trusted:header:X-Plan",
      "limiter.policies.b.limits=10/minute",
      "limiter.policies.b.adaptive=nope",
      "limiter.policies.c.limits=10/minute",
      "limiter.policies.c.tiers=pro=20/minute",
      "limiter.policies.c.tier-key=cookie:plan",
      "limiter.policies.d.limits=10/minute",
      "limiter.policies.d.tiers=pro=10/second; 100/minute",
      "limiter.policies.d.tier-key=trusted:header:X-Plan",
      "limiter.policies.e.limits=10/minute",
      "limiter.policies.e.penalty=5/minute => block"};

  @Test
  void everyPropertyProblemIsNamed() {
    plain.withPropertyValues(BAD_POLICIES).withPropertyValues(
        "limiter.adaptive.api-health.down-after=0",
        "limiter.adaptive.api-health.latency=p95 fast",
        "limiter.adaptive.other.signals=db-pool").run(context -> {
          List<String> problems = problems(context);
          assertThat(problems)
              .anySatisfy(p -> assertThat(p).startsWith("property limiter.adaptive.api-health.down-after: "))
              .anySatisfy(p -> assertThat(p).startsWith("property limiter.adaptive.api-health.latency: "))
              .anySatisfy(p -> assertThat(p).startsWith("property limiter.adaptive.other.signals: ")
                  .contains("db-pool"))
              .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.a.tiers: invalid tier spec"))
              .noneSatisfy(p -> assertThat(p).contains("unknown step controller \"api-health\""));
        });
    // with valid controllers, the policies alone
    plain.withPropertyValues(BAD_POLICIES).withPropertyValues(
        "limiter.adaptive.api-health.latency=p95 250ms",
        "limiter.policies.f.limits=10/minute",
        "limiter.policies.f.tiers=pro=20/minute").run(context -> assertThat(problems(context))
            .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.a.tiers: invalid tier spec "
                + "\"free=10/minit\" at position"))
            .anySatisfy(p -> assertThat(p).isEqualTo("property limiter.policies.b.adaptive: unknown step controller "
                + "\"nope\"; known controllers: [api-health]"))
            .anySatisfy(p -> assertThat(p).isEqualTo("property limiter.policies.c.tier-key: tier key \"cookie:plan\" "
                + "is not a tier key; use attribute:<name>, authority:<prefix>, a SpEL expression, "
                + "trusted:header:<name> or trusted:principal"))
            .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.d.*: policy d: tier pro has 2 limits"))
            .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.e.penalty: invalid penalty spec"))
            .anySatisfy(p -> assertThat(p).isEqualTo("property limiter.policies.f.*: tiers need a tier key (property "
                + "limiter.policies.f.tier-key, e.g. attribute:plan) to find a call's tier")));
  }

  /** Annotations with step settings that cannot work. */
  public static class BadSteps {
    @RateLimit(value = "10/minute", tiers = "pro=20/minute")
    public void noTierKey() {
    }

    @RateLimit(value = "10/minute", adaptive = "nope")
    public void unknownController() {
    }

    @RateLimit(name = "configured", tiers = "pro=20/minute", tierKey = "trusted:header:X-Plan")
    public void stepsOnANamedPolicy() {
    }

    @RateLimit(value = "10/minute", tiers = "pro=20/minute", tierKey = "#missing")
    public void unknownSpelVariable(String plan) {
    }

    @RateLimit(value = "10/minute", schedule = "zone=UTC; Mon = 1000/minit")
    public void badSchedule() {
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class WithBadSteps {
    @Bean
    BadSteps badSteps() {
      return new BadSteps();
    }
  }

  @Test
  void everyAnnotationProblemIsNamed() {
    plain.withUserConfiguration(WithBadSteps.class).withPropertyValues("limiter.policies.configured.limits=5/second")
        .run(context -> assertThat(problems(context))
            .anySatisfy(p -> assertThat(p).startsWith("@RateLimit on StepConfigurationTest.BadSteps.noTierKey(): "
                + "tiers need a tier key (@RateLimit(tierKey) on StepConfigurationTest.BadSteps.noTierKey()"))
            .anySatisfy(p -> assertThat(p).isEqualTo("@RateLimit(adaptive) on "
                + "StepConfigurationTest.BadSteps.unknownController(): unknown step controller \"nope\"; known "
                + "controllers: none"))
            .anySatisfy(p -> assertThat(p).isEqualTo("@RateLimit on StepConfigurationTest.BadSteps"
                + ".stepsOnANamedPolicy(): tiers, tierKey apply to inline policies (with value); set them on the "
                + "configured policy configured instead (limiter.policies.configured.*)"))
            .anySatisfy(p -> assertThat(p).startsWith("@RateLimit(tierKey) on StepConfigurationTest.BadSteps"
                + ".unknownSpelVariable(String): key \"#missing\""))
            .anySatisfy(p -> assertThat(p).startsWith("@RateLimit(schedule) on StepConfigurationTest.BadSteps"
                + ".badSchedule(): invalid schedule spec")));
  }

  @Test
  void aStoppedContextStartsItsControllersAgain() {
    plain.withPropertyValues("limiter.adaptive.h.latency=p95 250ms", "limiter.adaptive.h.interval=1h")
        .run(context -> {
          StepController c = context.getBean(StepControllerRegistry.class).controller("h");
          assertThat(c.running()).isTrue();
          context.stop();
          assertThat(c.running()).isFalse();
          context.start(); // pause and resume, CRaC: the same controller ticks again
          assertThat(c.running()).isTrue();
        });
  }

  @Test
  void aUrlRuleCannotUseAPolicyWhoseTierKeyIsSpel() {
    new WebApplicationContextRunner().withConfiguration(LIMITER).withPropertyValues(
        "limiter.policies.api.limits=10/minute", "limiter.policies.api.tiers=pro=20/minute",
        "limiter.policies.api.tier-key=#request.getHeader('X-Plan')",
        "limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].policy=api")
        .run(context -> assertThat(problems(context)).containsExactly("property limiter.filter.rules[0].policy=\"api\": "
            + "property limiter.policies.api.tier-key: tier key \"#request.getHeader('X-Plan')\" is SpEL, which URL "
            + "rules cannot evaluate (they run before any method); use attribute:<name> or authority:<prefix>"));
  }
}
