package io.limiter.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.webflux.RateLimitWebFilter;
import io.limiter.web.ClientIpResolver;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The WebFlux filter's auto-configuration: only in reactive applications, from the one set of properties. */
class LimiterWebFluxAutoConfigurationTest {

  private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class,
          LimiterWebFluxAutoConfiguration.class));

  @Test
  void aReactiveApplicationGetsTheFilterWithTheConfiguredOrder() {
    reactive.withPropertyValues("limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].limits=5/minute",
        "limiter.filter.order=-50", "limiter.client-ip.trusted-proxies=10.0.0.0/8").run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(RateLimitWebFilter.class)
              .hasSingleBean(ClientIpResolver.class);
          assertThat(context.getBean(RateLimitWebFilter.class).getOrder()).isEqualTo(-50);
        });
  }

  @Test
  void withoutRulesThereIsNoFilter() {
    // nothing to apply: no filter (it would only cost), and the rest of the limiter is there
    reactive.withPropertyValues("limiter.policies.api.limits=5/minute", "limiter.filter.order=-50",
        "limiter.filter.exclude=/health").run(context -> assertThat(context).hasNotFailed()
            .doesNotHaveBean(RateLimitWebFilter.class).hasSingleBean(ClientIpResolver.class)
            .hasSingleBean(io.limiter.core.RateLimiterRegistry.class));
    reactive.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitWebFilter.class));
  }

  @Test
  void oneRuleInAnySpellingInstallsTheFilter() {
    reactive.withPropertyValues("limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].policy=api",
            "limiter.policies.api.limits=5/minute")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RateLimitWebFilter.class));
    // an indexed list element is a rule too
    reactive.withPropertyValues("limiter.filter.rules[0].paths[0]=/api/**", "limiter.filter.rules[0].limits=5/minute")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RateLimitWebFilter.class));
  }

  @Test
  void offWithTheFilterOrTheLimiterDisabled() {
    reactive.withPropertyValues("limiter.filter.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitWebFilter.class));
    reactive.withPropertyValues("limiter.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitWebFilter.class));
  }

  @Test
  void aServletApplicationGetsNone() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class,
            LimiterWebFluxAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(RateLimitWebFilter.class));
  }

  @Test
  void aBadRuleFailsStartupNamingTheProperty() {
    reactive.withPropertyValues("limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].limits=10/minit",
        "limiter.filter.rules[1].paths=/x", "limiter.filter.rules[1].limits=1/s", "limiter.filter.rules[1].key=cookie:x")
        .run(context -> {
          assertThat(context).hasFailed();
          Throwable failure = context.getStartupFailure();
          while (failure != null && !(failure instanceof RateLimitConfigException)) {
            failure = failure.getCause();
          }
          assertThat(failure).isNotNull();
          // every problem at once, each naming its property and value
          assertThat(failure.getMessage()).contains("limiter.filter.rules[0].limits=\"10/minit\"")
              .contains("limiter.filter.rules[1].key=\"cookie:x\"");
        });
  }

  @Test
  void anApplicationFilterReplacesOurs() {
    reactive.withBean("myFilter", RateLimitWebFilter.class, () -> RateLimitWebFilter.builder().build())
        .run(context -> assertThat(context).hasSingleBean(RateLimitWebFilter.class).hasBean("myFilter"));
  }
}
