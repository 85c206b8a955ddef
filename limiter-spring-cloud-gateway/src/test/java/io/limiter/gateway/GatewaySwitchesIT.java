package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.NonBlocking;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;

/**
 * The gateway's own switches, on a gateway application as a user starts it: the limiter's gateway beans follow the
 * gateway (present when it runs, absent when it is switched off), and the application starts either way.
 */
@ExtendWith(NonBlocking.class)
class GatewaySwitchesIT {

  @Test
  void aGatewaySwitchedOffStartsWithoutTheLimitersGatewayBeans() {
    try (Gateway gateway = Gateway.start(Map.of("spring.cloud.gateway.server.webflux.enabled", "false",
        "limiter.policies.api.limits", "5/second"))) {
      assertThat(gateway.context().getBeansOfType(GatewayAutoConfiguration.class)).isEmpty();
      assertThat(gateway.context().getBeansOfType(LimiterRateLimiter.class)).isEmpty();
      assertThat(gateway.context().getBeansOfType(LimiterRateLimiter.Config.class)).isEmpty();
      assertThat(gateway.context().getBeansOfType(ServerWebExchangeContextFilter.class)).isEmpty();
      // a plain WebFlux application now: nothing routes
      assertThat(gateway.get("/orders/1", "alice").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void theOlderSwitchIsNotReadByThisGatewayVersionSoTheLimiterStaysWithTheGateway() {
    // spring.cloud.gateway.enabled is gone from gateway 5 (spring.cloud.gateway.server.webflux.enabled replaced it):
    // the gateway still runs with it, and so does its limiter
    try (Gateway gateway = Gateway.start(Map.of("spring.cloud.gateway.enabled", "false"))) {
      assertThat(gateway.context().getBeansOfType(RequestRateLimiterGatewayFilterFactory.class)).hasSize(1);
      assertThat(gateway.context().getBeansOfType(LimiterRateLimiter.class)).hasSize(1);
    }
  }

  @Test
  void theLimitersOwnSwitchLeavesTheGatewayRunning() {
    try (Gateway gateway = Gateway.start(Map.of(
        "spring.cloud.gateway.server.webflux.limiter-rate-limiter.enabled", "false"))) {
      assertThat(gateway.context().getBeansOfType(GatewayAutoConfiguration.class)).hasSize(1);
      assertThat(gateway.context().getBeansOfType(LimiterRateLimiter.class)).isEmpty();
    }
  }
}
