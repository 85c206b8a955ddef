package io.limiter.spring.boot.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterMetricsAutoConfiguration;
import io.limiter.spring.boot.RateLimitConfigurationFailureAnalyzer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Redis auto-configuration without a Redis server: when it applies, when it backs off, and how it reports bad
 * settings (all checked before anything connects). The wiring against real servers is in
 * {@link LimiterRedisAutoConfigurationIT}.
 */
class LimiterRedisAutoConfigurationTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
      AutoConfigurations.of(LimiterRedisAutoConfiguration.class, LimiterAutoConfiguration.class,
          LimiterMetricsAutoConfiguration.class));

  @Test
  void theDefaultStoreStaysInMemoryWithLimiterRedisOnTheClassPath() {
    runner.run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(RedisRateLimitStore.class)
          .doesNotHaveBean(LimiterRedisProperties.class);
      assertThat(context.getBean(RateLimitStore.class).toString()).startsWith("InMemoryRateLimitStore");
    });
  }

  @Test
  void theApplicationsStoreWinsAndNothingConnects() {
    RateLimitStore mine = RateLimitStore.builder().maxKeys(100).buildInMemory();
    runner.withBean(RateLimitStore.class, () -> mine).withPropertyValues("limiter.store=redis",
        "spring.data.redis.port=1").run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(RateLimitStore.class);
          assertThat(context.getBean(RateLimitStore.class)).isSameAs(mine);
          assertThat(context.getBean(RateLimiterRegistry.class)).isNotNull();
        });
  }

  @Test
  void theStoreMetersAreABinderThatIgnoresOtherStores() {
    runner.run(context -> {
      assertThat(context).hasBean("rateLimitRedisStoreMetrics");
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      context.getBean("rateLimitRedisStoreMetrics", MeterBinder.class).bindTo(meters);
      assertThat(meters.getMeters()).as("the in-memory store has no Redis counters").isEmpty();
    });
  }

  @Test
  void everyInvalidSettingIsReportedAtOnceNamingItsProperty() {
    runner.withPropertyValues("limiter.store=redis", "limiter.redis.key-prefix=app{1}:",
        "limiter.redis.command-timeout=0ms", "limiter.redis.instances=0", "limiter.redis.fallback-max-keys=3",
        "limiter.redis.deny-cache-size=-1", "limiter.redis.recovery-backoff=5s",
        "limiter.redis.recovery-backoff-max=1s", "limiter.failure.closed-retry-after=100ms",
        "spring.data.redis.port=0", "spring.data.redis.cluster.nodes=").run(context -> {
          assertThat(context).hasFailed();
          FailureAnalysis analysis = new RateLimitConfigurationFailureAnalyzer().analyze(
              context.getStartupFailure());
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).contains("(9 problems)",
              "limiter.redis.key-prefix=\"app{1}:\": ",
              "limiter.redis.command-timeout=0ms: commandTimeout must be between",
              "limiter.redis.instances=0: instances must be between 1 and 10000 but was 0",
              "limiter.redis.fallback-max-keys=3: fallbackMaxKeys must be >= 16 but was 3",
              "limiter.redis.deny-cache-size=-1: ",
              "limiter.redis.recovery-backoff=5000ms and limiter.redis.recovery-backoff-max=1000ms: ",
              "limiter.failure.closed-retry-after=100ms: closedRetryAfter must be between",
              "spring.data.redis.port=0: must be between 1 and 65535",
              "spring.data.redis.cluster.nodes is empty");
        });
  }

  @Test
  void unknownLimiterRedisPropertiesAreErrors() {
    runner.withPropertyValues("limiter.store=redis", "limiter.redis.uri=redis://localhost:6379").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasMessageContaining("limiter.redis.uri")
          .hasMessageContaining("did you mean spring.data.redis.url?");
    });
  }

  @Test
  void twoKindsOfLettuceClientBeansAreAmbiguous() {
    ClientResources resources = DefaultClientResources.create();
    try {
      runner.withBean(RedisClient.class, () -> RedisClient.create(resources),
          b -> b.setDestroyMethodName("shutdown"))
          .withBean(RedisClusterClient.class,
              () -> RedisClusterClient.create(resources, "redis://127.0.0.1:1"),
              b -> b.setDestroyMethodName("shutdown"))
          .withPropertyValues("limiter.store=redis").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(
                "both a RedisClient and a RedisClusterClient bean exist");
          });
    } finally {
      resources.shutdown();
    }
  }
}
