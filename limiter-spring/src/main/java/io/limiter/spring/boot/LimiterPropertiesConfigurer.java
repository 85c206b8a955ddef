package io.limiter.spring.boot;

import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.http.HeaderMode;
import io.limiter.spring.RateLimitingConfigurer;
import org.springframework.core.Ordered;

/**
 * Contributes {@code limiter.header-mode} and {@code limiter.missing-key} with the lowest precedence, so that the
 * application's own {@link RateLimitingConfigurer}s override properties.
 */
public final class LimiterPropertiesConfigurer implements RateLimitingConfigurer, Ordered {

  private final LimiterProperties properties;
  private final MissingKeyStrategy missingKey;

  /**
   * @param properties the properties
   */
  public LimiterPropertiesConfigurer(LimiterProperties properties) {
    this.properties = properties;
    this.missingKey = PolicyProperties.read(properties).missingKey();
  }

  @Override
  public MissingKeyStrategy missingKeyStrategy() {
    return missingKey;
  }

  @Override
  public HeaderMode headerMode() {
    return properties.getHeaderMode();
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
