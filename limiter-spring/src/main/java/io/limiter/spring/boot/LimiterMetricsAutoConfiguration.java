package io.limiter.spring.boot;

import io.limiter.core.step.StepControllerRegistry;
import io.limiter.spring.micrometer.RateLimitMetrics;
import io.limiter.spring.spi.StoreInstrumentation;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Publishes rate limit decisions, store latency, store errors, step controller levels and penalty box events to
 * Micrometer ({@link RateLimitMetrics}) when a
 * {@link MeterRegistry} bean exists. Ordered after Spring Boot's metrics auto-configuration (its Boot 4 and Boot 3
 * class names) so that the registry is known.
 */
@AutoConfiguration(before = LimiterAutoConfiguration.class, afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "limiter", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LimiterMetricsAutoConfiguration {

  /**
   * @param registry the meter registry
   * @return the meters, also a listener of every decision
   */
  @Bean
  @ConditionalOnMissingBean
  public RateLimitMetrics rateLimitMetrics(MeterRegistry registry) {
    return new RateLimitMetrics(registry);
  }

  /**
   * @param metrics the meters
   * @param controllers the step controllers, if any
   * @return once every bean exists, publishes the level of every step controller
   */
  @Bean
  @ConditionalOnMissingBean(name = "rateLimitStepMetrics")
  public SmartInitializingSingleton rateLimitStepMetrics(RateLimitMetrics metrics,
      ObjectProvider<StepControllerRegistry> controllers) {
    return () -> controllers.ifUnique(registry -> registry.controllers().forEach(metrics::bind));
  }

  /**
   * @param meters the meter registry
   * @param registry the policies, if any
   * @return once every bean exists, counts every runtime policy change as {@code limiter.policy.changes} (tags
   *     {@code policy} and {@code state}: {@code kept}, {@code reset} or {@code added})
   */
  @Bean
  @ConditionalOnMissingBean(name = "rateLimitPolicyChangeMetrics")
  public SmartInitializingSingleton rateLimitPolicyChangeMetrics(MeterRegistry meters,
      ObjectProvider<io.limiter.core.RateLimiterRegistry> registry) {
    return () -> registry.ifUnique(r -> r.addChangeListener(change -> meters.counter("limiter.policy.changes",
        "policy", change.name(), "state", change.previous() == null ? "added" : change.stateKept() ? "kept" : "reset")
        .increment()));
  }

  /**
   * @param metrics the meters
   * @return times the store
   */
  @Bean
  @ConditionalOnMissingBean(name = "rateLimitStoreInstrumentation")
  public StoreInstrumentation rateLimitStoreInstrumentation(RateLimitMetrics metrics) {
    return metrics::instrument;
  }
}
