package io.limiter.spring.internal;

import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.EnableRateLimiting;
import io.limiter.spring.PolicyDefaults;
import io.limiter.spring.RateLimitingConfigurer;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.spi.RequestKeySource;
import java.util.List;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportAware;
import org.springframework.context.annotation.Role;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.core.annotation.AnnotationAttributes;
import org.springframework.core.type.AnnotationMetadata;

/**
 * The engine and the startup check, common to both advice modes. The engine takes the application's
 * {@link RateLimiterRegistry} bean if there is one (Spring Boot defines it), else builds one from the
 * {@link RateLimitingConfigurer}s and the {@link RateLimitStore}, {@link LimitPolicy} and {@link RateLimitListener}
 * beans.
 */
@Configuration(proxyBeanMethods = false)
public abstract class AbstractRateLimitingConfiguration implements ImportAware {

  /** The bean name of the engine. */
  public static final String SUPPORT_BEAN_NAME = "io.limiter.spring.rateLimitAspectSupport";

  /** The attributes of {@code @EnableRateLimiting}: null until the importing class is known. */
  private @Nullable AnnotationAttributes enableRateLimiting;

  @Override
  public void setImportMetadata(AnnotationMetadata importMetadata) {
    this.enableRateLimiting = AnnotationAttributes.fromMap(
        importMetadata.getAnnotationAttributes(EnableRateLimiting.class.getName()));
    if (this.enableRateLimiting == null) {
      throw new IllegalArgumentException("@EnableRateLimiting is not present on importing class "
          + importMetadata.getClassName());
    }
  }

  /**
   * @return the attributes of {@code @EnableRateLimiting}
   * @throws IllegalStateException if this configuration was registered without it (it is only imported by it)
   */
  protected AnnotationAttributes enableRateLimiting() {
    AnnotationAttributes attributes = enableRateLimiting;
    if (attributes == null) {
      throw new IllegalStateException(getClass().getSimpleName() + " was registered without @EnableRateLimiting; "
          + "use @EnableRateLimiting instead of importing it");
    }
    return attributes;
  }

  /** @return whether calls are intercepted by proxies rather than woven code */
  protected abstract boolean proxyMode();

  /** The bean name of the combined configurer settings. */
  public static final String SETTINGS_BEAN_NAME = "io.limiter.spring.rateLimitingSettings";

  /** The name of Boot's executor for the application's asynchronous work (samples of custom health signals). */
  private static final String APPLICATION_TASK_EXECUTOR = "applicationTaskExecutor";

  /**
   * @param configurers the configurers, in order
   * @return their combined settings (each configurer is called once, here)
   */
  @Bean(name = SETTINGS_BEAN_NAME)
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public static RateLimitingSettings rateLimitingSettings(ObjectProvider<RateLimitingConfigurer> configurers) {
    return RateLimitingSettings.from(configurers.orderedStream().toList());
  }

  /**
   * The engine.
   *
   * @param settings the combined configurers
   * @param registry the application's registry, if any
   * @param store the store bean, if any
   * @param failureHandler the failure handler bean, if any
   * @param policies policy beans
   * @param listeners listener beans
   * @param requestKeys request keys, if a web layer provides them
   * @param policyDefaults keys of configured policies, if any
   * @param admission sees admitted calls, if any
   * @param steppedLimiters the stepped limiters of configured policies (Spring Boot), if any
   * @param controllers the step controller registry, if any
   * @param controllerBeans step controllers defined as beans, used when there is no registry
   * @param penaltyListeners told about penalty box events, used when there are no stepped limiters
   * @param beanFactory resolves {@code @bean} in SpEL keys
   * @return the engine
   */
  @Bean(name = SUPPORT_BEAN_NAME)
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public RateLimitAspectSupport rateLimitAspectSupport(RateLimitingSettings settings,
      ObjectProvider<RateLimiterRegistry> registry, ObjectProvider<RateLimitStore> store,
      ObjectProvider<StoreFailureHandler> failureHandler, ObjectProvider<LimitPolicy> policies,
      ObjectProvider<RateLimitListener> listeners, ObjectProvider<RequestKeySource> requestKeys,
      ObjectProvider<PolicyDefaults> policyDefaults, ObjectProvider<RateLimitAspectSupport.AdmissionHandler> admission,
      ObjectProvider<SteppedLimiterRegistry> steppedLimiters, ObjectProvider<StepControllerRegistry> controllers,
      ObjectProvider<StepController> controllerBeans, ObjectProvider<PenaltyListener> penaltyListeners,
      BeanFactory beanFactory) {
    RateLimiterRegistry reg = registry.getIfUnique(() -> settings.buildRegistry(store.getIfUnique(), List.of(),
        policies.orderedStream().toList(), listeners.orderedStream().toList()));
    StoreFailureHandler handler = settings.failureHandler() != null ? settings.failureHandler()
        : failureHandler.getIfUnique();
    MissingKeyStrategy missingKey = settings.missingKey() != null ? settings.missingKey()
        : MissingKeyStrategy.reject();
    PolicyDefaults defaults = policyDefaults.getIfUnique(() -> new PolicyDefaults(java.util.Map.of(),
        java.util.Map.of()));
    SteppedLimiterRegistry steps = steppedLimiters.getIfUnique(() -> new SteppedLimiterRegistry(reg,
        controllers.getIfUnique(() -> {
          StepControllerRegistry own = new StepControllerRegistry();
          controllerBeans.orderedStream().forEach(own::register);
          return own;
        }), penaltyListeners.orderedStream().toList()));
    RateLimitAspectSupport.Builder builder = RateLimitAspectSupport.builder()
        .registry(reg)
        .steps(steps)
        .failureHandler(handler)
        .missingKeyStrategy(missingKey)
        .keyResolvers(settings.keyResolvers())
        .beanFactory(beanFactory)
        .proxyMode(proxyMode())
        .failOnUnenforced(enableRateLimiting().getBoolean("failOnUnenforced"))
        .admissionHandler(admission.getIfUnique())
        .policyDefaults(defaults.keys(), defaults.missingKeys());
    RequestKeySource web = requestKeys.getIfUnique();
    if (web != null) {
      builder.requestKeys(web);
    }
    return builder.build();
  }

  /**
   * @param support the engine, whose step controllers it starts and stops
   * @param schedulers the application's {@code TaskScheduler}, if it has exactly one, on which the controllers tick
   * @param executors the application's executor (Boot's {@code applicationTaskExecutor}), on which the custom health
   *     signals are sampled
   * @return starts the step controllers with the application context and closes them with it
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public static StepControllerLifecycle rateLimitStepControllerLifecycle(
      ObjectProvider<RateLimitAspectSupport> support, ObjectProvider<TaskScheduler> schedulers,
      @Qualifier(APPLICATION_TASK_EXECUTOR) ObjectProvider<Executor> executors) {
    return new StepControllerLifecycle(() -> support.getObject().stepControllers(), schedulers::getIfUnique,
        executors::getIfAvailable);
  }

  /**
   * @param beanFactory the factory whose beans are checked
   * @return the check that fails startup on invalid annotations
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public static RateLimitStartupValidator rateLimitStartupValidator(ConfigurableListableBeanFactory beanFactory) {
    return new RateLimitStartupValidator(beanFactory, SUPPORT_BEAN_NAME);
  }

}
