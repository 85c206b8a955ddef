package io.limiter.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

  private final AtomicLong now = new AtomicLong();
  private final RateLimitStore store =
      RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();

  private Map<String, String> headers(List<Decision> decisions, HeaderMode mode) {
    Map<String, String> headers = new LinkedHashMap<>();
    RateLimitHeaders.write(decisions, mode, headers::put);
    return headers;
  }

  @Test
  void allowedSingleLimitPolicy() {
    Decision d = store.acquire("k", LimitPolicy.of("burst", "100/minute"), 1);
    assertThat(headers(List.of(d), HeaderMode.IETF)).containsExactly(
        Map.entry("RateLimit-Policy", "\"burst\";q=100;w=60"),
        Map.entry("RateLimit", "\"burst\";r=99;t=1"));
  }

  @Test
  void rejectedMultiLimitPolicyWithRetryAfterNotEarlierThanT() {
    LimitPolicy policy = LimitPolicy.of("orders", "10/minute; 100/hour");
    store.acquire("k", policy, 10);
    Decision d = store.acquire("k", policy, 1);
    Map<String, String> h = headers(List.of(d), HeaderMode.BOTH);
    assertThat(h.get("RateLimit-Policy"))
        .isEqualTo("\"orders/minute\";q=10;w=60, \"orders/hour\";q=100;w=3600");
    assertThat(h.get("RateLimit")).isEqualTo("\"orders/minute\";r=0;t=6, \"orders/hour\";r=90;t=36");
    assertThat(h.get("Retry-After")).isEqualTo("6");
    assertThat(h.get("X-RateLimit-Limit")).isEqualTo("10");
    assertThat(h.get("X-RateLimit-Remaining")).isEqualTo("0");
    assertThat(h.get("X-RateLimit-Reset")).isEqualTo("60");
  }

  @Test
  void retryAfterIsRoundedUpAndNeverZero() {
    LimitPolicy policy = LimitPolicy.of("fast", "1000/second");
    store.acquire("k", policy, 1000);
    Decision d = store.acquire("k", policy, 1);
    assertThat(d.retryAfterNanos()).isEqualTo(1_000_000L);
    assertThat(RateLimitHeaders.retryAfterSeconds(d)).isEqualTo(1);
    now.addAndGet(999_999L);
    assertThat(RateLimitHeaders.retryAfterSeconds(store.acquire("k", policy, 1))).isEqualTo(1);
  }

  @Test
  void requestsThatCanNeverSucceedGetNoRetryAfter() {
    Decision d = store.acquire("k", LimitPolicy.of("p", "5/minute"), 6);
    assertThat(headers(List.of(d), HeaderMode.NONE)).isEmpty();
  }

  @Test
  void degradedDecisionsCarryNoQuotaFields() {
    LimitPolicy policy = LimitPolicy.of("p", "5/minute");
    assertThat(headers(List.of(Decision.degradedAllowed(policy)), HeaderMode.IETF)).isEmpty();
    assertThat(headers(List.of(Decision.degradedRejected(policy, 2_500_000_000L)), HeaderMode.IETF))
        .containsExactly(Map.entry("Retry-After", "3"));
  }

  @Test
  void severalPoliciesListTheirItemsInOrder() {
    Decision single = store.acquire("k", LimitPolicy.of("api", "100/minute"), 1);
    Decision multi = store.acquire("k", LimitPolicy.of("orders", "10/minute; 100/hour"), 3);
    assertThat(headers(List.of(single, multi), HeaderMode.IETF)).containsExactly(
        Map.entry("RateLimit-Policy", "\"api\";q=100;w=60, \"orders/minute\";q=10;w=60, \"orders/hour\";q=100;w=3600"),
        Map.entry("RateLimit", "\"api\";r=99;t=1, \"orders/minute\";r=7;t=6, \"orders/hour\";r=97;t=36"));
  }

  @Test
  void fieldsStayRightForMorePoliciesThanAreCached() {
    for (int i = 0; i < 1500; i++) {
      LimitPolicy policy = LimitPolicy.of("p" + i, (i + 1) + "/second");
      Decision d = store.acquire("k", policy, 1);
      assertThat(headers(List.of(d), HeaderMode.IETF)).containsExactly(
          Map.entry("RateLimit-Policy", "\"p" + i + "\";q=" + (i + 1) + ";w=1"),
          Map.entry("RateLimit", "\"p" + i + "\";r=" + i + ";t=1"));
    }
  }

  @Test
  void policyNamesAreEscapedAsSfStrings() {
    Decision d = store.acquire("k", LimitPolicy.of("a \"quoted\" \\ näme", "5/minute"), 1);
    assertThat(RateLimitHeaders.policyField(List.of(d))).isEqualTo("\"a \\\"quoted\\\" \\\\ n?me\";q=5;w=60");
  }

  @Test
  void problemBodyNamesTheViolatedPolicies() {
    LimitPolicy policy = LimitPolicy.of("burst", "1/minute");
    store.acquire("k", policy, 1);
    Decision d = store.acquire("k", policy, 1);
    assertThat(RateLimitProblem.json(List.of(d), 429)).isEqualTo("{\"type\":\"https://iana.org/assignments/"
        + "http-problem-types#quota-exceeded\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Rate limit"
        + " exceeded for policy burst (1/minute); retry after 60 seconds.\",\"violated-policies\":[\"burst\"]}");
    assertThat(RateLimitProblem.json(List.of(Decision.degradedRejected(policy, 1_000_000_000L)), 503))
        .contains("\"type\":\"about:blank\"").contains("\"title\":\"Service Unavailable\"")
        .contains("fails closed");
  }

  @Test
  void headerModesParseWithClearErrors() {
    assertThat(HeaderMode.parse(" Legacy ")).isEqualTo(HeaderMode.LEGACY);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> HeaderMode.parse("draft"))
        .hasMessage("header mode must be one of ietf, legacy, both, none but was \"draft\"");
  }

  /**
   * One item among decisions without fields (degraded, unlimited) is the field of that item alone; two are joined;
   * the writer (cached parts) and the static form agree.
   */
  @Test
  void oneItemAmongDecisionsWithoutFieldsIsThatItemAlone() {
    LimitPolicy other = LimitPolicy.of("other", "5/minute");
    Decision d = store.acquire("k", LimitPolicy.of("burst", "100/minute"), 1);
    Decision e = store.acquire("k", LimitPolicy.of("second", "10/second"), 3);
    RateLimitHeaders.Writer writer = RateLimitHeaders.writer();
    for (List<Decision> decisions : List.of(List.of(d), List.of(Decision.unlimited(other), d),
        List.of(d, Decision.degradedAllowed(other)),
        List.of(Decision.degradedAllowed(other), d, Decision.unlimited(other)))) {
      assertThat(RateLimitHeaders.rateLimitField(decisions)).as("%s", decisions).isEqualTo("\"burst\";r=99;t=1");
      Map<String, String> written = new LinkedHashMap<>();
      writer.write(decisions, HeaderMode.IETF, written::put);
      assertThat(written).as("%s", decisions).isEqualTo(headers(decisions, HeaderMode.IETF))
          .containsEntry("RateLimit", "\"burst\";r=99;t=1");
    }
    assertThat(RateLimitHeaders.rateLimitField(List.of(d, Decision.unlimited(other), e)))
        .isEqualTo("\"burst\";r=99;t=1, \"second\";r=7;t=1");
    assertThat(RateLimitHeaders.rateLimitField(List.of(Decision.unlimited(other)))).isEmpty();
    assertThat(RateLimitHeaders.rateLimitField(List.of())).isEmpty();
  }
}
