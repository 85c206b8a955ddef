package io.limiter.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/**
 * Starts the example and prints where to send requests. By default the limits live in this JVM (the in-memory
 * store); with the profile {@code redis} ({@code application-redis.properties}) they live in Redis, so that several
 * instances share them ({@code run-two-instances.sh} starts two).
 *
 * <ul>
 *   <li>{@code GET /api/hello}: {@code @RateLimit("5/minute")} per client IP;
 *   <li>{@code GET /api/orders}: {@code "10/minute; 100/hour"} per {@code X-API-Key} header (no key → 401);
 *   <li>{@code GET /api/export}: the policy {@code export}, 2/minute per client IP, failing closed (503) while the
 *       store is unavailable;
 *   <li>every {@code /api/**} path: 100/minute per client IP, a URL rule in {@code application.properties};
 *   <li>{@code GET /catalog}: limits by the API key's plan (free, pro, internal), see {@link ThrottledController};
 *   <li>{@code GET /work}: a limit that steps down while the endpoint's latency is high and back up when it recovers;
 *   <li>{@code GET /actuator/ratelimits}: the configured policies and step controllers. The endpoint is read-only
 *       here: pinning a controller's level ({@code POST /actuator/ratelimits/controllers/work-health}) needs
 *       {@code management.endpoint.ratelimits.access=unrestricted} and, then, protection (docs/spring.md).
 * </ul>
 */
@SpringBootApplication
public class ExampleApplication {

  private final Environment environment;

  /**
   * @param environment the environment, for the port the server listens on
   */
  public ExampleApplication(Environment environment) {
    this.environment = environment;
  }

  /**
   * @param args command line arguments, e.g. {@code --server.port=9090}
   */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }

  /** Prints the URLs once the server is up. */
  @EventListener(ApplicationReadyEvent.class)
  public void printUrls() {
    String base = "http://localhost:" + environment.getProperty("local.server.port", "8080");
    System.out.println();
    System.out.println("Limiter example is running at " + base + " (store: "
        + environment.getProperty("limiter.store", "memory") + ")");
    System.out.println("  curl -i " + base + "/api/hello                        (5/minute per IP)");
    System.out.println("  curl -i -H 'X-API-Key: demo' " + base + "/api/orders  (10/minute; 100/hour per key)");
    System.out.println("  curl -i " + base + "/api/export                       (2/minute per IP, fails closed)");
    System.out.println("  curl -i -H 'X-API-Key: " + DemoApiKeys.FREE + "' " + base + "/catalog       (free: 5/minute;"
        + " also " + DemoApiKeys.PRO + ", " + DemoApiKeys.INTERNAL + ")");
    System.out.println("  curl -i " + base + "/work                              (300/second x the level of "
        + "work-health)");
    System.out.println("  curl " + base + "/actuator/ratelimits                  (policies and step controllers)");
    System.out.println("Stop it with Ctrl+C.");
    System.out.println();
  }
}
