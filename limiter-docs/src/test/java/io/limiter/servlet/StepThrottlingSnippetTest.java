package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepSchedule;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.Tiers;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The opening snippet of docs/step-throttling.md is the region {@code opening} below (its page marker names it, and
 * limiter-docs' coverage test compares the two), compiled here in the smallest method it belongs to (a request and a
 * client key in scope) and run once.
 */
class StepThrottlingSnippetTest {

  private static Decision snippet(HttpServletRequest request, String clientKey) {
    // tag::opening[]
    RateLimitStore store = RateLimitStore.inMemory();
    StepController health = StepController.builder("api-health")
        .latency(95, Duration.ofMillis(250))      // p95 of limited calls must stay <= 250 ms
        .errorRatio(0.05)                         // at most 5% failures
        .build()
        .start();                                 // ticks every second on its own daemon thread; close() stops it

    SteppedRateLimiter<HttpServletRequest> api = SteppedRateLimiter
        .<HttpServletRequest>builder(LimitPolicy.of("api", "100/minute"), store)
        .tiers(Tiers.parse("free=10/minute; pro=1000/minute; internal=unlimited; default=free"))
        // the plan comes from your API-key lookup (an attribute your authentication filter sets), never from a header
        // the client sends: a client that can name its tier picks "internal"
        .tierResolver(req -> (String) req.getAttribute("plan"))
        .schedule(StepSchedule.parse("zone=Europe/Berlin; Sat Sun = 50%"))
        .controller(health)
        .penalty(PenaltyRule.parse("5/minute -> block for 10m"))
        .build();

    Decision d = api.acquire(clientKey, request);  // the effective limits are in d.policy()
    // end::opening[]
    health.close();
    return d;
  }

  @Test
  void theSnippetRunsAndAFreeClientGetsTheFreeTier() {
    HttpServletRequest request = mock(HttpServletRequest.class);
    when(request.getAttribute("plan")).thenReturn("free");
    Decision d = snippet(request, "ip:192.0.2.1");
    assertThat(d.allowed()).isTrue();
    assertThat(d.policy().limits().get(0).permits()).isLessThanOrEqualTo(10);
  }
}
