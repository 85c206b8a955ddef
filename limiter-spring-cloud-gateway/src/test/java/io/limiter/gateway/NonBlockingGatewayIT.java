package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Decision;
import io.limiter.core.RateLimitListener;
import io.limiter.test.NonBlocking;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Every local path the gateway limiter takes — the Caffeine store, a step level (schedule), a penalty box, listeners
 * and Micrometer meters — decides on the event loop without blocking: the harness fails a test on any blocking call
 * from a non-blocking thread, and the listener records that it ran on one. (The in-memory store runs under the same
 * harness in {@link GatewayRateLimiterIT}, Redis in {@link RedisGatewayIT}.)
 */
@ExtendWith(NonBlocking.class)
class NonBlockingGatewayIT {

  static final List<Boolean> LISTENER_ON_EVENT_LOOP = new CopyOnWriteArrayList<>();

  static Backend backend;
  static Gateway gateway;

  @BeforeAll
  static void start() {
    backend = Backend.start();
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("limiter.store", "caffeine");
    p.putAll(Gateway.route(0, "plain", backend.uri(), Map.of("limits", "3/minute")));
    p.putAll(Gateway.route(1, "stepped", backend.uri(), Map.of("policy", "stepped")));
    p.putAll(Gateway.route(2, "boxed", backend.uri(), Map.of("policy", "boxed")));
    // a schedule step that always applies: half the policy's limits
    p.put("limiter.policies.stepped.limits", "4/minute");
    p.put("limiter.policies.stepped.schedule", "zone=UTC; default=50%");
    // two rejections in a minute put the client into the penalty box: a quarter of the limits for an hour
    p.put("limiter.policies.boxed.limits", "4/minute");
    p.put("limiter.policies.boxed.penalty", "2/minute -> 25% for 1h");
    gateway = Gateway.start(p, Observed.class);
  }

  @AfterAll
  static void stop() {
    Gateway.closeAll(gateway, backend);
  }

  @Test
  void caffeineStoreListenersAndMetersDecideOnTheEventLoop() {
    LISTENER_ON_EVENT_LOOP.clear();
    assertThat(gateway.admitted("/plain/x", "k1", 5)).isEqualTo(3);
    assertThat(LISTENER_ON_EVENT_LOOP).hasSize(5).containsOnly(true);
    MeterRegistry meters = gateway.context().getBean(MeterRegistry.class);
    assertThat(meters.get("limiter.decisions").tag("policy", "plain").tag("outcome", "allowed").counter().count())
        .isEqualTo(3);
    assertThat(meters.get("limiter.decisions").tag("policy", "plain").tag("outcome", "rejected").counter().count())
        .isEqualTo(2);
  }

  @Test
  void aStepLevelDecidesOnTheEventLoop() {
    assertThat(gateway.admitted("/stepped/x", "k2", 4)).isEqualTo(2);
    assertThat(gateway.get("/stepped/x", "k3").headers().firstValue("RateLimit-Policy"))
        .hasValue("\"stepped\";q=2;w=60");
  }

  @Test
  void thePenaltyBoxDecidesOnTheEventLoop() {
    assertThat(gateway.admitted("/boxed/x", "k4", 8)).isEqualTo(4);
    assertThat(gateway.get("/boxed/x", "k4").headers().firstValue("RateLimit-Policy"))
        .hasValue("\"boxed\";q=1;w=60");
  }

  @Test
  void theHarnessSeesABlockingCallOnANonBlockingThread() {
    assertThatThrownBy(() -> Mono.delay(Duration.ZERO, Schedulers.parallel())
        .doOnNext(tick -> sleep())
        .block(Duration.ofSeconds(60)))
        .hasMessageContaining("Blocking call!");
    assertThat(NonBlocking.violations()).singleElement().asString().contains("java.lang.Thread.sleep")
        .contains("parallel");
    NonBlocking.clear();
  }

  private static void sleep() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Meters and a listener that records whether it was called on a non-blocking thread. */
  @Configuration(proxyBeanMethods = false)
  static class Observed {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    RateLimitListener threadRecorder() {
      return new RateLimitListener() {
        @Override
        public void onAllowed(String key, Decision decision) {
          record(decision);
        }

        @Override
        public void onRejected(String key, Decision decision) {
          record(decision);
        }

        private void record(Decision decision) {
          if (decision.policy().name().equals("plain")) {
            LISTENER_ON_EVENT_LOOP.add(Schedulers.isInNonBlockingThread());
          }
        }
      };
    }
  }
}
