package io.limiter.spring.boot;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.servlet.RateLimitFilter;
import io.limiter.spring.internal.MergedRateLimitAnnotations;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Builds limiter-servlet's {@link ClientIpResolver} and {@link RateLimitFilter} from {@code limiter.client-ip.*} and
 * {@code limiter.filter.*} (read by {@link FilterRules}, as for the WebFlux filter), collecting every problem with its
 * property and value. Loaded only with the servlet API.
 */
final class ServletProperties {

  private ServletProperties() {
  }

  static ClientIpResolver clientIp(LimiterProperties properties) {
    return FilterRules.clientIp(properties);
  }

  static RateLimitFilter filter(LimiterProperties properties, RateLimiterRegistry registry,
      ClientIpResolver clientIp, @Nullable StoreFailureHandler failureHandler, PolicyProperties policies,
      SteppedLimiterRegistry steps) {
    RateLimitFilter.Builder builder = RateLimitFilter.builder()
        .registry(registry)
        .controllers(steps.controllers())
        .clientIp(clientIp)
        .annotationLookup(MergedRateLimitAnnotations.INSTANCE);
    if (failureHandler != null) {
      builder.failureHandler(failureHandler);
    }
    return FilterRules.build(properties, policies, steps, builder::settings, builder::steppedPolicy, builder::rule,
        builder::build);
  }

  static @Nullable RateLimitRule rule(LimiterProperties.Rule r, int index, PolicyProperties policies,
      List<String> problems) {
    return FilterRules.rule(r, index, policies.settings()::get, problems);
  }
}
