package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private final AtomicLong now = new AtomicLong();
  private final RateLimitStore store =
      RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();

  @Test
  void quickStartFromTheReadmeWorks() {
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "10/second; 1000/hour"), store);
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.acquire("203.0.113.7").allowed()).isTrue();
    }
    Decision d = limiter.acquire("203.0.113.7");
    assertThat(d.rejected()).isTrue();
    assertThat(d.retryAfter()).isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.tryAcquire("198.51.100.1")).isTrue();
  }

  @Test
  void shadowPolicyLetsRequestsOverTheLimitThroughAndReportsThem() {
    RateLimitListener listener = mock(RateLimitListener.class);
    LimitPolicy policy = LimitPolicy.builder("dry").limits("2/minute").shadow(true).build();
    RateLimiter limiter = RateLimiter.of(policy, store, listener);
    int wouldReject = 0;
    for (int i = 0; i < 10; i++) {
      Decision d = limiter.acquire("k");
      assertThat(d.allowed()).isTrue();
      wouldReject += d.outcome() == Decision.Outcome.SHADOW_REJECTED ? 1 : 0;
    }
    assertThat(wouldReject).isEqualTo(8);
    assertThat(limiter.tryAcquire("k")).isTrue();
    verify(listener, times(2)).onAllowed(eq("k"), any());
    verify(listener, times(9)).onRejected(eq("k"), any());
  }

  @Test
  void listenerSeesEveryDecisionAndItsFailuresAreContained() {
    List<Decision.Outcome> seen = new ArrayList<>();
    RateLimitListener listener = new RateLimitListener() {
      @Override
      public void onAllowed(String key, Decision decision) {
        seen.add(decision.outcome());
        throw new IllegalStateException("a broken listener must not break rate limiting");
      }

      @Override
      public void onRejected(String key, Decision decision) {
        seen.add(decision.outcome());
      }
    };
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("p", "1/minute"), store, listener);
    assertThat(limiter.tryAcquire("k")).isTrue();
    assertThat(limiter.tryAcquire("k")).isFalse();
    assertThat(seen).containsExactly(Decision.Outcome.ALLOWED, Decision.Outcome.REJECTED);
  }

  /**
   * A listener written in a language without checked exceptions (Kotlin) may throw one (an IOException of its log
   * shipper): contained like any other, never thrown from a decision, nor from a claim decided with other claims
   * (where it escaped the all-or-nothing refund and left the earlier claim's permits taken).
   */
  @Test
  void aListenerThrowingACheckedExceptionIsContainedToo() {
    RateLimitListener listener = new RateLimitListener() {
      @Override
      public void onAllowed(String key, Decision decision) {
        RateLimiterTest.<RuntimeException>sneaky(new java.io.IOException("log shipper down"));
      }

      @Override
      public void onRejected(String key, Decision decision) {
        RateLimiterTest.<RuntimeException>sneaky(new java.io.IOException("log shipper down"));
      }
    };
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("p", "1/minute"), store, listener);
    RateLimiter other = RateLimiter.of(LimitPolicy.of("o", "1/minute"), store);
    assertThat(limiter.tryAcquire("k")).isTrue();
    assertThat(limiter.tryAcquire("k")).isFalse();
    assertThat(Claim.reserveAll(List.of(other.claim("k", 1), limiter.claim("k", 1))))
        .extracting(r -> r.decision().outcome()).containsExactly(Decision.Outcome.ALLOWED, Decision.Outcome.REJECTED);
    assertThat(other.tryAcquire("k")).as("the rejected request's other permit came back").isTrue();
  }

  /**
   * A registry's listeners are called one after the other: one that throws (a checked exception too) must not keep
   * the later ones (metrics, the penalty box) from hearing of the decision. The composite stopped at the first.
   */
  @Test
  void aListenerThatThrowsDoesNotSilenceTheListenersAfterIt() {
    RateLimitListener failing = new RateLimitListener() {
      @Override
      public void onAllowed(String key, Decision decision) {
        throw new IllegalStateException("metrics backend down");
      }

      @Override
      public void onRejected(String key, Decision decision) {
        RateLimiterTest.<RuntimeException>sneaky(new java.io.IOException("log shipper down"));
      }
    };
    List<String> heard = new java.util.ArrayList<>();
    RateLimitListener counting = new RateLimitListener() {
      @Override
      public void onAllowed(String key, Decision decision) {
        heard.add("allowed " + key);
      }

      @Override
      public void onRejected(String key, Decision decision) {
        heard.add("rejected " + key);
      }
    };
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store).listener(failing).listener(counting)
        .policy(LimitPolicy.of("p", "1/minute")).build();
    RateLimiter limiter = registry.limiter("p");

    assertThat(limiter.tryAcquire("k")).isTrue();
    assertThat(limiter.tryAcquire("k")).isFalse();

    assertThat(heard).containsExactly("allowed k", "rejected k");
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> void sneaky(Throwable t) throws T {
    throw (T) t;
  }

  @Test
  void noListenerMeansNoCallbacks() {
    RateLimitListener listener = mock(RateLimitListener.class);
    RateLimiter.of(LimitPolicy.of("p", "1/minute"), store).tryAcquire("k");
    verify(listener, never()).onAllowed(any(), any());
  }

  @Test
  void blankKeysAreRefusedAndLongKeysHashed() {
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("p", "1/minute"), store);
    assertThatThrownBy(() -> limiter.acquire(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MissingKeyStrategy");
    assertThatThrownBy(() -> limiter.acquire(null)).isInstanceOf(NullPointerException.class);
    String longA = "a".repeat(10_000);
    String longB = "a".repeat(9_999) + "b";
    assertThat(limiter.tryAcquire(longA)).isTrue();
    assertThat(limiter.tryAcquire(longA)).isFalse();
    assertThat(limiter.tryAcquire(longB)).as("distinct long keys stay distinct").isTrue();
    assertThat(limiter.forKey(longA).key()).startsWith("!sha256:").hasSizeLessThan(60);
    String exactly256 = "é".repeat(128); // 256 UTF-8 bytes
    assertThat(limiter.forKey(exactly256).key()).isEqualTo(exactly256);
  }

  @Test
  void acquireOrThrowCarriesTheDecision() {
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("p", "1/minute"), store);
    limiter.acquireOrThrow("k", 1);
    assertThatThrownBy(() -> limiter.acquireOrThrow("k", 1))
        .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
          assertThat(e.decision().rejected()).isTrue();
          assertThat(e.getMessage()).contains("policy p").contains("1/minute").contains("PT1M");
          assertThat(e.getStackTrace()).isEmpty();
        });
  }

  @Test
  void asyncAndBoundLimitersShareTheKeyState() throws Exception {
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("p", "3/minute"), store);
    BoundLimiter bound = limiter.forKey("k");
    assertThat(bound.tryAcquire()).isTrue();
    assertThat(limiter.acquireAsync("k", 1).toCompletableFuture().get(1, TimeUnit.SECONDS).remaining()).isEqualTo(1);
    assertThat(bound.acquire().remaining()).isZero();
    assertThat(limiter.tryAcquire("k")).isFalse();
  }

  @Test
  void permitsMustBePositive() {
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("p", "3/minute"), store);
    assertThatThrownBy(() -> limiter.acquire("k", 0)).hasMessage("permits must be >= 1 but was 0");
  }

  @Test
  void registryLooksUpPoliciesByNameAndListsKnownNamesOnAMiss() {
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(store)
        .policy(LimitPolicy.of("search", "10/second"))
        .policy(LimitPolicy.of("api", "100/minute"))
        .build();
    assertThat(registry.limiter("api").policy().spec()).hasToString("100/minute");
    assertThat(registry.names()).containsExactly("api", "search");
    assertThatThrownBy(() -> registry.limiter("serch"))
        .hasMessage("unknown rate limit policy \"serch\"; known policies: [api, search]");
    assertThat(registry.register(LimitPolicy.of("api", "100/minute"))).isSameAs(registry.limiter("api"));
    assertThatThrownBy(() -> registry.register(LimitPolicy.of("api", "5/minute")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already registered");
  }

  @Test
  void policyValidationNamesThePolicyAndValue() {
    assertThatThrownBy(() -> LimitPolicy.builder("p").limits("10/minute").cost(11).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cost 11 of policy p exceeds the capacity 10 of limit 10/minute; every request would be rejected");
    assertThatThrownBy(() -> LimitPolicy.builder("p").limits("10/minute burst 5").algorithm(Algorithm.FIXED_WINDOW)
        .build()).hasMessageContaining("sets a burst, but FIXED_WINDOW has none");
    assertThatThrownBy(() -> LimitPolicy.builder("p").limits("3000000000/hour").algorithm(Algorithm.SLIDING_WINDOW)
        .build()).hasMessageContaining("the most SLIDING_WINDOW counts");
    assertThatThrownBy(() -> LimitPolicy.builder(" ")).hasMessageContaining("must not be blank");
    assertThatThrownBy(() -> LimitPolicy.builder("a\nb")).hasMessageContaining("control characters");
    assertThatThrownBy(() -> LimitPolicy.builder("p").build()).hasMessageContaining("has no limits");
    assertThatThrownBy(() -> LimitPolicy.builder("p").cost(0)).hasMessage("cost must be >= 1 but was 0 (policy p)");
  }

  @Test
  void policiesAreValuesAndScaleTheirLimits() {
    LimitPolicy p = LimitPolicy.builder("p").limits("100/minute; 1000/hour").cost(2).build();
    assertThat(p).isEqualTo(LimitPolicy.builder("p").limits("100 per minute, 1000/h").cost(2).build());
    assertThat(p.scaled(0.25).spec()).hasToString("25/minute; 250/hour");
    assertThat(p.scaled(0.25).name()).isEqualTo("p");
    assertThat(p.scaled(1.0)).isSameAs(p);
  }

  @Test
  void missingKeyStrategiesParseFromConfigurationText() {
    assertThat(MissingKeyStrategy.parse("reject")).isSameAs(MissingKeyStrategy.reject());
    assertThat(MissingKeyStrategy.parse(" SKIP ")).isSameAs(MissingKeyStrategy.skip());
    assertThat(MissingKeyStrategy.parse("shared:anonymous"))
        .isEqualTo(MissingKeyStrategy.sharedBucket("anonymous"));
    assertThat(((MissingKeyStrategy.SharedBucket) MissingKeyStrategy.parse("shared:anon")).key())
        .isEqualTo("!missing:anon");
    assertThatThrownBy(() -> MissingKeyStrategy.parse("shared:"))
        .hasMessage("missing-key strategy must be reject, skip or shared:<name> but was \"shared:\"");
  }

  @Test
  void keyResolversCombineWithoutCollisions() {
    KeyResolver<String[]> first = ctx -> ctx[0];
    KeyResolver<String[]> second = ctx -> ctx[1];
    KeyResolver<String[]> both = KeyResolver.composite(List.of(first, second));
    assertThat(both.resolve(new String[] {"a|b", "c"})).isNotEqualTo(both.resolve(new String[] {"a", "b|c"}));
    assertThat(both.resolve(new String[] {"a", null})).isNull();
    assertThat(first.orElse(second).resolve(new String[] {" ", "x"})).isEqualTo("x");
    assertThat(KeyResolver.<String[]>constant("all").resolve(null)).isEqualTo("all");
    assertThatThrownBy(() -> KeyResolver.constant("")).hasMessageContaining("must not be blank");
  }
}
