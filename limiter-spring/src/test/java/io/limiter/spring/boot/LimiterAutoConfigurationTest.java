package io.limiter.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.boot.actuate.RateLimitsEndpoint;
import io.limiter.spring.boot.actuate.RateLimitsEndpointAutoConfiguration;
import io.limiter.spring.boot.redis.LimiterRedisAutoConfiguration;
import io.limiter.spring.micrometer.RateLimitMetrics;
import io.limiter.spring.spi.RequestKeySource;
import io.limiter.spring.web.RateLimitExceptionHandler;
import io.limiter.web.ClientIpResolver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/** The auto-configuration through {@link ApplicationContextRunner}: web and not, with and without Micrometer/actuator. */
class LimiterAutoConfigurationTest {

  private static final AutoConfigurations LIMITER = AutoConfigurations.of(LimiterAutoConfiguration.class,
      LimiterMetricsAutoConfiguration.class, RateLimitsEndpointAutoConfiguration.class);

  private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(LIMITER);
  private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(LIMITER);

  @Test
  void nonWebApplicationGetsStoreRegistryAndAnnotationsButNoWebBeans() {
    plain.withPropertyValues("limiter.policies.search.limits=10/second; 1000/hour",
        "limiter.policies.search.algorithm=sliding-window").run(context -> {
          assertThat(context).hasSingleBean(RateLimitStore.class).hasSingleBean(RateLimiterRegistry.class)
              .hasSingleBean(RateLimitAspectSupport.class).doesNotHaveBean(ClientIpResolver.class)
              .doesNotHaveBean(RequestKeySource.class).doesNotHaveBean(FilterRegistrationBean.class)
              .doesNotHaveBean(RateLimitMetrics.class);
          LimitPolicy search = context.getBean(RateLimiterRegistry.class).limiter("search").policy();
          assertThat(search.spec()).hasToString("10/second; 1000/hour");
          assertThat(search.algorithm().name()).isEqualTo("SLIDING_WINDOW");
          assertThat(context.getBean(RateLimitStore.class).toString()).startsWith("InMemoryRateLimitStore");
        });
  }

  @Test
  void caffeineStore() {
    plain.withPropertyValues("limiter.store=caffeine", "limiter.max-keys=5000").run(context ->
        assertThat(context.getBean(RateLimitStore.class).toString()).contains("Caffeine"));
  }

