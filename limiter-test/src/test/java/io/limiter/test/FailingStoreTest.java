package io.limiter.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import org.junit.jupiter.api.Test;

/** The store-down double: every path of a key space fails while it fails, and the wrapped store decides otherwise. */
class FailingStoreTest {

  private static final LimitPolicy POLICY = LimitPolicy.of("p", "2/minute");

  @Test
  void aStoreThatIsDownFailsEveryDecision() {
    KeySpace space = FailingStore.down().keySpace(POLICY);
    assertThatThrownBy(() -> space.acquire("k", 1)).isInstanceOf(IllegalStateException.class).hasMessage("store down");
    assertThatThrownBy(() -> space.reserve("k", 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> space.view(POLICY).acquire("k", 1)).isInstanceOf(IllegalStateException.class);
    // KeySpace's default async form decides on the caller's thread: it throws there, or fails its stage
    assertThatThrownBy(() -> space.acquireAsync("k", 1).toCompletableFuture().join()).hasMessageContaining("down");
    assertThatThrownBy(() -> FailingStore.down().failing(false)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RateLimiter.of(POLICY, FailingStore.down()).acquire("k"))
        .as("a limiter passes the failure on, to the failure handler of the filter or aspect using it")
        .hasMessage("store down");
  }

  @Test
  void aWrappedStoreDecidesUntilSwitchedDownAndAgainWhenBackUp() {
    FailingStore store = FailingStore.over(RateLimitStore.inMemory());
    KeySpace space = store.keySpace(POLICY);
    assertThat(space.acquire("k", 1).allowed()).isTrue();
    store.failing(true);
    assertThat(store.failing()).isTrue();
    assertThatThrownBy(() -> space.acquire("k", 1)).isInstanceOf(IllegalStateException.class);
    store.failing(false);
    assertThat(space.acquire("k", 1).allowed()).as("the second of 2: the failed call took nothing").isTrue();
    assertThat(space.acquire("k", 1).allowed()).isFalse();
    assertThat(store.trackedKeys()).isEqualTo(1);
    store.close();
  }
}
