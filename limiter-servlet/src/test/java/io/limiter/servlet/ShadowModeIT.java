package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.web.RateLimitRule;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class ShadowModeIT {

  @Test
  void passesEveryRequestAndReportsTheWouldRejects() throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("trial").paths("/api/*").limits("10/hour").shadow(true).build())
        .listener(listener)
        .build();
    TestServlets.Counting api = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", api, "/api/*").start()) {
      int flagged = 0;
      for (int i = 0; i < 1000; i++) {
        HttpResponse<String> r = app.get("/api/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("RateLimit")).as("shadow policies are invisible to clients").isEmpty();
        assertThat(r.headers().firstValue("Retry-After")).isEmpty();
        if (r.body().equals("ok shadow=1")) {
          flagged++;
        }
      }
      assertThat(api.calls).hasValue(1000);
      assertThat(flagged).as("requests flagged in the request attribute").isEqualTo(990);
      assertThat(listener.allowedKeys).hasSize(10);
      assertThat(listener.overLimit).hasSize(990)
          .allSatisfy(d -> assertThat(d.outcome()).isEqualTo(Decision.Outcome.SHADOW_REJECTED));
    }
  }
}
