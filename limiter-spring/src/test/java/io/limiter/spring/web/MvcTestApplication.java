package io.limiter.spring.web;

import io.limiter.annotation.RateLimit;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A Spring Boot web application with rate limited handlers, a rate limited service and a URL rule. */
@SpringBootApplication
public class MvcTestApplication {

  /** A service limited on its own, called by an unannotated handler. */
  @Service
  public static class QuoteService {
    @RateLimit(value = "2/minute", name = "quotes", key = "global")
    public String quote() {
      return "42";
    }
  }

  /** The handlers. */
  @RestController
  public static class Handlers {
    private final QuoteService quotes;

    public Handlers(QuoteService quotes) {
      this.quotes = quotes;
    }

    @GetMapping("/hello")
    @RateLimit(value = "3/minute", name = "hello")
    public Map<String, String> hello() {
      return Map.of("message", "hello");
    }

    @GetMapping("/orders")
    @RateLimit(value = "2/minute", name = "orders", key = "header:X-API-Key")
    public String orders() {
      return "orders";
    }

    @GetMapping("/search")
    @RateLimit(value = "1/minute", name = "search", key = "#q")
    public String search(@RequestParam String q) {
      return "results for " + q;
    }

    @GetMapping("/metered")
    @RateLimit(value = "2/minute", name = "metered")
    public String metered() {
      return "metered";
    }

    @GetMapping("/shadowed")
    @RateLimit(value = "1/minute", name = "shadowed", shadow = true)
    public String shadowed() {
      return "shadowed";
    }

    @GetMapping("/quote")
    public String quote() {
      return quotes.quote();
    }

    @GetMapping("/filtered/data")
    @RateLimit(value = "10/minute", name = "data")
    public String filtered() {
      return "data";
    }
  }
}
