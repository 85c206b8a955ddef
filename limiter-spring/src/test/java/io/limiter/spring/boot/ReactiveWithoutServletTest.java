package io.limiter.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.spi.RequestKeySource;
import io.limiter.spring.webflux.RateLimitWebFilter;
import io.limiter.web.ClientIpResolver;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/**
 * A {@code REACTIVE} Boot application whose class loader has neither the Servlet API nor limiter-servlet (a WebFlux or
 * gateway application; limiter-servlet is optional in limiter-spring) starts with every limiter bean it needs, the
 * tiers of {@code limiter.policies.*} compiled through limiter-web, and nothing servlet: the servlet configuration's
 * conditions are read without loading it. The gateway module's ITs prove the same on a class path without them. Its URL
 * rules are applied by the WebFlux filter; a servlet application without limiter-servlet refuses URL rules it could
 * not enforce.
 */
class ReactiveWithoutServletTest {

  private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterWebFluxAutoConfiguration.class,
          LimiterMetricsAutoConfiguration.class))
      .withClassLoader(new FilteredClassLoader("jakarta.servlet", "io.limiter.servlet",
          "org.springframework.web.servlet", "org.springframework.boot.web.servlet"));

  @Test
  void startsWithTheRequestLayerAndNoServletBean() {
    reactive.withPropertyValues(
        "limiter.client-ip.trusted-proxies=10.0.0.0/8",
        "limiter.policies.api.limits=100/minute",
        "limiter.policies.api.tiers=free=10/minute; pro=1000/minute; default=free",
        "limiter.policies.api.tier-key=attribute:plan").run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(RateLimiterRegistry.class)
              .hasSingleBean(RateLimitAspectSupport.class).hasSingleBean(ClientIpResolver.class)
              .doesNotHaveBean(RequestKeySource.class).doesNotHaveBean(FilterRegistrationBean.class)
              .doesNotHaveBean("rateLimitFilterRegistration").doesNotHaveBean("rateLimitNamedDispatchFilters");
          assertThat(context.getBean(ClientIpResolver.class).trustedProxies()).containsExactly("10.0.0.0/8");
          SteppedLimiterRegistry.Entry api = context.getBean(SteppedLimiterRegistry.class).find("api");
          assertThat(api).isNotNull();
          assertThat(api.limiter().tiers()).isPresent();
        });
  }

  @Test
  void aTierKeyAnyClientCouldSetFailsTheStartupAsInAServletApplication() {
    reactive.withPropertyValues("limiter.policies.api.limits=100/minute",
        "limiter.policies.api.tiers=free=10/minute; pro=1000/minute; default=free",
        "limiter.policies.api.tier-key=header:X-Plan").run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("property limiter.policies.api.tier-key: tier key \"header:X-Plan\" is "
                + "refused: any client can send that header and pick its own plan"));
  }

  @Test
  void urlRulesOfAReactiveApplicationAreAppliedByTheWebFilter() {
    reactive.withPropertyValues("limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].limits=10/minute")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RateLimitWebFilter.class));
    reactive.withPropertyValues("limiter.filter.enabled=false", "limiter.filter.rules[0].paths=/api/**",
        "limiter.filter.rules[0].limits=10/minute").run(context -> assertThat(context).hasNotFailed()
            .doesNotHaveBean(RateLimitWebFilter.class));
  }

  @Test
  void aServletApplicationWithoutLimiterServletRefusesUrlRulesItCouldNotEnforce() {
    WebApplicationContextRunner servletWithoutFilter = new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader("io.limiter.servlet"));
    servletWithoutFilter.withPropertyValues("limiter.filter.rules[0].paths=/api/**",
        "limiter.filter.rules[0].limits=10/minute").run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("limiter.filter.rules: 1 rule(s) would go unenforced")
            .hasMessageContaining("add io.limiter:limiter-servlet"));
    servletWithoutFilter.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RequestKeySource.class)
        .doesNotHaveBean(FilterRegistrationBean.class));
  }
}
