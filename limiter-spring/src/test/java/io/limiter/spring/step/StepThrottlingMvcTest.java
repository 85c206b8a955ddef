package io.limiter.spring.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.limiter.core.step.Health;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.spring.micrometer.RateLimitMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Step-function throttling in a Spring Boot web application through MockMvc: tiers by header and by a SpEL bean
 * lookup, unlimited tiers without fields, a controller stepping down on scripted signals, the health feed from
 * responses, pin and unpin and penalty release through the actuator endpoint, metrics, and a URL rule sharing a
 * configured stepped policy. Each test uses its own policy or keys and its own controller; controllers tick by hand
 * (their interval is an hour).
 */
@SpringBootTest(classes = StepTestApplication.class, properties = {
    "limiter.policies.catalog.limits=10/hour",
    "limiter.policies.catalog.key=header:X-API-Key",
    "limiter.policies.catalog.tiers=free=2/hour; pro=5/hour; internal=unlimited; default=free",
    "limiter.policies.catalog.tier-key=trusted:header:X-Plan",
    "limiter.adaptive.scripted-health.levels=100%, 50%, 10%",
    "limiter.adaptive.scripted-health.down-after=1",
    "limiter.adaptive.scripted-health.up-after=1",
    "limiter.adaptive.scripted-health.cooldown=0",
    "limiter.adaptive.scripted-health.interval=1h",
    "limiter.adaptive.scripted-health.signals=scripted",
    "limiter.adaptive.errors.levels=100%, 50%",
    "limiter.adaptive.errors.error-ratio=50%",
    "limiter.adaptive.errors.min-samples=4",
    "limiter.adaptive.errors.down-after=1",
    "limiter.adaptive.errors.cooldown=0",
    "limiter.adaptive.errors.interval=1h",
    "limiter.adaptive.errors.in-flight=50",
    "limiter.adaptive.errors.ignored-keys=0",
    "limiter.adaptive.items-health.error-ratio=5%",
    "limiter.adaptive.items-health.interval=1h",
    "limiter.filter.rules[0].paths=/filtered/**",
    "limiter.filter.rules[0].policy=catalog",
    "management.endpoints.web.exposure.include=ratelimits",
    "management.endpoint.ratelimits.access=unrestricted"})
@AutoConfigureMockMvc
class StepThrottlingMvcTest {

  @Autowired
  MockMvc mvc;

  @Autowired
  StepControllerRegistry controllers;

  @Autowired
  StepTestApplication.Scripted scripted;

  @Autowired
  MeterRegistry meters;