  @Test
  void redisStoreWithoutLimiterRedisSaysWhatIsMissing() {
    plain.withConfiguration(AutoConfigurations.of(LimiterRedisAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader("io.limiter.redis")).withPropertyValues("limiter.store=redis")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("limiter.store=redis needs io.limiter:limiter-redis");
        });
  }

  @Test
  void everyBeanBacksOffForTheApplicationsOwn() {
    RateLimitStore store = RateLimitStore.builder().maxKeys(100).buildInMemory();
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store)
        .policy(LimitPolicy.of("mine", "1/second")).build();
    plain.withBean(RateLimitStore.class, () -> store).withBean(RateLimiterRegistry.class, () -> registry)
        .run(context -> {
          assertThat(context.getBean(RateLimitStore.class)).isSameAs(store);
          assertThat(context.getBean(RateLimiterRegistry.class)).isSameAs(registry);
          assertThat(context.getBean(RateLimitAspectSupport.class).registry()).isSameAs(registry);
        });
  }

  @Test
  void disabled() {
    plain.withPropertyValues("limiter.enabled=false").run(context -> assertThat(context)
        .doesNotHaveBean(RateLimiterRegistry.class).doesNotHaveBean(RateLimitAspectSupport.class));
  }

  @Test
  void invalidPropertiesAreReportedTogetherAndExplainedByTheFailureAnalyzer() {
    plain.withPropertyValues("limiter.policies.a.limits=10/fortnight", "limiter.policies.b.limits=",
        "limiter.policies.c.limits=5/minute burst 10", "limiter.policies.c.algorithm=fixed-window",
        "limiter.missing-key=ignore").run(context -> {
          assertThat(context).hasFailed();
          Throwable failure = context.getStartupFailure();
          FailureAnalysis analysis = new RateLimitConfigurationFailureAnalyzer().analyze(failure);
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains("(4 problems)",
              "limiter.missing-key=\"ignore\"",
              "property limiter.policies.a.limits=\"10/fortnight\": invalid rate limit",
              "property limiter.policies.b.limits is missing",
              "limiter.policies.c.limits=\"5/minute burst 10\"");
          assertThat(analysis.getAction()).contains("rate grammar", "10/minute");
        });
  }

  @Test
  void withMicrometerTheMetersListenAndTheStoreIsTimed() {
    plain.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("limiter.policies.p.limits=1/minute").run(context -> {
          assertThat(context).hasSingleBean(RateLimitMetrics.class);
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
          registry.limiter("p").acquire("k");
          registry.limiter("p").acquire("k");
          assertThat(meters.get(RateLimitMetrics.DECISIONS).tags("policy", "p", "outcome", "allowed").counter()
              .count()).isEqualTo(1);
          assertThat(meters.get(RateLimitMetrics.DECISIONS).tags("policy", "p", "outcome", "rejected").counter()
              .count()).isEqualTo(1);
          assertThat(meters.get(RateLimitMetrics.STORE_LATENCY).tags("policy", "p").timer().count()).isEqualTo(2);
        });
  }

  @Test
  void withoutMicrometerOnTheClassPath() {
    plain.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> assertThat(context)
        .hasNotFailed().hasSingleBean(RateLimiterRegistry.class).doesNotHaveBean(RateLimitMetrics.class));
  }

  @Test
  void webApplicationGetsClientIpKeysAndTheFilterUnlessDisabled() {
    web.withPropertyValues("limiter.client-ip.trusted-proxies=10.0.0.0/8",
        "limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].limits=100/minute").run(context -> {
          assertThat(context).hasSingleBean(ClientIpResolver.class).hasSingleBean(RequestKeySource.class)
              .hasSingleBean(FilterRegistrationBean.class).hasSingleBean(RateLimitExceptionHandler.class);
          assertThat(context.getBean(ClientIpResolver.class).trustedProxies()).containsExactly("10.0.0.0/8");
          assertThat(context.getBean(RateLimiterRegistry.class).names()).contains("rule-0");
        });
    web.run(context -> assertThat(context).as("without rules the filter still reads servlets' @RateLimit")
        .hasSingleBean(ClientIpResolver.class).hasSingleBean(FilterRegistrationBean.class));
    web.withPropertyValues("limiter.filter.enabled=false").run(context -> assertThat(context)
        .hasSingleBean(ClientIpResolver.class).doesNotHaveBean(FilterRegistrationBean.class));
  }

  @Test
  void invalidFilterRulesAndProxiesAreReportedWithTheirProperties() {
    web.withPropertyValues("limiter.client-ip.trusted-proxies=10.0.0.0/33,not-an-ip").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).rootCause().isInstanceOf(RateLimitConfigException.class)
          .hasMessageContaining("property limiter.client-ip.trusted-proxies=\"10.0.0.0/33, not-an-ip\": prefix length "
              + "of trusted proxy \"10.0.0.0/33\" must be between 0 and 32")
          .hasMessageContaining("property limiter.client-ip.trusted-proxies=\"10.0.0.0/33, not-an-ip\": trusted proxy "
              + "must be an IP address or CIDR network such as 10.0.0.0/8 or fd00::/8 but was \"not-an-ip\"");
    });
    web.withPropertyValues("limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].limits=100/minute",
        "limiter.filter.rules[0].key=cookie:x", "limiter.filter.rules[1].paths=/b",
        "limiter.filter.rules[1].policy=nope").run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().isInstanceOf(RateLimitConfigException.class)
              .hasMessageContaining("limiter.filter.rules[0].key=\"cookie:x\"");
        });
  }

  @Test
  void actuatorEndpointListsPoliciesWhenExposed() {
    web.withPropertyValues("management.endpoints.web.exposure.include=ratelimits",
        "limiter.policies.search.limits=10/second").run(context -> {
          RateLimitsEndpoint endpoint = context.getBean(RateLimitsEndpoint.class);
          RateLimitsEndpoint.RateLimitsDescriptor all = endpoint.rateLimits();
          assertThat(all.policies()).containsKey("search");
          assertThat(all.policies().get("search").limits()).isEqualTo("10/second");
          assertThat(endpoint.policy("search").limitList()).singleElement()
              .satisfies(l -> assertThat(l.permits()).isEqualTo(10));
          assertThat(endpoint.policy("nope")).isNull();
        });
    web.run(context -> assertThat(context).doesNotHaveBean(RateLimitsEndpoint.class));
    web.withClassLoader(new FilteredClassLoader(Endpoint.class))
        .withPropertyValues("management.endpoints.web.exposure.include=ratelimits")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitsEndpoint.class));
  }
}
