package io.limiter.bench;

import io.limiter.annotation.RateLimit;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * P5's Spring MVC server: a Spring Boot application (embedded Tomcat, Limiter's auto-configuration on the in-memory
 * store) with two identical endpoints, {@code /hello} without and {@code /rated} with {@code @RateLimit}, so that the
 * two measurements differ only by the annotation.
 *
 * <p>Usage: {@code SpringTarget <spring|spring-ratelimit> [port]}: prints {@code LISTENING <port> <path>}, the path
 * being the endpoint of that variant, and serves until stopped. The endpoints are stateless and thread-safe.
 */
// no component scan: this package also holds P5-R's reactive applications (ReactiveTarget)
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import(SpringTarget.Endpoints.class)
public class SpringTarget {

  /** {@link LimitShape#BOTTOMLESS} in the rate grammar: the limit is never reached. */
  static final String NEVER_REACHED = "1000/second burst 1000000000000";

  /** The endpoints. */
  @RestController
  public static class Endpoints {
    /** @return a constant body, no rate limit */
    @GetMapping(value = "/hello", produces = "text/plain")
    public String hello() {
      return "hello\n";
    }

    /** @return the same body, per-client-IP rate limited by a limit that is never reached */
    @GetMapping(value = "/rated", produces = "text/plain")
    @RateLimit(value = NEVER_REACHED, name = "rated")
    public String rated() {
      return "hello\n";
    }
  }

  /**
   * Starts the application.
   *
   * @param port the port, 0 for any free one
   * @return the running context; close it to stop
   */
  public static ConfigurableApplicationContext start(int port) {
    SpringApplication app = new SpringApplication(SpringTarget.class);
    // the class path holds WebFlux and the gateway too (P5-R): this one is the servlet stack on Tomcat
    app.setWebApplicationType(WebApplicationType.SERVLET);
    Map<String, Object> properties = new java.util.LinkedHashMap<>(ReactiveTarget.notAGateway());
    properties.putAll(Map.of(
        "server.port", String.valueOf(port),
        "server.address", "127.0.0.1",
        "spring.main.banner-mode", "off",
        "logging.level.root", "WARN",
        "limiter.store", "memory"));
    app.setDefaultProperties(properties);
    return app.run();
  }

  /**
   * @param context a context from {@link #start}
   * @return the port it listens on
   */
  public static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  /**
   * @param variant {@code spring} or {@code spring-ratelimit}
   * @return the endpoint path of that variant
   */
  public static String path(String variant) {
    switch (variant) {
      case "spring":
        return "/hello";
      case "spring-ratelimit":
        return "/rated";
      default:
        throw new IllegalArgumentException("variant must be spring or spring-ratelimit but was " + variant);
    }
  }

  /**
   * @param args {@code <spring|spring-ratelimit> [port]}
   */
  public static void main(String[] args) {
    if (args.length < 1) {
      System.err.println("usage: SpringTarget <spring|spring-ratelimit> [port]");
      System.exit(2);
    }
    String path = path(args[0]);
    ConfigurableApplicationContext context = start(args.length > 1 ? Integer.parseInt(args[1]) : 0);
    System.out.println("LISTENING " + port(context) + " " + path);
    System.out.flush();
  }
}
