package io.limiter.spring.once;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.limiter.annotation.RateLimit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A request that a URL rule and a handler annotation both put under the same configured policy is charged once by
 * it: one call into the limited boundary is one charge per policy.
 */
@SpringBootTest(classes = FilterAndAnnotationOnceTest.App.class, properties = {
    "limiter.policies.shared.limits=3/minute",
    "limiter.filter.rules[0].paths=/once/**",
    "limiter.filter.rules[0].policy=shared",
    "limiter.policies.keyed.limits=2/minute",
    "limiter.filter.rules[1].paths=/keyed/**",
    "limiter.filter.rules[1].policy=keyed",
    "limiter.filter.rules[1].key=ip"})
@AutoConfigureMockMvc
class FilterAndAnnotationOnceTest {

  /** The application. */
  @SpringBootApplication
  @Import({Handler.class, KeyedHandler.class})
  static class App {
  }

  /** A handler under the same policy as the URL rule. */
  @RestController
  static class Handler {
    @GetMapping("/once/data")
    @RateLimit(name = "shared")
    public String data() {
      return "data";
    }
  }

  /** A handler under the same policy as its URL rule, but keyed by API key where the rule keys by IP. */
  @RestController
  static class KeyedHandler {
    @GetMapping("/keyed/data")
    @RateLimit(name = "keyed", key = "header:X-API-Key")
    public String data() {
      return "keyed";
    }
  }

  @Autowired
  MockMvc mvc;

  @Test
  void aPolicyNamedByARuleAndAnAnnotationChargesARequestOnce() throws Exception {
    for (int i = 0; i < 3; i++) {
      mvc.perform(get("/once/data")).andExpect(status().isOk());
    }
    mvc.perform(get("/once/data")).andExpect(status().isTooManyRequests());
  }

  @Test
  void underAnotherKeyTheAnnotationStillCharges() throws Exception {
    for (int i = 1; i <= 2; i++) {
      String ip = "10.9.0." + i;
      mvc.perform(get("/keyed/data").header("X-API-Key", "k1").with(r -> {
        r.setRemoteAddr(ip);
        return r;
      })).andExpect(status().isOk());
    }
    mvc.perform(get("/keyed/data").header("X-API-Key", "k1").with(r -> {
      r.setRemoteAddr("10.9.0.3");
      return r;
    })).andExpect(status().isTooManyRequests());
  }
}
