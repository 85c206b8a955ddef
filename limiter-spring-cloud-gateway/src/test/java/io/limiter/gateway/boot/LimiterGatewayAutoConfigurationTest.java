package io.limiter.gateway.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitStore;
import io.limiter.gateway.GatewayHeaderMode;
import io.limiter.gateway.LimiterRateLimiter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class LimiterGatewayAutoConfigurationTest {

  final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterGatewayAutoConfiguration.class))
      .withBean(ConfigurationService.class, () -> new ConfigurationService(null, () -> null, () -> null));

  @Test
  void registersTheLimiterAndBindsTheRouteDefaults() {
    runner.withPropertyValues("spring.cloud.gateway.server.webflux.limiter-rate-limiter.limits=10/second",
            "spring.cloud.gateway.server.webflux.limiter-rate-limiter.headers=gateway")
        .run(context -> {
          assertThat(context).hasSingleBean(LimiterRateLimiter.class);
          LimiterRateLimiter.Config defaults = context.getBean(LimiterRateLimiter.Config.class);
          assertThat(defaults.getLimits()).isEqualTo("10/second");
          assertThat(defaults.getHeaders()).isEqualTo(GatewayHeaderMode.GATEWAY);
        });
  }

  @Test
  void isInactiveWithoutTheGateway() {
    runner.withClassLoader(new FilteredClassLoader(GatewayAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(LimiterRateLimiter.class));
  }

  @Test
  void canBeSwitchedOff() {
    runner.withPropertyValues("spring.cloud.gateway.server.webflux.limiter-rate-limiter.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(LimiterRateLimiter.class));
  }

  @Test
  void isAbsentWhenTheGatewayIsSwitchedOff() {
    runner.withPropertyValues("spring.cloud.gateway.server.webflux.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LimiterRateLimiter.class)
            .doesNotHaveBean(LimiterRateLimiter.Config.class));
  }

  @Test
  void backsOffForTheApplicationsOwnLimiterAndUsesTheApplicationsStore() {
    runner.withUserConfiguration(OwnStore.class).run(context -> {
      assertThat(context).hasSingleBean(LimiterRateLimiter.class);
      assertThat(context.getBean(OwnStore.class).used).isTrue();
    });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    boolean used;

    @Bean
    RateLimitStore store() {
      used = true;
      return RateLimitStore.inMemory();
    }
  }
}
