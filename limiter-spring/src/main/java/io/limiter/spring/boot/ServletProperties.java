package io.limiter.spring.boot;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.Problems;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.servlet.RateLimitFilter;
import io.limiter.spring.internal.MergedRateLimitAnnotations;
import io.limiter.web.ClientIpResolver;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Builds limiter-servlet's {@link RateLimitFilter} from {@code limiter.filter.*} (read by {@link FilterProperties},
 * as for every front-end), collecting every problem with its property and value. Loaded only in servlet applications
 * with limiter-servlet ({@link LimiterServletConfiguration}).
 */
final class ServletProperties {

  private ServletProperties() {
  }

  static RateLimitFilter filter(LimiterProperties properties, RateLimiterRegistry registry,
      ClientIpResolver clientIp, @Nullable StoreFailureHandler failureHandler, PolicyProperties policies,
      SteppedLimiterRegistry steps) {
    List<String> problems = new ArrayList<>();
    RateLimitFilter.Builder builder = RateLimitFilter.builder()
        .registry(registry)
        .controllers(steps.controllers())
        .clientIp(clientIp)
        .annotationLookup(MergedRateLimitAnnotations.INSTANCE);
    if (failureHandler != null) {
      builder.failureHandler(failureHandler);
    }
    Problems collected = new Problems(problems);
    builder.settings(PolicyProperties.limiterSettings(properties, collected), collected);
    FilterProperties.rules(properties, policies, steps, problems, builder::steppedPolicy, builder::rule);
    return FilterProperties.build(problems, builder::build);
  }
}
