package io.limiter.spring.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.limiter.core.step.StepControllerRegistry;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * The {@code ratelimits} endpoint is read-only unless the application opts in: exposing it over the web must not let
 * anyone pin a step level or free a client from a penalty box.
 */
class RateLimitsEndpointAccessTest {

  /**
   * The application of both cases. On the nested classes, not this one: a context of the enclosing class would be
   * paused by the second nested context and restarted after the tests, which the step controllers do not survive.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @SpringBootTest(classes = StepTestApplication.class, properties = {
      "limiter.adaptive.scripted-health.levels=100%, 50%, 10%",
      "limiter.adaptive.scripted-health.interval=1h",
      "limiter.adaptive.scripted-health.signals=scripted",
      "limiter.adaptive.errors.levels=100%, 50%",
      "limiter.adaptive.errors.error-ratio=50%",
      "limiter.adaptive.errors.interval=1h",
      "limiter.adaptive.items-health.error-ratio=50%",
      "limiter.adaptive.items-health.interval=1h",
      "limiter.policies.catalog.limits=10/hour",
      "management.endpoints.web.exposure.include=ratelimits"})
  @AutoConfigureMockMvc
  @interface EndpointApp {
  }

  private static final String PIN = "/actuator/ratelimits/controllers/scripted-health";
  private static final String RELEASE = "/actuator/ratelimits/penalties/boxed";

  private static MvcResult pin(MockMvc mvc) throws Exception {
    return mvc.perform(post(PIN).contentType(MediaType.APPLICATION_JSON).content("{\"level\": \"10%\"}"))
        .andReturn();
  }

  /** Exposed over the web, with no access setting: reads work, writes do not exist. */
  @Nested
  @EndpointApp
  class ByDefault {
    @Autowired
    MockMvc mvc;

    @Autowired
    StepControllerRegistry controllers;

    @Test
    void readsWorkAndWritesAreRefused() throws Exception {
      mvc.perform(get("/actuator/ratelimits")).andExpect(status().isOk())
          .andExpect(jsonPath("$.controllers.scripted-health.pinned").value(false));
      assertThat(pin(mvc).getResponse().getStatus()).as("pin").isBetween(400, 499);
      assertThat(controllers.controller("scripted-health").pinned()).isFalse();
      assertThat(controllers.controller("scripted-health").level()).isZero();
      assertThat(mvc.perform(delete(PIN)).andReturn().getResponse().getStatus()).as("unpin").isBetween(400, 499);
      assertThat(mvc.perform(delete(RELEASE).param("key", "h:x-api-key:mallory")).andReturn().getResponse()
          .getStatus()).as("release").isBetween(400, 499);
    }
  }

  /** With {@code management.endpoint.ratelimits.access=unrestricted}, the writes are there. */
  @Nested
  @EndpointApp
  @TestPropertySource(properties = "management.endpoint.ratelimits.access=unrestricted")
  class OptedIn {
    @Autowired
    MockMvc mvc;

    @Autowired
    StepControllerRegistry controllers;

    @Test
    void writesAreAllowed() throws Exception {
      assertThat(pin(mvc).getResponse().getStatus()).isEqualTo(200);
      assertThat(controllers.controller("scripted-health").pinned()).isTrue();
      mvc.perform(delete(PIN)).andExpect(status().isOk()).andExpect(jsonPath("$.pinned").value(false));
      mvc.perform(delete(RELEASE).param("key", "h:x-api-key:mallory")).andExpect(status().isOk())
          .andExpect(jsonPath("$.released").value(false));
    }

    /**
     * A write naming what does not exist gets 400 with a body that lists what does (docs/step-throttling.md); a bare
     * 400 would lose the message, since Spring Boot's error page leaves it out by default.
     */
    @Test
    void badWritesAreAnsweredWithWhatExists() throws Exception {
      mvc.perform(post("/actuator/ratelimits/controllers/nope").contentType(MediaType.APPLICATION_JSON)
          .content("{\"level\": \"1\"}")).andExpect(status().isBadRequest())
          .andExpect(jsonPath("$.message").value("unknown step controller \"nope\"; known controllers: "
              + controllers.names()));
      mvc.perform(delete("/actuator/ratelimits/controllers/nope")).andExpect(status().isBadRequest())
          .andExpect(jsonPath("$.message").value(org.hamcrest.Matchers.containsString("scripted-health")));
      mvc.perform(post(PIN).contentType(MediaType.APPLICATION_JSON).content("{\"level\": \"33%\"}"))
          .andExpect(status().isBadRequest())
          .andExpect(jsonPath("$.message").value(org.hamcrest.Matchers.containsString(
              "its levels are [100%, 50%, 10%]")));
      mvc.perform(delete("/actuator/ratelimits/penalties/catalog").param("key", "x"))
          .andExpect(status().isBadRequest())
          .andExpect(jsonPath("$.message").value("policy \"catalog\" has no penalty box; policies with one: [boxed]"));
      assertThat(controllers.controller("scripted-health").pinned()).isFalse();
    }
  }
}
