package io.limiter.spring.boot.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterPolicyRefresh;
import io.limiter.test.ManualTicker;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * {@link LimiterCloudRefreshAutoConfiguration}: an {@link EnvironmentChangeEvent} naming a {@code limiter.} key (in
 * any relaxed spelling) re-applies the policies, one naming only other keys does not, a refused update is logged
 * with its listing and changes nothing; without spring-cloud-context on the class path, the rest works as before.
 */
class LimiterCloudRefreshAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class,
          LimiterCloudRefreshAutoConfiguration.class))
      .withBean(RateLimitStore.class, () -> RateLimitStore.builder().ticker(new ManualTicker(0)).buildInMemory())
      .withPropertyValues("limiter.policies.api.limits=10/second");

  private static String spec(ConfigurableApplicationContext context) {
    return context.getBean(RateLimiterRegistry.class).limiter("api").policy().spec().toString();
  }

  /** Puts values first in the environment, as a config server's or config map's source is, then says which keys. */
  private static void change(ConfigurableApplicationContext context, Map<String, Object> values, String... keys) {
    change(context, new MapPropertySource("changed", new HashMap<>(values)), keys);
  }

  private static void change(ConfigurableApplicationContext context, PropertySource<?> source, String... keys) {
    context.getEnvironment().getPropertySources().addFirst(source);
    context.publishEvent(new EnvironmentChangeEvent(context, Set.of(keys)));
  }

  @Test
  void aLimiterKeyReappliesThePolicies() {
    runner.run(context -> {
      assertThat(context).hasSingleBean(LimiterEnvironmentChangeListener.class);
      try (ListenerLog log = new ListenerLog()) {
        change(context, Map.of("limiter.policies.api.limits", "20/second"), "limiter.policies.api.limits");
        assertThat(spec(context)).isEqualTo("20/second");
        assertThat(log.messages()).singleElement().asString().startsWith("INFO").contains("api 10/second -> 20/second");
      }
    });
  }

  @Test
  void otherKeysAreIgnored() {
    runner.run(context -> {
      change(context, Map.of("limiter.policies.api.limits", "20/second"), "server.port", "limiterx.a", "my.limiter.b");
      assertThat(spec(context)).as("not refreshed for keys outside limiter.").isEqualTo("10/second");
    });
  }

  @Test
  void relaxedSpellingsOfTheKeyCount() {
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey("LIMITER_POLICIES_API_LIMITS")).isTrue();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey("Limiter.Policies.api.limits")).isTrue();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey("limiter[policies]")).isTrue();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey(" limiter.enabled")).isTrue();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey("limiters.x")).isFalse();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey("LIMITERX")).isFalse();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey("app.limiter.x")).isFalse();
    assertThat(LimiterEnvironmentChangeListener.isLimiterKey(null)).isFalse();
    runner.run(context -> {
      // as a config map mounted as environment variables: bound in the relaxed way of the system environment
      change(context, new SystemEnvironmentPropertySource("env", Map.of("LIMITER_POLICIES_API_LIMITS", "30/second")),
          "LIMITER_POLICIES_API_LIMITS");
      assertThat(spec(context)).isEqualTo("30/second");
    });
  }

  @Test
  void aRefusedUpdateIsLoggedWithItsListingAndChangesNothing() {
    runner.run(context -> {
      try (ListenerLog log = new ListenerLog()) {
        change(context, Map.of("limiter.policies.api.limits", "20/fortnight"), "limiter.policies.api.limits");
        assertThat(spec(context)).isEqualTo("10/second");
        assertThat(log.warnings()).singleElement().asString().contains("update is refused", "running policies stay in force", "limiter.policies.api",
            "fortnight");
      }
    });
  }

  @Test
  void withoutSpringCloudTheRestWorks() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.cloud")).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(LimiterPolicyRefresh.class)
          .doesNotHaveBean(LimiterEnvironmentChangeListener.class);
      assertThat(spec(context)).isEqualTo("10/second");
    });
  }

  @Test
  void withoutLimiterNoListener() {
    runner.withPropertyValues("limiter.enabled=false").run(context -> assertThat(context).hasNotFailed()
        .doesNotHaveBean(LimiterEnvironmentChangeListener.class));
  }
}