  private int admitted(int n, String path, String... headers) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      var request = get(path);
      for (int h = 0; h < headers.length; h += 2) {
        request.header(headers[h], headers[h + 1]);
      }
      if (mvc.perform(request).andReturn().getResponse().getStatus() == 200) {
        ok++;
      }
    }
    return ok;
  }

  @Test
  void threeApiKeysOnThreeTiersByHeaderFromProperties() throws Exception {
    assertThat(admitted(6, "/catalog", "X-API-Key", "c-free", "X-Plan", "free")).isEqualTo(2);
    assertThat(admitted(8, "/catalog", "X-API-Key", "c-pro", "X-Plan", "pro")).isEqualTo(5);
    assertThat(admitted(25, "/catalog", "X-API-Key", "c-internal", "X-Plan", "internal")).isEqualTo(25);
    assertThat(admitted(6, "/catalog", "X-API-Key", "c-gold", "X-Plan", "gold")).as("unknown → default").isEqualTo(2);
    mvc.perform(get("/catalog").header("X-API-Key", "c-pro2").header("X-Plan", "pro"))
        .andExpect(status().isOk()).andExpect(header().string("RateLimit-Policy", "\"catalog\";q=5;w=3600"));
    mvc.perform(get("/catalog").header("X-API-Key", "c-internal").header("X-Plan", "internal"))
        .andExpect(status().isOk()).andExpect(header().doesNotExist("RateLimit-Policy"))
        .andExpect(header().doesNotExist("RateLimit"));
  }

  @Test
  void aUrlRuleSharesTheConfiguredStepsAndStateOfThePolicy() throws Exception {
    assertThat(admitted(1, "/catalog", "X-API-Key", "shared", "X-Plan", "free")).isEqualTo(1);
    assertThat(admitted(5, "/filtered/x", "X-API-Key", "shared", "X-Plan", "free")).as("1 of free's 2 left")
        .isEqualTo(1);
    assertThat(admitted(5, "/filtered/x", "X-API-Key", "f-internal", "X-Plan", "internal")).isEqualTo(5);
  }

  @Test
  void tiersFromASpelBeanLookupOfTheApiKey() throws Exception {
    assertThat(admitted(5, "/plans", "X-API-Key", "k-free")).isEqualTo(1);
    assertThat(admitted(5, "/plans", "X-API-Key", "k-pro")).isEqualTo(2);
    assertThat(admitted(20, "/plans", "X-API-Key", "k-internal")).isEqualTo(20);
    assertThat(admitted(5, "/plans", "X-API-Key", "k-unknown")).as("unknown key → default free").isEqualTo(1);
  }

  @Test
  void aControllerSteppingDownOnUnhealthySignalsChangesAdmittedCountsAndIsPinnedThroughTheActuator()
      throws Exception {
    StepController health = controllers.controller("scripted-health");
    assertThat(health.running()).as("started with the context").isTrue();
    assertThat(admitted(15, "/adaptive", "X-API-Key", "a1")).isEqualTo(10);

    scripted.next.set(Health.unhealthy("queue 900 > 500"));
    health.tick();
    assertThat(admitted(15, "/adaptive", "X-API-Key", "a2")).isEqualTo(5);
    assertThat(meters.get(RateLimitMetrics.STEP_LEVEL).tag("controller", "scripted-health").gauge().value())
        .isEqualTo(1.0);
    assertThat(meters.get(RateLimitMetrics.STEP_FACTOR).tag("controller", "scripted-health").gauge().value())
        .isEqualTo(0.5);
    assertThat(meters.get(RateLimitMetrics.STEP_CHANGES).tags("controller", "scripted-health", "cause", "down")
        .counter().count()).isEqualTo(1.0);
    assertThat(meters.get(RateLimitMetrics.STEP_SIGNAL_FAILURES).tag("controller", "scripted-health")
        .functionCounter().count()).isZero();

    scripted.next.set(Health.healthy("queue 10 <= 500"));
    mvc.perform(post("/actuator/ratelimits/controllers/scripted-health").contentType(MediaType.APPLICATION_JSON)
            .content("{\"level\": \"10%\", \"reason\": \"incident 42\"}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.level").value(2))
        .andExpect(jsonPath("$.factor").value("10%"))
        .andExpect(jsonPath("$.pinned").value(true))
        .andExpect(jsonPath("$.lastChange.cause").value("PIN"))
        .andExpect(jsonPath("$.lastChange.reason").value("pinned: incident 42"));
    health.tick();
    assertThat(health.level()).as("a pin holds against healthy signals").isEqualTo(2);
    assertThat(admitted(15, "/adaptive", "X-API-Key", "a3")).isEqualTo(1);
    mvc.perform(get("/actuator/ratelimits"))
        .andExpect(jsonPath("$.controllers.scripted-health.pinned").value(true))
        .andExpect(jsonPath("$.controllers.scripted-health.levels[1]").value("50%"))
        .andExpect(jsonPath("$.controllers.scripted-health.signalFailures").value(0))
        .andExpect(jsonPath("$.controllers.scripted-health.warnings").isArray())
        .andExpect(jsonPath("$.policies.adaptive.steps.adaptive").value("scripted-health"))
        .andExpect(jsonPath("$.policies.adaptive.steps.limitsNow['(default)']").value("1/hour"));

    mvc.perform(delete("/actuator/ratelimits/controllers/scripted-health"))
        .andExpect(status().isOk()).andExpect(jsonPath("$.pinned").value(false));
    health.tick();
    health.tick();
    assertThat(health.level()).as("back up on healthy signals").isZero();
    assertThat(admitted(15, "/adaptive", "X-API-Key", "a4")).isEqualTo(10);

    mvc.perform(post("/actuator/ratelimits/controllers/scripted-health").contentType(MediaType.APPLICATION_JSON)
        .content("{\"level\": \"33%\"}")).andExpect(status().isBadRequest());
    mvc.perform(post("/actuator/ratelimits/controllers/nope").contentType(MediaType.APPLICATION_JSON)
        .content("{\"level\": \"1\"}")).andExpect(status().isBadRequest());
  }

  @Test
  void admittedCallsFeedTheControllersSignals() throws Exception {
    StepController errors = controllers.controller("errors");
    assertThat(admitted(4, "/flaky")).isEqualTo(4);
    errors.tick();
    assertThat(errors.level()).isZero();
    for (int i = 0; i < 3; i++) {
      mvc.perform(get("/flaky").param("fail", "true")).andExpect(status().isInternalServerError());
    }
    admitted(1, "/flaky");
    assertThat(errors.inFlight()).isZero();
    errors.tick();
    assertThat(errors.level()).as("3 of 4 calls failed").isOne();
    assertThat(errors.lastChange().reason()).contains("error ratio 75% (3 of 4 calls) > 50%");
  }

  @Test
  void aClientInThePenaltyBoxIsReleasedThroughTheActuator() throws Exception {
    assertThat(admitted(1, "/boxed", "X-API-Key", "mallory")).isOne();
    mvc.perform(get("/boxed").header("X-API-Key", "mallory")).andExpect(status().isTooManyRequests());
    mvc.perform(get("/boxed").header("X-API-Key", "mallory")).andExpect(status().isTooManyRequests());
    mvc.perform(get("/boxed").header("X-API-Key", "mallory")).andExpect(status().isTooManyRequests())
        .andExpect(header().string("Retry-After", org.hamcrest.Matchers.matchesPattern("3[56][0-9][0-9]")));
    assertThat(meters.get(RateLimitMetrics.PENALTY_EVENTS).tags("policy", "boxed", "type", "entered").counter()
        .count()).isEqualTo(1.0);

    mvc.perform(delete("/actuator/ratelimits/penalties/boxed").param("key", "h:x-api-key:mallory"))
        .andExpect(status().isOk()).andExpect(jsonPath("$.released").value(true))
        .andExpect(jsonPath("$.key").value("h:x-api-key:mallory"));
    assertThat(meters.get(RateLimitMetrics.PENALTY_EVENTS).tags("policy", "boxed", "type", "released").counter()
        .count()).isEqualTo(1.0);
    mvc.perform(delete("/actuator/ratelimits/penalties/boxed").param("key", "h:x-api-key:mallory"))
        .andExpect(jsonPath("$.released").value(false));
    mvc.perform(delete("/actuator/ratelimits/penalties/boxed")).andExpect(status().isBadRequest());
    mvc.perform(delete("/actuator/ratelimits/penalties/catalog").param("key", "x")).andExpect(status().isBadRequest());
  }
}
