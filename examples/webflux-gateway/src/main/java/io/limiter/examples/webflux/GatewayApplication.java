package io.limiter.examples.webflux;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * The gateway: Spring Cloud Gateway on Netty (port 8080) with one route, {@code /orders/**} to the service, limited
 * by the gateway's {@code RequestRateLimiter} filter, which Limiter's {@code LimiterRateLimiter} decides (route and
 * limits in {@code application-gateway.yml}); the client key is the {@code X-Api-Key} header.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class GatewayApplication {

  /** @return the application with its profile ({@code application-gateway.yml}) */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(GatewayApplication.class).web(WebApplicationType.REACTIVE).profiles("gateway");
  }

  /**
   * Starts the gateway alone (the service must be running at {@code example.service-uri}).
   *
   * @param args Spring Boot arguments, e.g. {@code --example.service-uri=http://127.0.0.1:9081}
   */
  public static void main(String[] args) {
    application().run(args);
  }

  /**
   * The client key of the route: the {@code X-Api-Key} header. A request without it gets 403 from the gateway
   * (its {@code deny-empty-key}) and never reaches the limiter.
   *
   * @return the key resolver
   */
  @Bean
  KeyResolver apiKeyResolver() {
    return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("X-Api-Key"));
  }
}
