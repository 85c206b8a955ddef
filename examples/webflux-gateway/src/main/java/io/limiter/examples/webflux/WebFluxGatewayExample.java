package io.limiter.examples.webflux;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the example: the service, then the gateway with its route pointing at the service's port. Two Spring Boot
 * applications in one JVM, as a gateway and a service are two deployments in production; each has its own
 * profile ({@code application-service.yml}, {@code application-gateway.yml}). Closing it stops both.
 */
public final class WebFluxGatewayExample implements AutoCloseable {

  private final ConfigurableApplicationContext service;
  private final ConfigurableApplicationContext gateway;

  private WebFluxGatewayExample(ConfigurableApplicationContext service, ConfigurableApplicationContext gateway) {
    this.service = service;
    this.gateway = gateway;
  }

  /**
   * Starts both applications.
   *
   * @param args Spring Boot arguments for both (e.g. {@code --server.address=127.0.0.1})
   * @param servicePort the service's port (0: any free one)
   * @param gatewayPort the gateway's port (0: any free one)
   * @return the running example
   */
  public static WebFluxGatewayExample start(String[] args, int servicePort, int gatewayPort) {
    // as command-line arguments: they override the profiles' application-*.yml, which default properties would not
    ConfigurableApplicationContext service = ServiceApplication.application()
        .run(with(args, "--server.port=" + servicePort));
    try {
      ConfigurableApplicationContext gateway = GatewayApplication.application()
          .run(with(args, "--server.port=" + gatewayPort,
              "--example.service-uri=http://127.0.0.1:" + port(service)));
      return new WebFluxGatewayExample(service, gateway);
    } catch (RuntimeException e) {
      service.close();
      throw e;
    }
  }

  private static String[] with(String[] args, String... more) {
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return all;
  }

  /** @return the service's port */
  public int servicePort() {
    return port(service);
  }

  /** @return the gateway's port */
  public int gatewayPort() {
    return port(gateway);
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @Override
  public void close() {
    try {
      gateway.close();
    } finally {
      service.close();
    }
  }

  /**
   * Starts the service on 8081 and the gateway on 8080 ({@code SERVICE_PORT} and {@code GATEWAY_PORT} change them).
   *
   * @param args Spring Boot arguments for both applications
   */
  public static void main(String[] args) {
    WebFluxGatewayExample example = start(args, port("SERVICE_PORT", 8081), port("GATEWAY_PORT", 8080));
    System.out.println("service on http://127.0.0.1:" + example.servicePort() + ", gateway on http://127.0.0.1:"
        + example.gatewayPort());
  }

  private static int port(String variable, int fallback) {
    String value = System.getenv(variable);
    try {
      return value == null || value.isBlank() ? fallback : Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(variable + " must be a port number but was \"" + value + "\"", e);
    }
  }
}
