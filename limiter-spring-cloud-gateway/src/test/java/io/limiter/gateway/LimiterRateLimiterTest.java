package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter.Response;
import reactor.test.StepVerifier;

/** The limiter without a gateway around it: routes from {@code getConfig()} (the Java DSL's way), on a fake clock. */
class LimiterRateLimiterTest {

  final ManualTicker ticker = new ManualTicker();
  final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory())
      .policy(LimitPolicy.of("api", "2/second"))
      .build();
  final LimiterRateLimiter limiter = new LimiterRateLimiter(registry, null, new LimiterRateLimiter.Config(), null);

  LimiterRateLimiter.Config route(String limits, String policy) {
    LimiterRateLimiter.Config config = new LimiterRateLimiter.Config();
    config.setLimits(limits);
    config.setPolicy(policy);
    return config;
  }

  @Test
  void decidesAtSubscriptionAndRefillsOnTheStoresClock() {
    limiter.getConfig().put("r", route("2/second", null));
    var decision = limiter.isAllowed("r", "alice");
    StepVerifier.create(decision).assertNext(r -> assertThat(r.isAllowed()).isTrue()).verifyComplete();
    StepVerifier.create(decision).assertNext(r -> assertThat(r.isAllowed()).isTrue()).verifyComplete();
    StepVerifier.create(decision).assertNext(r -> {
      assertThat(r.isAllowed()).isFalse();
      assertThat(r.getHeaders()).containsEntry("Retry-After", "1").containsEntry("RateLimit-Policy", "\"r\";q=2;w=1");
    }).verifyComplete();
    ticker.advance(Duration.ofMillis(500));
    StepVerifier.create(decision).assertNext(r -> assertThat(r.isAllowed()).isTrue()).verifyComplete();
  }

  @Test
  void aRouteMayNameAConfiguredPolicyAndChangeItsConfigurationLive() {
    limiter.getConfig().put("r", route(null, "api"));
    StepVerifier.create(limiter.isAllowed("r", "k")).assertNext(r -> assertThat(r.getHeaders())
        .containsEntry("RateLimit-Policy", "\"api\";q=2;w=1")).verifyComplete();
    // the gateway reloads the route with other arguments: the next request uses them
    limiter.getConfig().put("r", route("5/minute", null));
    StepVerifier.create(limiter.isAllowed("r", "k")).assertNext(r -> assertThat(r.getHeaders())
        .containsEntry("RateLimit-Policy", "\"r\";q=5;w=60")).verifyComplete();
  }

  @Test
  void aReloadedRouteWithLimitsOfAnotherShapeKeepsDeciding() {
    limiter.getConfig().put("r", route("5/second", null));
    StepVerifier.create(limiter.isAllowed("r", "k")).assertNext(r -> assertThat(r.isAllowed()).isTrue())
        .verifyComplete();
    limiter.getConfig().put("r", route("300/minute", null));
    StepVerifier.create(limiter.isAllowed("r", "k")).assertNext(r -> assertThat(r.getHeaders())
        .containsEntry("RateLimit-Policy", "\"r\";q=300;w=60")).verifyComplete();
  }

  @Test
  void everyProblemOfARouteIsNamedWithItsArgumentAndValue() {
    limiter.getConfig().put("bad", route("10/sec0nd", null));
    StepVerifier.create(limiter.isAllowed("bad", "k")).verifyErrorSatisfies(e -> assertThat(e)
        .isInstanceOf(RateLimitConfigException.class)
        .hasMessageContaining("route bad: limiter-rate-limiter.limits=\"10/sec0nd\""));
    limiter.getConfig().put("both", route("1/second", "api"));
    StepVerifier.create(limiter.isAllowed("both", "k")).verifyErrorSatisfies(e -> assertThat(e)
        .hasMessageContaining("are both set"));
    limiter.getConfig().put("unknown", route(null, "nope"));
    StepVerifier.create(limiter.isAllowed("unknown", "k")).verifyErrorSatisfies(e -> assertThat(e)
        .hasMessageContaining("route unknown: limiter-rate-limiter.policy=\"nope\" is no configured policy; known: [api]"));
    StepVerifier.create(limiter.isAllowed("none", "k")).verifyErrorSatisfies(e -> assertThat(e)
        .hasMessageContaining("route none: limiter-rate-limiter.limits is missing"));
    LimiterRateLimiter.Config taken = route("9/second", null);
    taken.setName("api");
    limiter.getConfig().put("taken", taken);
    StepVerifier.create(limiter.isAllowed("taken", "k")).verifyErrorSatisfies(e -> assertThat(e)
        .hasMessageContaining("the policy name \"api\" is taken"));
    LimiterRateLimiter.Config tier = route("9/second", null);
    tier.setTierKey("header:X-Plan");
    limiter.getConfig().put("tier", tier);
    StepVerifier.create(limiter.isAllowed("tier", "k")).verifyErrorSatisfies(e -> assertThat(e)
        .hasMessageContaining("needs a policy with tiers"));
  }

  @Test
  void gatewayKeysCannotPoseAsKeysOfAnotherKind() {
    limiter.getConfig().put("r", route(null, "api"));
    // the same text as an IP key: stored as x:ip:203.0.113.7, its own bucket
    registry.limiter("api").acquire("ip:203.0.113.7", 2);
    StepVerifier.create(limiter.isAllowed("r", "ip:203.0.113.7"))
        .assertNext(r -> assertThat(r.isAllowed()).isTrue()).verifyComplete();
  }

  @Test
  void responsesAreImmutableValuesOfTheDecision() {
    limiter.getConfig().put("r", route("1/second", null));
    Response response = limiter.isAllowed("r", "k").block(Duration.ofSeconds(10));
    assertThat(response).isNotNull();
    assertThat(response.getHeaders()).containsKeys("RateLimit-Policy", "RateLimit");
  }
}
