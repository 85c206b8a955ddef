package io.limiter.redis.internal;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.KeySpace;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DividedStoreTest {

  private final ManualTicker ticker = new ManualTicker(1_000_000_000_000L);
  private final RateLimitStore local = RateLimitStore.builder().ticker(ticker).executor(Runnable::run)
      .buildInMemory();

  @Test
  void eachInstanceGetsItsShareOfEveryLimit() {
    DividedStore store = new DividedStore(local, 4);
    LimitPolicy policy = LimitPolicy.of("p", "100/minute burst 40; 1000/hour");
    assertThat(store.divided(policy).limits()).containsExactly(Limit.of(25, Duration.ofMinutes(1), 10),
        Limit.of(250, Duration.ofHours(1)));
    LimitPolicy windows = LimitPolicy.builder("w").limits("10/second").algorithm(Algorithm.SLIDING_WINDOW).build();
    assertThat(store.divided(windows).limits()).containsExactly(Limit.of(2, Duration.ofSeconds(1)));
  }

  @Test
  void aShareNeverFallsBelowTheCost() {
    DividedStore store = new DividedStore(local, 10);
    LimitPolicy policy = LimitPolicy.builder("c").limits("6/minute").cost(3).build();
    assertThat(store.divided(policy).limits()).containsExactly(Limit.of(3, Duration.ofMinutes(1)));
    assertThat(store.divided(LimitPolicy.of("one", "1/second")).limits())
        .containsExactly(Limit.of(1, Duration.ofSeconds(1)));
  }

  @Test
  void decisionsUseTheShareAndKeepStateAcrossStepLevels() {
    DividedStore store = new DividedStore(local, 2);
    LimitPolicy policy = LimitPolicy.builder("p").limits("10/hour").algorithm(Algorithm.FIXED_WINDOW).build();
    KeySpace space = store.keySpace(policy);
    for (int i = 0; i < 5; i++) {
      assertThat(space.acquire("k", 1)).isAllowed();
    }
    assertThat(space.acquire("k", 1)).isRejected().isDecidedBy(Limit.of(5, Duration.ofHours(1)));
    assertThat(space.acquire("k", 1, policy.withLimits(LimitSpec.parse("40/hour")))).isAllowed();
    assertThat(store.acquire("k", policy, 1)).isRejected();
    assertThat(new DividedStore(local, 1).divided(policy)).isSameAs(policy);
  }

  @Test
  void aStepChangeDuringAnOutageKeepsTheLocalCounts() {
    // the failure handler passes the effective policy (a step level) as the policy: state is keyed by name and shape
    DividedStore store = new DividedStore(local, 1);
    LimitPolicy base = LimitPolicy.builder("outage").limits("10/hour").algorithm(Algorithm.FIXED_WINDOW).build();
    LimitPolicy level = base.scaled(0.5);
    for (int i = 0; i < 4; i++) {
      assertThat(store.acquire("k", base, 1)).isAllowed();
    }
    assertThat(store.acquire("k", level, 1)).isAllowed().hasRemaining(0);
    assertThat(store.acquire("k", level, 1)).isRejected();
    assertThat(store.acquire("k", base, 1)).isAllowed().hasRemaining(4);
    // another shape under the name starts afresh
    LimitPolicy minutely = base.withLimits(LimitSpec.parse("3/minute"));
    assertThat(store.acquire("k", minutely, 1)).isAllowed().hasRemaining(2);
  }
}
