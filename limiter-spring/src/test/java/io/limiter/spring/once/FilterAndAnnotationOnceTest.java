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
    "limiter.filter.rules[0].policy=shared"})
@AutoConfigureMockMvc
class FilterAndAnnotationOnceTest {

  /** The application. */
  @SpringBootApplication
  @Import(Handler.class)
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

  @Autowired
  MockMvc mvc;

  @Test
  void aPolicyNamedByARuleAndAnAnnotationChargesARequestOnce() throws Exception {
    for (int i = 0; i < 3; i++) {
      mvc.perform(get("/once/data")).andExpect(status().isOk());
    }
    mvc.perform(get("/once/data")).andExpect(status().isTooManyRequests());
  }
}
