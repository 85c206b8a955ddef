package io.limiter.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.limiter.spring.micrometer.RateLimitMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The annotations, the exception handler and the URL-rule filter in a Spring Boot web application, through MockMvc.
 * Each test uses its own policy, so the order of tests does not matter.
 */
@SpringBootTest(classes = MvcTestApplication.class, properties = {
    "limiter.filter.rules[0].name=filtered",
    "limiter.filter.rules[0].paths=/filtered/**",
    "limiter.filter.rules[0].limits=2/minute"})
@AutoConfigureMockMvc
class RateLimitMvcTest {

  @Autowired
  MockMvc mvc;

  @Autowired
  MeterRegistry meters;

  @Test
  void admittedResponsesCarryTheFieldsAndTheFourthCallGets429WithAProblem() throws Exception {
    for (int remaining = 2; remaining >= 0; remaining--) {
      mvc.perform(get("/hello").with(r -> remote(r, "10.0.0.1")))
          .andExpect(status().isOk())
          .andExpect(header().string("RateLimit-Policy", "\"hello\";q=3;w=60"))
          .andExpect(header().string("RateLimit", org.hamcrest.Matchers.startsWith("\"hello\";r=" + remaining + ";t=")))
          .andExpect(jsonPath("$.message").value("hello"));
    }
    mvc.perform(get("/hello").with(r -> remote(r, "10.0.0.1")))
        .andExpect(status().isTooManyRequests())
        .andExpect(header().string("Retry-After", "20"))
        .andExpect(header().string("RateLimit", "\"hello\";r=0;t=20"))
        .andExpect(content().contentType("application/problem+json"))
        .andExpect(jsonPath("$.type").value("https://iana.org/assignments/http-problem-types#quota-exceeded"))
        .andExpect(jsonPath("$.title").value("Too Many Requests"))
        .andExpect(jsonPath("$.status").value(429))
        .andExpect(jsonPath("$.detail").value("Rate limit exceeded for policy hello (3/minute); retry after 20 seconds."))
        .andExpect(jsonPath("$['violated-policies'][0]").value("hello"));
    // another client IP has its own bucket
    mvc.perform(get("/hello").with(r -> remote(r, "10.0.0.2"))).andExpect(status().isOk());
  }

  @Test
  void aMissingApiKeyIs401AndEachKeyHasItsOwnBucket() throws Exception {
    mvc.perform(get("/orders"))
        .andExpect(status().isUnauthorized())
        .andExpect(content().contentType("application/problem+json"))
        .andExpect(jsonPath("$.title").value("Unauthorized"))
        .andExpect(header().string("WWW-Authenticate", "ApiKey header=\"X-API-Key\""))
        .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("send the header X-API-Key")));
    mvc.perform(get("/orders").header("X-API-Key", "alice")).andExpect(status().isOk());
    mvc.perform(get("/orders").header("X-API-Key", "alice")).andExpect(status().isOk());
    mvc.perform(get("/orders").header("X-API-Key", "alice")).andExpect(status().isTooManyRequests());
    mvc.perform(get("/orders").header("X-API-Key", "bob")).andExpect(status().isOk());
  }

  @Test
  void spelKeysOverRequestParametersAreIsolated() throws Exception {
    mvc.perform(get("/search").param("q", "cats")).andExpect(status().isOk());
    mvc.perform(get("/search").param("q", "dogs")).andExpect(status().isOk());
    mvc.perform(get("/search").param("q", "cats")).andExpect(status().isTooManyRequests());
  }

  @Test
  void aLimitedServiceCalledByAHandlerDoesNotDescribeItselfToTheClient() throws Exception {
    mvc.perform(get("/quote")).andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit"));
    mvc.perform(get("/quote")).andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit"));
    mvc.perform(get("/quote")).andExpect(status().isTooManyRequests())
        .andExpect(jsonPath("$['violated-policies'][0]").value("quotes"));
  }

  @Test
  void theUrlRuleAndTheAnnotationBothApplyAndBothAreReported() throws Exception {
    mvc.perform(get("/filtered/data").with(r -> remote(r, "10.0.0.3")))
        .andExpect(status().isOk())
        .andExpect(header().string("RateLimit-Policy", "\"filtered\";q=2;w=60, \"data\";q=10;w=60"));
    mvc.perform(get("/filtered/data").with(r -> remote(r, "10.0.0.3"))).andExpect(status().isOk());
    mvc.perform(get("/filtered/data").with(r -> remote(r, "10.0.0.3")))
        .andExpect(status().isTooManyRequests())
        .andExpect(jsonPath("$['violated-policies'][0]").value("filtered"));
  }

  @Test
  void shadowPoliciesLetCallsThroughAndReportThem() throws Exception {
    mvc.perform(get("/shadowed")).andExpect(status().isOk());
    mvc.perform(get("/shadowed")).andExpect(status().isOk());
    assertThat(meters.get(RateLimitMetrics.DECISIONS).tags("policy", "shadowed", "outcome", "shadow_rejected")
        .counter().count()).isEqualTo(1.0);
  }

  @Test
  void metricsCountAKnownSequence() throws Exception {
    for (int i = 0; i < 5; i++) {
      mvc.perform(get("/metered").with(r -> remote(r, "10.0.0.9")));
    }
    assertThat(meters.get(RateLimitMetrics.DECISIONS).tags("policy", "metered", "outcome", "allowed")
        .counter().count()).isEqualTo(2.0);
    assertThat(meters.get(RateLimitMetrics.DECISIONS).tags("policy", "metered", "outcome", "rejected")
        .counter().count()).isEqualTo(3.0);
    assertThat(meters.get(RateLimitMetrics.STORE_LATENCY).tags("policy", "metered").timer().count()).isEqualTo(5);
    assertThat(meters.get(RateLimitMetrics.STORE_ERRORS).tags("policy", "metered").counter().count()).isZero();
  }

  private static org.springframework.mock.web.MockHttpServletRequest remote(
      org.springframework.mock.web.MockHttpServletRequest request, String address) {
    request.setRemoteAddr(address);
    return request;
  }
}
