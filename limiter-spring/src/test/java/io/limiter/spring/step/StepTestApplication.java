package io.limiter.spring.step;

import io.limiter.annotation.RateLimit;
import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** A Spring Boot web application with every kind of step-function throttling. */
@SpringBootApplication
public class StepTestApplication {

  /** A health signal the tests script. */
  public static final class Scripted implements HealthSignal {
    final AtomicReference<Health> next = new AtomicReference<>(Health.healthy("fine"));

    @Override
    public String name() {
      return "scripted";
    }

    @Override
    public Health sample() {
      return next.get();
    }
  }

  @Bean
  Scripted scripted() {
    return new Scripted();
  }

  /** The demo API keys and their plans. */
  public static final class Plans {
    private final Map<String, String> byKey = Map.of("k-free", "free", "k-pro", "pro", "k-internal", "internal");

    public String tierOf(String apiKey) {
      return apiKey == null ? null : byKey.get(apiKey);
    }
  }

  @Bean
  Plans plans() {
    return new Plans();
  }

  /** The handlers. */
  @RestController
  public static class Handlers {

    @GetMapping("/catalog")
    @RateLimit(name = "catalog")
    public String catalog() {
      return "catalog";
    }

    @GetMapping("/plans")
    @RateLimit(value = "3/hour", name = "plans", key = "header:X-API-Key",
        tiers = "free=1/hour; pro=2/hour; internal=unlimited; default=free", tierKey = "@plans.tierOf(#apiKey)")
    public String plans(@RequestHeader(name = "X-API-Key", required = false) String apiKey) {
      return "plans";
    }

    @GetMapping("/adaptive")
    @RateLimit(value = "10/hour", name = "adaptive", key = "header:X-API-Key", adaptive = "scripted-health")
    public String adaptive() {
      return "adaptive";
    }

    @GetMapping("/flaky")
    @RateLimit(value = "100/hour", name = "flaky", key = "global", adaptive = "errors")
    public ResponseEntity<String> flaky(@RequestParam(defaultValue = "false") boolean fail) {
      return fail ? ResponseEntity.internalServerError().body("broken") : ResponseEntity.ok("fine");
    }

    @GetMapping("/boxed")
    @RateLimit(value = "1/hour", name = "boxed", key = "header:X-API-Key", penalty = "1/hour -> block for 1h")
    public String boxed() {
      return "boxed";
    }

    @GetMapping("/items/{id}")
    @RateLimit(value = "100000/hour", name = "items", key = "ip", adaptive = "items-health")
    public String item(@PathVariable String id) {
      if (id.equals("boom")) {
        throw new IllegalStateException("the database is down");
      }
      if (!id.equals("1")) {
        throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no item " + id);
      }
      return "item 1";
    }

    @GetMapping("/filtered/x")
    public String filtered() {
      return "filtered";
    }
  }
}
