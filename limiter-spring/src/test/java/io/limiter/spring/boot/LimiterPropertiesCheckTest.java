package io.limiter.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.Percentage;
import io.limiter.spring.boot.redis.LimiterRedisAutoConfiguration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

/** Misspelled, unknown and mistyped {@code limiter.*} properties fail startup together, each named with a hint. */
class LimiterPropertiesCheckTest {

  private static final AutoConfigurations LIMITER = AutoConfigurations.of(LimiterRedisAutoConfiguration.class,
      LimiterAutoConfiguration.class);

  private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(LIMITER);
  private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(LIMITER);

  @Test
  void misspelledNamesAreListedWithEveryOtherProblemAndTheNearestKnownName() {
    web.withPropertyValues("limiter.policies.x.limit=10/minute", "limiter.header-mod=legacy",
        "limiter.headers=both", "limiter.trusted-proxies=10.0.0.1",
        "limiter.filter.rules[0].path=/api/**", "limiter.filter.rules[0].limits=5/minute",
        "limiter.redis.key-prefx=orders:", "limiter.policies.y.limits=10/fortnight",
        "limiter.client-ip.trusted-proxies=not-an-ip").run(context -> {
          List<String> problems = problems(context);
          assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("limiter.policies.x.limit=\"10/minute\"")
              .endsWith("is not a known property; did you mean limiter.policies.x.limits?"));
          assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("limiter.header-mod=\"legacy\"")
              .endsWith("did you mean limiter.header-mode?"));
          assertThat(problems).as("former names, with their property source").anySatisfy(p -> assertThat(p)
              .startsWith("limiter.headers=\"both\" (\"limiter.headers\" from property source \"test\") was renamed "
                  + "to limiter.header-mode (one name for each concept in init-params and properties)"))
              .anySatisfy(p -> assertThat(p).startsWith("limiter.trusted-proxies=\"10.0.0.1\"")
                  .endsWith("was renamed to limiter.client-ip.trusted-proxies (one name for each concept in "
                      + "init-params and properties)"));
          assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("limiter.filter.rules[0].path=\"/api/**\"")
              .endsWith("did you mean limiter.filter.rules[0].paths?"));
          assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("limiter.redis.key-prefx=\"orders:\"")
              .endsWith("did you mean limiter.redis.key-prefix?"));
          assertThat(problems).as("the problems the misspellings cause, and the unrelated ones, are listed too")
              .contains("property limiter.filter.rules[0].paths is missing; set one or more path patterns such as /api/*")
              .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.y.limits=\"10/fortnight\""))
              .anySatisfy(p -> assertThat(p).startsWith("property limiter.client-ip.trusted-proxies=\"not-an-ip\": "
                  + "trusted proxy must be an IP address"));
          FailureAnalysis analysis = new RateLimitConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis.getDescription()).contains("(" + problems.size() + " problems)",
              "did you mean limiter.header-mode?", "did you mean limiter.redis.key-prefix?");
        });
  }

  @Test
  void aPropertiesFileWithMisspellingsGetsTheAnalysisOfDocsSpringMd() {
    plain.withInitializer(context -> {
      try {
        new PropertiesPropertySourceLoader().load("application.properties",
            new ClassPathResource("io/limiter/spring/boot/misspelled.properties")).forEach(source ->
                context.getEnvironment().getPropertySources().addFirst(source));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).run(context -> {
      problems(context);
      FailureAnalysis analysis = new RateLimitConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
      // the file is application.properties in the docs; here it has its own name, so as not to configure other tests
      assertThat(analysis.getDescription().replace("io/limiter/spring/boot/misspelled.properties",
          "application.properties")).isEqualTo("""
          The rate limit configuration is invalid (3 problems):

              limiter.headers="legacy" (class path resource [application.properties] - 2:17) \
          was renamed to limiter.header-mode (one name for each concept in init-params and properties)
              limiter.filter.rules[0].path="/api/**" (class path resource [application.properties] - 3:30) \
          is not a known property; did you mean limiter.filter.rules[0].paths?
              property limiter.filter.rules[0].paths is missing; set one or more path patterns such as /api/*""");
    });
  }

  @Test
  void anUnknownRedisNameDoesNotHideTheOtherProblemsEvenWithTheRedisStore() {
    plain.withPropertyValues("limiter.store=redis", "limiter.redis.comand-timeout=50ms",
        "limiter.policies.a.limits=").run(context -> assertThat(problems(context)).hasSize(2)
            .anySatisfy(p -> assertThat(p).endsWith("did you mean limiter.redis.command-timeout?"))
            .contains("property limiter.policies.a.limits is missing; set it to a rate such as 100/minute or "
                + "\"10/second; 1000/hour\""));
  }

  @Test
  void valuesOfTheWrongTypeNameThePropertyTheValueAndWhatIsExpected() {
    plain.withPropertyValues("limiter.header-mode=legasy", "limiter.max-keys=lots", "limiter.failure.log-interval=often",
        "limiter.policies.a.algorithm=leaky", "limiter.redis.instances=two").run(context -> assertThat(
            problems(context)).hasSize(5)
            .anySatisfy(p -> assertThat(p).startsWith("limiter.header-mode=\"legasy\"")
                .endsWith("is not one of ietf, legacy, both, none"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.max-keys=\"lots\"").endsWith("is not a whole number"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.failure.log-interval=\"often\"")
                .endsWith("is not a duration such as 500ms, 10s, 5m, 1h or 1d"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.policies.a.algorithm=\"leaky\"")
                .endsWith("is not one of token-bucket, fixed-window, sliding-window, moving-window, concurrency"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.redis.instances=\"two\"")));
  }

  @Test
  void aWarmUpOnAWindowOrWithoutAUnitIsNamedWithItsProperty() {
    plain.withPropertyValues("limiter.policies.chat.limits=10/second warmup 30s",
            "limiter.policies.chat.algorithm=sliding-window", "limiter.policies.feed.limits=10/second warmup 30")
        .run(context -> assertThat(problems(context)).hasSize(2)
            .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.chat.limits=\"10/second warmup 30s\": ")
                .contains("limit 10/second warmup 30s of policy chat warms up, but only TOKEN_BUCKET does"))
            .anySatisfy(p -> assertThat(p).startsWith("property limiter.policies.feed.limits=\"10/second warmup 30\"")
                .contains("at position 17: warm-up: duration \"30\" has no unit")));
  }

  @Test
  void aMovingWindowAboveItsLargestLogIsNamedWithItsProperty() {
    plain.withPropertyValues("limiter.policies.chat.limits=20000/hour", "limiter.policies.chat.algorithm=moving-window")
        .run(context -> assertThat(problems(context)).singleElement().asString()
            .startsWith("property limiter.policies.chat.limits=\"20000/hour\": ")
            .contains("limit 20000/hour of policy chat allows 20000 permits per window, more than the 10000 "
                + "timestamps MOVING_WINDOW logs per key"));
  }

  @Test
  void adaptiveSettingsAreTypedAndTheirWrongValuesNamed() {
    plain.withPropertyValues("limiter.adaptive.h.interval=soon", "limiter.adaptive.h.down-after=three",
        "limiter.adaptive.h.unknown=maybe", "limiter.adaptive.h.risky=ignore", "limiter.adaptive.h.in-flight=many",
        "limiter.adaptive.h.error-ratio=5%", "limiter.adaptive.h.cpu=85", "limiter.adaptive.h.levels=100%, 5O%")
        .run(context -> assertThat(problems(context)).containsExactlyInAnyOrder(
            "limiter.adaptive.h.interval=\"soon\" (\"limiter.adaptive.h.interval\" from property source \"test\") "
                + "is not a duration such as 500ms, 10s, 5m, 1h or 1d",
            "limiter.adaptive.h.down-after=\"three\" (\"limiter.adaptive.h.down-after\" from property source "
                + "\"test\") is not a whole number",
            "limiter.adaptive.h.unknown=\"maybe\" (\"limiter.adaptive.h.unknown\" from property source \"test\") "
                + "is not one of hold, healthy",
            "limiter.adaptive.h.risky=\"ignore\" (\"limiter.adaptive.h.risky\" from property source \"test\") "
                + "is not one of warn, refuse",
            "limiter.adaptive.h.in-flight=\"many\" (\"limiter.adaptive.h.in-flight\" from property source "
                + "\"test\") is not a whole number",
            "limiter.adaptive.h.cpu=\"85\" (\"limiter.adaptive.h.cpu\" from property source \"test\") is not a "
                + "percentage such as 75% or 12.5%",
            "limiter.adaptive.h.levels=\"100%, 5O%\" (\"limiter.adaptive.h.levels\" from property source \"test\") "
                + "is not a percentage such as 75% or 12.5%"));
    plain.withPropertyValues("limiter.adaptive.h.levels=100%, 50%,12.5%", "limiter.adaptive.h.floor=12.5%",
        "limiter.adaptive.h.error-ratio=5%", "limiter.adaptive.h.fast-down=off").run(context -> {
          assertThat(context).hasNotFailed();
          LimiterProperties.Adaptive bound = context.getBean(LimiterProperties.class).getAdaptive().get("h");
          assertThat(bound.getLevels()).containsExactly(Percentage.valueOf("100%"), Percentage.valueOf("50%"),
              Percentage.valueOf("12.5%"));
          assertThat(bound.toSpec()).containsEntry("levels", "100%, 50%, 12.5%").containsEntry("floor", "12.5%")
              .containsEntry("fast-down", "off");
        });
    LimiterProperties.Adaptive typed = new LimiterProperties.Adaptive();
    typed.setInterval(java.time.Duration.ofMillis(500));
    typed.setCooldown(java.time.Duration.ZERO);
    typed.setSignalTimeout(java.time.Duration.ofNanos(1500));
    typed.setSignals(List.of("queue", "disk"));
    typed.setUnknown(LimiterProperties.UnknownInterval.HEALTHY);
    assertThat(typed.toSpec()).containsEntry("interval", "500ms").containsEntry("cooldown", "0")
        .containsEntry("signal-timeout", "PT0.0000015S").containsEntry("signals", "queue, disk")
        .containsEntry("unknown", "healthy").containsEntry("down-after", "3").containsEntry("up-after", "10")
        .doesNotContainKey("risky");
    plain.withPropertyValues("limiter.adaptive.h.interval=250ms", "limiter.adaptive.h.cooldown=0",
        "limiter.adaptive.h.down-after=0", "limiter.adaptive.h.error-ratio=5%").run(context -> assertThat(
            problems(context)).as("values that convert but are out of range: the controller's own check")
            .containsExactly("property limiter.adaptive.h.down-after: invalid value \"0\" at position 0: "
                + "must be >= 1 but was 0"));
  }

  @Test
  void maxKeysBelowTheMinimumIsAnalyzedNotARawStackTrace() {
    plain.withPropertyValues("limiter.max-keys=15").run(context -> {
      assertThat(problems(context)).containsExactly("property limiter.max-keys=\"15\": maxKeys must be >= 16 but "
          + "was 15");
      assertThat(new RateLimitConfigurationFailureAnalyzer().analyze(context.getStartupFailure())).isNotNull();
    });
    plain.withPropertyValues("limiter.max-keys=16").run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void groupsAndValuesAreNotConfusedWithEachOther() {
    plain.withPropertyValues("limiter.policies.x=10/minute", "limiter.header-mode.mode=ietf",
        "limiter.filter.rules.paths=/a", "limiter.filter=on").run(context -> assertThat(problems(context))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.policies.x=\"10/minute\"")
                .contains("is a group of properties, not a value; set one of ", "limiter.policies.x.limits"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.header-mode.mode=")
                .endsWith("limiter.header-mode is a single value, it has no mode"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.filter.rules.paths=")
                .contains("limiter.filter.rules is a list"))
            .anySatisfy(p -> assertThat(p).startsWith("limiter.filter=\"on\"").contains("is a group")));
  }

  @Test
  void everyDocumentedSpellingStarts() {
    web.withPropertyValues("limiter.enabled=true", "limiter.store=memory", "limiter.max-keys=1000",
        "limiter.header-mode=both", "limiter.missing-key=skip", "limiter.policies.api.limits=10/second",
        "limiter.policies[other].limits=5/minute", "limiter.policies.api.failure-mode=fail-closed",
        "limiter.policies.api.tier-key=trusted:header:X-Plan", "limiter.policies.api.tiers=free=1/minute; default=free",
        "limiter.adaptive.health.error-ratio=5%", "limiter.adaptive.health.interval=1h",
        "limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].policy=api",
        "limiter.filter.rules[0].methods=GET,POST", "limiter.filter.exclude[0]=/actuator/health",
        "limiter.filter.caseSensitivePaths=false", "limiter.filter.missing_key_status=401",
        "limiter.client-ip.trusted-proxies=10.0.0.0/8", "limiter.client-ip.ipv6-prefix-length=56",
        "limiter.failure.closed-retry-after=5s", "limiter.redis.key-prefix=app:", "limiter.redis.instances=2")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  void environmentVariablesOfOtherProgramsAreNotTakenForMisspellingsButSystemPropertiesAre() {
    plain.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
        new SystemEnvironmentPropertySource("systemEnvironment", Map.of("LIMITER_HOME", "/opt/limiter"))))
        .run(context -> assertThat(context).hasNotFailed());
    plain.withSystemProperties("limiter.test.redis-server=embedded").run(context -> assertThat(context)
        .as("the test kit's switch").hasNotFailed());
    plain.withSystemProperties("limiter.polices.a.limits=1/second").run(context -> assertThat(problems(context))
        .singleElement().asString().contains("did you mean limiter.policies?"));
  }

  @Test
  void offMeansNoCheck() {
    plain.withPropertyValues("limiter.enabled=false", "limiter.headrs=legacy")
        .run(context -> assertThat(context).hasNotFailed());
  }

  private static List<String> problems(ApplicationContextAssertProvider<?> context) {
    assertThat(context).hasFailed();
    Throwable cause = context.getStartupFailure();
    while (cause != null && !(cause instanceof RateLimitConfigException)) {
      cause = cause.getCause();
    }
    assertThat(cause).as("a RateLimitConfigException in %s", context.getStartupFailure()).isNotNull();
    return ((RateLimitConfigException) cause).problems();
  }
}
