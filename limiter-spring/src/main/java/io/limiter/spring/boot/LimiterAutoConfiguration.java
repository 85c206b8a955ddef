package io.limiter.spring.boot;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.StepListener;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.EnableRateLimiting;
import io.limiter.spring.PolicyDefaults;
import io.limiter.spring.RateLimitingConfigurer;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.boot.redis.LimiterRedisAutoConfiguration;
import io.limiter.spring.internal.RateLimitingSettings;
import io.limiter.spring.spi.StoreInstrumentation;
import io.limiter.web.ClientIpResolver;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Auto-configures rate limiting from the {@code limiter.*} properties: the {@link RateLimitStore}
 * ({@code limiter.store}), the {@link RateLimiterRegistry} of named policies ({@code limiter.policies.*}, plus
 * {@link LimitPolicy} beans and {@link RateLimitingConfigurer}s), {@code @RateLimit} processing
 * ({@link EnableRateLimiting}, unless the application enables it itself), in a web application the client IP resolver
 * ({@code limiter.client-ip.*}), and in a servlet web application with limiter-servlet the URL-rule filter
 * ({@code limiter.filter.*}, {@link LimiterServletConfiguration}: nothing servlet loads elsewhere); step-function
 * throttling: the step controllers ({@code limiter.adaptive.*}, {@link StepController} and {@link HealthSignal} beans)
 * and the stepped limiters of policies with step settings. Every bean backs off
 * when the application defines its own. Off with {@code limiter.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnClass(RateLimiterRegistry.class)
@ConditionalOnProperty(prefix = "limiter", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(LimiterProperties.class)
@Import(LimiterServletConfiguration.class)
public class LimiterAutoConfiguration {

  /**
   * @param environment the environment holding the {@code limiter.*} properties
   * @return checks every {@code limiter.*} property before any bean is created: unknown names (with the nearest
   *     known one), values of the wrong type and invalid values, all listed in one {@link
   *     io.limiter.core.RateLimitConfigException}
   */
  @Bean
  static BeanFactoryPostProcessor limiterPropertiesCheck(Environment environment) {
    return new LimiterPropertiesCheck(environment);
  }

  /**
   * @param properties the properties
   * @return the store named by {@code limiter.store}
   */
  @Bean
  @ConditionalOnMissingBean
  public RateLimitStore rateLimitStore(LimiterProperties properties) {
    switch (properties.getStore()) {
      case CAFFEINE:
        return RateLimitStore.builder().maxKeys(properties.getMaxKeys()).buildCaffeine();
      case REDIS:
        throw redisMissing();
      case MEMORY:
      default:
        return RateLimitStore.builder().maxKeys(properties.getMaxKeys()).buildInMemory();
    }
  }

  /** With limiter-redis on the class path, {@link LimiterRedisAutoConfiguration} has defined the store already. */
  private static IllegalStateException redisMissing() {
    return new IllegalStateException("limiter.store=redis needs io.limiter:limiter-redis on the class path; add it "
        + "(the Redis connection then comes from spring.data.redis.*), or define a RateLimitStore bean");
  }

  /**
   * @param properties the properties
   * @return applies each policy's failure mode when the store fails
   */
  @Bean
  @ConditionalOnMissingBean
  public StoreFailureHandler rateLimitStoreFailureHandler(LimiterProperties properties) {
    return StoreFailureHandler.byFailureMode(RateLimitStore.builder().maxKeys(properties.getMaxKeys())
        .buildInMemory(), properties.getFailure().getClosedRetryAfter(), properties.getFailure().getLogInterval());
  }

  /**
   * @param properties the properties
   * @param settings the combined configurers of {@code @EnableRateLimiting}
   * @param configurers the configurers, if {@code @EnableRateLimiting} is off
   * @param store the store
   * @param policies policy beans
   * @param listeners listener beans (e.g. metrics)
   * @param instrumentation wraps the store (e.g. to time it)
   * @return the registry of the application's policies
   */
  @Bean
  @ConditionalOnMissingBean
  // package-private: it takes the internal combination of @EnableRateLimiting's configurers
  RateLimiterRegistry rateLimiterRegistry(LimiterProperties properties,
      ObjectProvider<RateLimitingSettings> settings, ObjectProvider<RateLimitingConfigurer> configurers,
      ObjectProvider<RateLimitStore> store, ObjectProvider<LimitPolicy> policies,
      ObjectProvider<RateLimitListener> listeners, ObjectProvider<StoreInstrumentation> instrumentation) {
    RateLimitingSettings combined = settings.getIfAvailable(
        () -> RateLimitingSettings.from(configurers.orderedStream().toList()));
    List<LimitPolicy> all = new ArrayList<>(PolicyProperties.read(properties).policies());
    all.addAll(policies.orderedStream().toList());
    return combined.buildRegistry(store.getIfUnique(), instrumentation.orderedStream().toList(), all,
        listeners.orderedStream().toList());
  }

  /**
   * @param environment where {@code limiter.*} is read from
   * @param registry the application's policies
   * @param events where policy changes are published
   * @param properties the properties bound at startup (policy keys cannot change at runtime)
   * @return re-applies {@code limiter.policies.*} at runtime (actuator write, or application code)
   */
  @Bean
  @ConditionalOnMissingBean
  public LimiterPolicyRefresh limiterPolicyRefresh(Environment environment, RateLimiterRegistry registry,
      org.springframework.context.ApplicationEventPublisher events, LimiterProperties properties) {
    return new LimiterPolicyRefresh(environment, registry, events, properties);
  }

  /**
   * @param properties the properties
   * @param signals custom health signals, by {@link HealthSignal#name()}
   * @param controllers step controllers defined as beans
   * @param listeners told about every level change of every controller
   * @param registry the policies, to report their step problems together with the controllers' ones
   * @return the step controllers of {@code limiter.adaptive.*} and the {@link StepController} beans, started with the
   *     application context and closed with it
   */
  @Bean
  @ConditionalOnMissingBean
  public StepControllerRegistry rateLimitStepControllers(LimiterProperties properties,
      ObjectProvider<HealthSignal> signals, ObjectProvider<StepController> controllers,
      ObjectProvider<StepListener> listeners, ObjectProvider<RateLimiterRegistry> registry) {
    return StepProperties.controllers(properties, signals.orderedStream().toList(),
        controllers.orderedStream().toList(), listeners.orderedStream().toList(), registry::getObject);
  }

  /**
   * @param properties the properties
   * @param registry the registry
   * @param controllers the step controllers
   * @param penaltyListeners told about clients entering and leaving penalty boxes (e.g. metrics)
   * @return the stepped limiters of policies with step settings in {@code limiter.policies.*}
   */
  @Bean
  @ConditionalOnMissingBean
  public SteppedLimiterRegistry rateLimitSteppedLimiters(LimiterProperties properties, RateLimiterRegistry registry,
      StepControllerRegistry controllers, ObjectProvider<PenaltyListener> penaltyListeners) {
    return StepProperties.steppedLimiters(properties, registry, controllers,
        penaltyListeners.orderedStream().toList());
  }

  /**
   * @param properties the properties
   * @return the keys of configured policies, for annotations that name a policy without a key
   */
  @Bean
  @ConditionalOnMissingBean
  public PolicyDefaults rateLimitPolicyDefaults(LimiterProperties properties) {
    return PolicyProperties.read(properties).defaults();
  }

  /**
   * @param properties the properties
   * @return header mode and missing-key strategy from properties, overridable by the application's configurers
   */
  @Bean
  @ConditionalOnMissingBean
  public LimiterPropertiesConfigurer limiterPropertiesConfigurer(LimiterProperties properties) {
    return new LimiterPropertiesConfigurer(properties);
  }

  /** Turns on {@code @RateLimit} processing unless the application has {@code @EnableRateLimiting}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(RateLimitAspectSupport.class)
  @EnableRateLimiting
  static class EnableRateLimitingConfiguration {
  }

  /** Client IP resolution in web applications of either stack: what {@code ip} keys and trusted proxies mean. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication
  static class WebConfiguration {

    /**
     * @param properties the properties
     * @return the client IP resolver of {@code ip} keys
     */
    @Bean
    @ConditionalOnMissingBean
    ClientIpResolver rateLimitClientIpResolver(LimiterProperties properties) {
      return FilterProperties.clientIp(properties);
    }
  }

  /**
   * A servlet application without limiter-servlet (limiter-spring alone, not the starter): URL rules would go
   * unenforced, so they fail the startup instead.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnMissingClass("io.limiter.servlet.RateLimitFilter")
  @Conditional(OnFilterEnabled.class)
  static class NoServletFilterConfiguration {

    /**
     * @param properties the properties
     * @return nothing useful: it fails when {@code limiter.filter.rules} are set
     */
    @Bean
    InitializingBean limiterFilterRulesNeedLimiterServlet(LimiterProperties properties) {
      return () -> {
        if (!properties.getFilter().getRules().isEmpty()) {
          throw new RateLimitConfigException(List.of("limiter.filter.rules: " + properties.getFilter().getRules()
              .size() + " rule(s) would go unenforced: they are applied by limiter-servlet's RateLimitFilter, which is "
              + "not on the class path; add io.limiter:limiter-servlet (limiter-spring-boot-starter brings it), or set "
              + "limiter.filter.enabled=false"));
        }
      };
    }
  }

  /**
   * Matches unless {@code limiter.filter.enabled} is false: the filter applies {@code limiter.filter.rules} and the
   * {@code @RateLimit}s of servlets (servlet beans and registrations), which no proxy can limit.
   */
  static final class OnFilterEnabled extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      boolean enabled = Binder.get(context.getEnvironment()).bind("limiter.filter.enabled", Boolean.class)
          .orElse(true);
      return enabled ? ConditionOutcome.match("limiter.filter.enabled is not false")
          : ConditionOutcome.noMatch("limiter.filter.enabled is false");
    }
  }
}
