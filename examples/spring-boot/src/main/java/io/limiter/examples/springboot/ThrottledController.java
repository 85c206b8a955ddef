package io.limiter.examples.springboot;

import io.limiter.annotation.RateLimit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Step-function throttling in the example, outside the {@code /api/**} URL rule so that only these limits apply.
 *
 * <ul>
 *   <li>{@code GET /catalog}: client tiers. The API key's plan picks the limits: free 5/minute, pro 100/minute,
 *       internal unlimited (no store access, no rate limit fields); unknown keys get the free tier.
 *   <li>{@code GET /work}: adaptive steps. Its latency grows with concurrency ({@value #BASE_MS} ms plus
 *       {@value #PER_CALL_MS} ms for every call in flight, so it serves at most about 250 calls a second), and the
 *       step controller {@code work-health} (application.properties) steps its {@code 300/second} limit down while
 *       the p95 latency is above 150 ms and back up when it recovers. {@code StepDemo} (test sources) drives it.
 * </ul>
 */
@RestController
public class ThrottledController {

  /** The latency of a call alone. */
  static final long BASE_MS = 20;
  /** The latency each call in flight adds. */
  static final long PER_CALL_MS = 4;

  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param apiKey the client's API key
   * @return the catalog
   */
  @GetMapping("/catalog")
  @RateLimit(value = "5/minute", name = "catalog", key = "header:X-API-Key",
      tiers = "free=5/minute; pro=100/minute; internal=unlimited; default=free",
      tierKey = "@demoApiKeys.planOf(#apiKey)")
  public Map<String, Object> catalog(@RequestHeader(name = "X-API-Key", required = false) String apiKey) {
    return Map.of("items", java.util.List.of("book", "lamp", "mug"));
  }

  /**
   * Simulated work whose duration grows with the calls in flight, like a server whose shared resource (a database,
   * a lock, the CPU) slows everyone down as more calls use it.
   *
   * @return how long it worked
   * @throws InterruptedException if the server shuts down meanwhile
   */
  @GetMapping("/work")
  @RateLimit(value = "300/second", name = "work", key = "global", adaptive = "work-health")
  public Map<String, Object> work() throws InterruptedException {
    int concurrent = inFlight.incrementAndGet();
    try {
      long millis = BASE_MS + PER_CALL_MS * concurrent;
      Thread.sleep(millis);
      return Map.of("inFlight", concurrent, "workedMillis", millis);
    } finally {
      inFlight.decrementAndGet();
    }
  }
}
