package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Claim;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.Reservation;
import io.limiter.test.ManualTicker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;

/**
 * Repeated {@code @RateLimit} on one method: its policies go to the store together, in one
 * {@link RateLimitStore#reserveAll} call (one script call on Redis), all or nothing.
 */
class RepeatedRateLimitClaimsTest {

  /** The store calls: how many claims each {@code reserveAll} carried. */
  private final List<Integer> groups = new CopyOnWriteArrayList<>();
  private final RateLimitStore memory = RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
  private final RateLimitStore counting = new RateLimitStore() {
    @Override
    public KeySpace keySpace(LimitPolicy policy) {
      return memory.keySpace(policy);
    }

    @Override
    public long trackedKeys() {
      return memory.trackedKeys();
    }

    @Override
    public List<Reservation> reserveAll(List<Claim> claims) {
      groups.add(claims.size());
      return memory.reserveAll(claims);
    }

    @Override
    public java.util.concurrent.CompletionStage<List<Reservation>> reserveAllAsync(List<Claim> claims) {
      asyncGroups.add(claims.size());
      return memory.reserveAllAsync(claims);
    }
  };
  /** The async store calls: how many claims each {@code reserveAllAsync} carried. */
  private final List<Integer> asyncGroups = new CopyOnWriteArrayList<>();
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder().store(counting)
      .policy(LimitPolicy.of("wide", "10/hour")).policy(LimitPolicy.of("narrow", "2/hour")).build();

  /** Two policies on one method. */
  public static class Chat {
    @RateLimit(name = "wide", key = "#apiKey")
    @RateLimit(name = "narrow", key = "#apiKey")
    public String complete(String apiKey) {
      return "ok";
    }

    @RateLimit(name = "wide", key = "#apiKey", cost = 8)
    public String bulk(String apiKey) {
      return "bulk";
    }
  }

  @Test
  void aMethodsPoliciesAreDecidedInOneStoreCallAllOrNothing() {
    ProxyFactory factory = new ProxyFactory(new Chat());
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(RateLimitAspectSupport.builder().registry(registry).build()));
    Chat chat = (Chat) factory.getProxy();
    assertThat(chat.complete("k1")).isEqualTo("ok");
    assertThat(chat.complete("k1")).isEqualTo("ok");
    assertThatThrownBy(() -> chat.complete("k1")).isInstanceOf(RateLimitExceededException.class);
    assertThat(groups).as("one store call per call, with both policies").containsExactly(2, 2, 2);
    // the rejected call took nothing from the wide policy: 2 of its 10 are used
    assertThat(chat.bulk("k1")).isEqualTo("bulk");
    assertThatThrownBy(() -> chat.bulk("k1")).isInstanceOf(RateLimitExceededException.class);
  }

  private final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
  private final RateLimitStore timed = new io.limiter.spring.micrometer.RateLimitMetrics(meters).instrument(counting);

  /** The two policies on the counting store, timed by Micrometer. */
  private RateLimiterRegistry timedRegistry() {
    return RateLimiterRegistry.builder().store(timed)
        .policy(LimitPolicy.of("wide", "10/hour")).policy(LimitPolicy.of("narrow", "2/hour")).build();
  }

  @Test
  void aStoreTimedByMicrometerStillGetsTheClaimsTogether() {
    RateLimiterRegistry timedRegistry = timedRegistry();
    ProxyFactory factory = new ProxyFactory(new Chat());
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(RateLimitAspectSupport.builder().registry(timedRegistry).build()));
    Chat chat = (Chat) factory.getProxy();
    chat.complete("k2");
    assertThat(groups).containsExactly(2);
    assertThat(meters.find(io.limiter.spring.micrometer.RateLimitMetrics.STORE_LATENCY).timers())
        .as("both policies timed").hasSize(2).allMatch(t -> t.count() == 1);
  }

  @Test
  void aStoreTimedByMicrometerPassesAsyncClaimsTogetherAndTimesThemWhenTheyComplete() {
    RateLimiterRegistry timedRegistry = timedRegistry();
    io.limiter.core.RateLimiter wide = timedRegistry.find("wide").orElseThrow();
    io.limiter.core.RateLimiter narrow = timedRegistry.find("narrow").orElseThrow();
    for (int i = 0; i < 3; i++) {
      Claim.reserveAllAsync(List.of(wide.claim("k3", 1), narrow.claim("k3", 1))).toCompletableFuture().join();
    }
    assertThat(asyncGroups).as("the async form reached the store, the claims together").containsExactly(2, 2, 2);
    assertThat(groups).as("never the blocking form").isEmpty();
    assertThat(meters.find(io.limiter.spring.micrometer.RateLimitMetrics.STORE_LATENCY).timers())
        .as("both policies timed").hasSize(2).allMatch(t -> t.count() == 3);
    // a single async reservation on a timed key space is timed too
    timed.keySpace(wide.policy()).reserveAsync("k4", 1).toCompletableFuture().join();
    assertThat(meters.find(io.limiter.spring.micrometer.RateLimitMetrics.STORE_LATENCY).tag("policy", "wide")
        .timer().count()).isEqualTo(4);
  }
}
