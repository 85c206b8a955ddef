package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Concurrency limits: the grammar, the policy's checks, and the IETF fields in the concurrent-requests unit. */
class ConcurrencyLimitTest {

  @Test
  void theGrammarReadsConcurrentAndALeaseAndPrintsThemBack() {
    LimitSpec five = LimitSpec.parse("5 concurrent");
    assertThat(five.limits()).containsExactly(Limit.concurrent(5, Limit.DEFAULT_LEASE));
    assertThat(five.limits().get(0).isConcurrent()).isTrue();
    assertThat(five).hasToString("5 concurrent");
    LimitSpec leased = LimitSpec.parse("  5  CONCURRENT lease 30 seconds ");
    assertThat(leased.limits().get(0).period()).isEqualTo(Duration.ofSeconds(30));
    assertThat(leased).hasToString("5 concurrent lease 30 seconds");
    assertThat(LimitSpec.parse(leased.toString())).isEqualTo(leased);
    assertThat(LimitSpec.parse("5 concurrent lease 2m").limits().get(0).period()).isEqualTo(Duration.ofMinutes(2));
    assertThat(LimitSpec.parse("5 concurrent")).isNotEqualTo(LimitSpec.parse("5 per 5 minutes"));
    assertThat(five.limits().get(0).scaled(0.4)).isEqualTo(Limit.concurrent(2, Limit.DEFAULT_LEASE));
  }

  @Test
  void aConcurrencyLimitStandsAloneAndWrongSpellingsNameThePosition() {
    assertThatThrownBy(() -> LimitSpec.parse("5 concurrent; 10/minute")).isInstanceOf(LimitSpecException.class)
        .hasMessageContaining("at position 14").hasMessageContaining("stands alone");
    assertThatThrownBy(() -> LimitSpec.parse("10/minute; 5 concurrent")).isInstanceOf(LimitSpecException.class)
        .hasMessageContaining("stands alone");
    assertThatThrownBy(() -> LimitSpec.parse("5 concurrent lease")).isInstanceOf(LimitSpecException.class)
        .hasMessageContaining("expected a unit of the lease");
    assertThatThrownBy(() -> LimitSpec.parse("5 concurrent lease 3 fortnights"))
        .isInstanceOf(LimitSpecException.class).hasMessageContaining("unknown unit \"fortnights\"");
    assertThatThrownBy(() -> LimitSpec.parse("0 concurrent")).isInstanceOf(LimitSpecException.class)
        .hasMessageContaining("count must be >= 1");
    assertThatThrownBy(() -> LimitSpec.parse("5 concurrent burst 3")).isInstanceOf(LimitSpecException.class);
    assertThatThrownBy(() -> LimitSpec.parse("5 concurrently")).isInstanceOf(LimitSpecException.class);
  }

  @Test
  void aPolicyOfAConcurrencyLimitCountsCallsInFlight() {
    LimitPolicy policy = LimitPolicy.of("chat", "5 concurrent");
    assertThat(policy.algorithm()).isEqualTo(Algorithm.CONCURRENCY);
    assertThatThrownBy(() -> LimitPolicy.builder("chat").limits("5 concurrent").algorithm(Algorithm.FIXED_WINDOW)
        .build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("policy chat limits calls in flight (5 concurrent), which FIXED_WINDOW cannot count; drop the "
            + "algorithm or use CONCURRENCY");
    assertThatThrownBy(() -> LimitPolicy.builder("chat").limits("5/minute").algorithm(Algorithm.CONCURRENCY).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a concurrency limit");
    assertThatThrownBy(() -> LimitPolicy.of("chat", "10001 concurrent")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("more than the 10000 calls in flight per key");
  }

  @Test
  void theFieldsUseTheDraftsConcurrentRequestsUnitWithoutTimes() {
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("chat", "2 concurrent"), store);
    Reservation one = limiter.reserve("k", 1);
    Map<String, String> headers = new LinkedHashMap<>();
    RateLimitHeaders.write(List.of(one.decision()), HeaderMode.IETF, headers::put);
    assertThat(headers).containsEntry("RateLimit-Policy", "\"chat\";q=2;qu=\"concurrent-requests\"")
        .containsEntry("RateLimit", "\"chat\";r=1");
    limiter.reserve("k", 1);
    Decision third = limiter.reserve("k", 1).decision();
    assertThat(third.rejected()).isTrue();
    headers.clear();
    RateLimitHeaders.write(List.of(third), HeaderMode.IETF, headers::put);
    assertThat(headers).containsEntry("RateLimit", "\"chat\";r=0").containsEntry("Retry-After", "1");
    one.refund();
    assertThat(limiter.reserve("k", 1).allowed()).isTrue();
  }
}
