package io.limiter.examples.webflux;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The service: a WebFlux application on Netty (port 8081) whose {@code /greeting} is limited by Limiter's WebFilter,
 * configured in {@code application-service.yml} ({@code limiter.filter.rules}). Its {@code /orders/{id}} has no rule
 * of its own: the gateway in front of it ({@link GatewayApplication}) limits it per API key.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(ServiceApplication.Endpoints.class)
public class ServiceApplication {

  /** @return the application with its profile ({@code application-service.yml}) */
  public static SpringApplicationBuilder application() {
    return new SpringApplicationBuilder(ServiceApplication.class).web(WebApplicationType.REACTIVE).profiles("service");
  }

  /**
   * Starts the service alone.
   *
   * @param args Spring Boot arguments, e.g. {@code --server.port=9081}
   */
  public static void main(String[] args) {
    application().run(args);
  }

  /** The endpoints; stateless. */
  @RestController
  public static class Endpoints {
    /** @return a greeting */
    @GetMapping(value = "/greeting", produces = "text/plain")
    public Mono<String> greeting() {
      return Mono.just("Hello from the service!\n");
    }

    /**
     * @param id the order number
     * @return the order
     */
    @GetMapping(value = "/orders/{id}", produces = "application/json")
    public Mono<Order> order(@PathVariable String id) {
      return Mono.just(new Order(id, "shipped"));
    }
  }

  /**
   * An order as the service answers it.
   *
   * @param order the order number
   * @param status where it is
   */
  public record Order(String order, String status) {
  }
}
