package io.limiter.spring.boot;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.Problems;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.webflux.RateLimitWebFilter;
import io.limiter.web.ClientIpResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.ResolvableType;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.web.server.WebFilter;

/**
 * The URL rules of {@code limiter.filter.*} in a reactive (WebFlux) web application: a {@link RateLimitWebFilter}
 * built from the same properties, policies, store, key references and {@code limiter.client-ip.*} as the servlet
 * filter, read by the same code ({@link FilterProperties}, {@link PolicyProperties}); the
 * {@link ClientIpResolver} is {@link LimiterAutoConfiguration}'s, made in every web application. A bad property fails startup with a
 * {@link RateLimitConfigException} naming it. The filter is made only when {@code limiter.filter.rules} has a rule (it
 * applies nothing else); it backs off when the application defines its own; off with
 * {@code limiter.filter.enabled=false} or {@code limiter.enabled=false}.
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnClass({WebFilter.class, RateLimiterRegistry.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnProperty(prefix = "limiter", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LimiterWebFluxAutoConfiguration {

  /**
   * @param properties the properties
   * @param registry the registry of the application's policies
   * @param clientIp the client IP resolver
   * @param failureHandler the store failure handler
   * @param steps the stepped limiters of configured policies, shared with {@code @RateLimit}
   * @return the WebFilter applying {@code limiter.filter.rules}
   */
  @Bean
  @ConditionalOnMissingBean
  @Conditional({LimiterAutoConfiguration.OnFilterEnabled.class, OnFilterRules.class})
  RateLimitWebFilter rateLimitWebFilter(LimiterProperties properties, RateLimiterRegistry registry,
      ClientIpResolver clientIp, ObjectProvider<StoreFailureHandler> failureHandler, SteppedLimiterRegistry steps) {
    RateLimitWebFilter.Builder builder = RateLimitWebFilter.builder()
        .registry(registry)
        .controllers(steps.controllers())
        .clientIp(clientIp)
        .order(properties.getFilter().getOrder());
    StoreFailureHandler handler = failureHandler.getIfUnique();
    if (handler != null) {
      builder.failureHandler(handler);
    }
    List<String> problems = new ArrayList<>();
    Problems collected = new Problems(problems);
    builder.settings(PolicyProperties.limiterSettings(properties, collected), collected);
    FilterProperties.rules(properties, PolicyProperties.read(properties), steps, problems, builder::steppedPolicy,
        builder::rule);
    return FilterProperties.build(problems, builder::build);
  }

  /**
   * Matches when {@code limiter.filter.rules} has at least one rule. Unlike the servlet filter, which also limits the
   * {@code @RateLimit}s of servlets, the WebFlux filter applies only the rules: without any it would decide nothing
   * and only cost each request. Binds the rules as plain maps, so a bad value fails later, in the filter's own
   * checks that name the property, not here.
   */
  static final class OnFilterRules extends SpringBootCondition {
    private static final Bindable<List<Map<String, Object>>> RULES = Bindable.of(ResolvableType.forClassWithGenerics(
        List.class, ResolvableType.forClassWithGenerics(Map.class, String.class, Object.class)));

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      int rules = Binder.get(context.getEnvironment()).bind("limiter.filter.rules", RULES).map(List::size).orElse(0);
      return rules > 0 ? ConditionOutcome.match("limiter.filter.rules has " + rules + " rule(s)")
          : ConditionOutcome.noMatch("limiter.filter.rules is empty: the WebFilter would apply nothing");
    }
  }
}
