package io.limiter.examples.springboot;

import io.limiter.annotation.RateLimit;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The example API. Every path here is also under the URL rule {@code api} (100/minute per IP). */
@RestController
@RequestMapping("/api")
public class ApiController {

  /**
   * Five calls a minute per client IP; the sixth gets 429 with {@code Retry-After}.
   *
   * @return a greeting
   */
  @GetMapping("/hello")
  @RateLimit(value = "5/minute", name = "hello")
  public Map<String, String> hello() {
    return Map.of("message", "Hello, rate limited world!", "time", Instant.now().toString());
  }

  /**
   * Ten calls a minute and a hundred an hour per API key; without an {@code X-API-Key} header the answer is 401.
   *
   * @param apiKey the client's key
   * @return the client's orders
   */
  @GetMapping("/orders")
  @RateLimit(value = "10/minute; 100/hour", name = "orders", key = "header:X-API-Key")
  public List<Map<String, Object>> orders(@RequestHeader(name = "X-API-Key", required = false) String apiKey) {
    return List.of(Map.of("id", 1, "customer", apiKey, "total", "19.99"),
        Map.of("id", 2, "customer", apiKey, "total", "5.00"));
  }

  /**
   * An expensive call: two a minute per client IP under the policy {@code export} of {@code application.properties},
   * which fails closed: while the store cannot be asked (Redis down), calls get 503 with {@code Retry-After}
   * instead of going through unlimited.
   *
   * @return a report
   */
  @GetMapping("/export")
  @RateLimit(name = "export")
  public Map<String, String> export() {
    return Map.of("report", "all orders", "generated", Instant.now().toString());
  }

  /**
   * Not annotated: only the URL rule applies.
   *
   * @return the server time
   */
  @GetMapping("/time")
  public Map<String, String> time() {
    return Map.of("time", Instant.now().toString());
  }
}
