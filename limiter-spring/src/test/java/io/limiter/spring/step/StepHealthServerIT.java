package io.limiter.spring.step;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The aspect's health feed over real HTTP on Tomcat: a client asking for items that do not exist (404) is not a sick
 * server, while calls that really fail still are. Every call counts here (ignored-keys=0), so only the classification
 * of the exceptions protects the level. The controller ticks by hand (interval one hour).
 */
@SpringBootTest(classes = StepTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "limiter.adaptive.items-health.error-ratio=5%",
        "limiter.adaptive.items-health.error-ratio-severe=50%",
        "limiter.adaptive.items-health.min-samples=20",
        "limiter.adaptive.items-health.down-after=1",
        "limiter.adaptive.items-health.cooldown=0",
        "limiter.adaptive.items-health.interval=1h",
        "limiter.adaptive.items-health.ignored-keys=0",
        // what the other handlers of the application need
        "limiter.policies.catalog.limits=10/hour",
        "limiter.adaptive.scripted-health.signals=scripted",
        "limiter.adaptive.scripted-health.interval=1h",
        "limiter.adaptive.errors.error-ratio=50%",
        "limiter.adaptive.errors.interval=1h"})
class StepHealthServerIT {

  @LocalServerPort
  int port;

  @Autowired
  StepControllerRegistry controllers;

  private final HttpClient http = HttpClient.newHttpClient();

  private int get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void notFoundIsTheClientsErrorButAServerFailureIsNot() throws Exception {
    StepController health = controllers.controller("items-health");
    for (int i = 0; i < 20; i++) {
      assertThat(get("/items/unknown-" + i)).isEqualTo(404);
    }
    health.tick();
    assertThat(health.lastHealth().detail()).isEqualTo("error ratio 0% (0 of 20 calls) <= 5%");
    assertThat(health.level()).as("20 unknown items are no emergency").isZero();

    for (int i = 0; i < 20; i++) {
      assertThat(get("/items/boom")).isEqualTo(500);
    }
    health.tick();
    assertThat(health.lastHealth().detail()).isEqualTo("error ratio 100% (20 of 20 calls) > severe 50%");
    assertThat(health.level()).as("a failing database is").isEqualTo(health.floor());
  }
}
