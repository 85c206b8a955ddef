package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import io.limiter.core.step.SteppedRateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link Claim#reserveAll}: all or nothing across claims of several stores, deferred claims and failures. */
class ClaimTest {

  private final AtomicLong now = new AtomicLong();
  private final RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run)
      .buildInMemory();
  private final RateLimitStore other = RateLimitStore.builder().ticker(now::get).executor(Runnable::run)
      .buildInMemory();

  private RateLimiter limiter(String name, String spec, RateLimitStore in) {
    return RateLimiter.of(LimitPolicy.of(name, spec), in);
  }

  @Test
  void aRejectionInAnotherStoreRefundsThePermitsTakenInTheFirst() {
    RateLimiter a = limiter("a", "10/minute", store);
    RateLimiter b = limiter("b", "10/minute", store);
    RateLimiter elsewhere = limiter("c", "1/minute", other);
    elsewhere.acquire("k");
    List<Reservation> all = Claim.reserveAll(List.of(a.claim("k", 3), b.claim("k", 3), elsewhere.claim("k", 1)));
    assertThat(all).hasSize(3);
    assertThat(all.get(2).decision().rejected()).isTrue();
    assertThat(a.acquire("k", 10).allowed()).isTrue();
    assertThat(b.acquire("k", 10).allowed()).isTrue();
  }

  @Test
  void aDeferredClaimDecidesInItsTurnAndItsRejectionRefundsTheOthers() {
    RateLimiter a = limiter("a", "10/minute", store);
    List<String> order = new ArrayList<>();
    Claim custom = Claim.deferred(() -> {
      order.add("deferred");
      return Reservation.none(Decision.rejected(LimitPolicy.of("x", "1/minute"), 0, 0, 1, 1, 1), "k");
    });
    Claim never = Claim.deferred(() -> {
      order.add("after");
      throw new AssertionError("not decided after a rejection");
    });
    List<Reservation> all = Claim.reserveAll(List.of(a.claim("k", 4), custom, never));
    assertThat(all).hasSize(2);
    assertThat(order).containsExactly("deferred");
    assertThat(a.acquire("k", 10).allowed()).as("the 4 permits came back").isTrue();
  }

  @Test
  void aLimiterOfAnotherImplementationClaimsThroughItsReserve() {
    RateLimiter a = limiter("a", "10/minute", store);
    RateLimiter wrapped = new RateLimiter() {
      private final RateLimiter inner = limiter("w", "2/minute", store);

      @Override
      public LimitPolicy policy() {
        return inner.policy();
      }

      @Override
      public boolean tryAcquire(String key, long permits) {
        return inner.tryAcquire(key, permits);
      }

      @Override
      public Decision acquire(String key, long permits) {
        return inner.acquire(key, permits);
      }

      @Override
      public java.util.concurrent.CompletionStage<Decision> acquireAsync(String key, long permits) {
        return inner.acquireAsync(key, permits);
      }

      @Override
      public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
        return inner.acquireShared(bucket, permits);
      }

      @Override
      public Reservation reserve(String key, long permits) {
        return inner.reserve(key, permits);
      }

      @Override
      public BoundLimiter forKey(String key) {
        return inner.forKey(key);
      }
    };
    assertThat(wrapped.claim("k", 1).isDeferred()).isTrue();
    assertThat(Claim.reserveAll(List.of(a.claim("k", 1), wrapped.claim("k", 2)))).allMatch(Reservation::taken);
    List<Reservation> rejected = Claim.reserveAll(List.of(a.claim("k", 1), wrapped.claim("k", 1)));
    assertThat(rejected.get(1).decision().rejected()).isTrue();
    assertThat(a.acquire("k", 9).allowed()).as("1 kept, the rejected request's 1 refunded").isTrue();
  }

  @Test
  void aStoreThatThrowsDecidesEachClaimByItsFailureHandler() {
    RateLimitStore broken = new RateLimitStore() {
      @Override
      public KeySpace keySpace(LimitPolicy policy) {
        KeySpace real = store.keySpace(policy);
        return new KeySpace() {
          @Override
          public LimitPolicy policy() {
            return policy;
          }

          @Override
          public Decision acquire(String key, long permits) {
            throw new IllegalStateException("down");
          }

          @Override
          public Decision acquire(String key, long permits, LimitPolicy effective) {
            throw new IllegalStateException("down");
          }

          @Override
          public Reservation reserve(String key, long permits) {
            throw new IllegalStateException("down");
          }

          @Override
          public String toString() {
            return real.toString();
          }
        };
      }

      @Override
      public long trackedKeys() {
        return 0;
      }
    };
    RateLimiter a = limiter("a", "10/minute", store);
    RateLimiter down = limiter("down", "10/minute", broken);
    LimitPolicy policy = down.policy();
    Claim failOpen = down.claim("k", 1)
        .onFailure(e -> Reservation.none(Decision.allowed(policy, 0, 10, 0, 0).asDegraded(), "k"));
    List<Reservation> all = Claim.reserveAll(List.of(a.claim("k", 2), failOpen));
    assertThat(all).hasSize(2);
    assertThat(all.get(1).decision().degraded()).isTrue();
    assertThat(all.get(0).taken()).isTrue();
    Claim unhandled = down.claim("k", 1);
    assertThatThrownBy(() -> Claim.reserveAll(List.of(a.claim("k", 3), unhandled)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(a.acquire("k", 8).allowed()).as("the 3 taken before the failure came back").isTrue();
  }

  @Test
  void claimsOfOneLimiterReportToItsListenerOnce() {
    RateLimitListener listener = mock(RateLimitListener.class);
    RateLimiter a = RateLimiter.of(LimitPolicy.of("listened", "5/minute"), store, listener);
    Claim.reserveAll(List.of(a.claim("k", 1)));
    verify(listener).onAllowed(eq("k"), any());
  }

  @Test
  void aSteppedLimiterClaimsUnderItsTierAndAnUnlimitedTierTakesNothing() {
    SteppedRateLimiter<String> stepped = SteppedRateLimiter.<String>builder(LimitPolicy.of("tiered", "2/minute"),
        store).tiers(io.limiter.core.step.Tiers.parse("free=2/minute; internal=unlimited; default=free"))
        .tierResolver(t -> t).build();
    RateLimiter a = limiter("a", "10/minute", store);
    for (int i = 0; i < 2; i++) {
      assertThat(Claim.reserveAll(List.of(a.claim("k", 1), stepped.claim("k", "free", 1))))
          .allMatch(Reservation::taken);
    }
    List<Reservation> rejected = Claim.reserveAll(List.of(a.claim("k", 1), stepped.claim("k", "free", 1)));
    assertThat(rejected.get(1).decision().rejected()).isTrue();
    List<Reservation> internal = Claim.reserveAll(List.of(a.claim("k", 1), stepped.claim("k", "internal", 1)));
    assertThat(internal.get(1).decision().unlimited()).isTrue();
    assertThat(a.acquire("k", 7).allowed()).as("2 + 1 (internal) kept, the rejected request's refunded").isTrue();
    assertThat(a.acquire("k", 1).allowed()).isFalse();
  }

  @Test
  void badClaimsAreRefused() {
    RateLimiter a = limiter("a", "10/minute", store);
    assertThatThrownBy(() -> a.claim("k", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("permits");
    assertThat(Claim.reserveAll(List.of())).isEmpty();
  }
}
