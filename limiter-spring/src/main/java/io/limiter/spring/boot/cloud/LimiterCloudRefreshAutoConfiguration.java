package io.limiter.spring.boot.cloud;

import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterPolicyRefresh;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.annotation.Bean;

/**
 * With spring-cloud-context on the class path, {@code limiter.*} changes reported by an {@link EnvironmentChangeEvent}
 * are re-applied ({@link LimiterEnvironmentChangeListener}). Without it this configuration is skipped before any of
 * its Spring Cloud types is loaded.
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnClass(EnvironmentChangeEvent.class)
@ConditionalOnBean(LimiterPolicyRefresh.class)
public class LimiterCloudRefreshAutoConfiguration {

  /**
   * @param refresh re-applies limiter.*
   * @return the listener
   */
  @Bean
  @ConditionalOnMissingBean
  public LimiterEnvironmentChangeListener limiterEnvironmentChangeListener(LimiterPolicyRefresh refresh) {
    return new LimiterEnvironmentChangeListener(refresh);
  }
}
