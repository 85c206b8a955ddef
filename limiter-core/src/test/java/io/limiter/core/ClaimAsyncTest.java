package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.Tiers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link Claim#reserveAllAsync}: the contract of {@link Claim#reserveAll} without blocking. On local stores it
 * completes before returning and decides exactly as the synchronous form for the same history (a seeded random
 * history over several stores, shadow policies, tiers, the penalty box and deferred claims); on a store whose stages
 * complete later (the {@link Later} store, released by the test), the next claim waits for the one before it, and
 * the refunds of a rejection or a failure complete before the result does.
 */
class ClaimAsyncTest {

  private final AtomicLong now = new AtomicLong();

  private RateLimitStore local() {
    return RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
  }

  private static List<Reservation> done(CompletionStage<List<Reservation>> stage) {
    CompletableFuture<List<Reservation>> f = stage.toCompletableFuture();
    assertThat(f).as("a local store completes the stage before returning").isDone();
    return f.join();
  }

  /** One request shape of the random history: which limiters, in which order, and the tier of the stepped one. */
  private record World(RateLimitStore first, RateLimitStore second, List<RateLimiter> limiters,
      SteppedRateLimiter<String> stepped) {

    List<Claim> claims(int[] picks, String key, String tier) {
      List<Claim> out = new ArrayList<>();
      for (int p : picks) {
        if (p < limiters.size()) {
          out.add(limiters.get(p).claim(key, 1 + p % 2));
        } else if (p == limiters.size()) {
          out.add(stepped.claim(key, tier, 1));
        } else {
          out.add(Claim.deferred(() -> Reservation.none(Decision.unlimited(limiters.get(0).policy()), key)));
        }
      }
      return out;
    }
  }

  private World world() {
    RateLimitStore a = local();
    RateLimitStore b = local();
    List<RateLimiter> limiters = List.of(
        RateLimiter.of(LimitPolicy.of("p0", "7/minute"), a),
        RateLimiter.of(LimitPolicy.of("p1", "5/minute; 20/hour").toBuilder().algorithm(Algorithm.FIXED_WINDOW)
            .build(), a),
        RateLimiter.of(LimitPolicy.of("p2", "3/minute").toBuilder().shadow(true).build(), a),
        RateLimiter.of(LimitPolicy.of("p3", "9/minute").toBuilder().algorithm(Algorithm.SLIDING_WINDOW).build(), b),
        RateLimiter.of(LimitPolicy.of("p4", "4/minute").toBuilder().algorithm(Algorithm.MOVING_WINDOW).build(), b));
    SteppedRateLimiter<String> stepped = SteppedRateLimiter.<String>builder(LimitPolicy.of("tiered", "4/minute"), a)
        .tiers(Tiers.parse("free=4/minute; pro=200%; internal=unlimited; default=free")).tierResolver(t -> t)
        .ticker(now::get).penalty(PenaltyRule.parse("3/minute -> block for 2 minutes")).build();
    return new World(a, b, limiters, stepped);
  }

  @Test
  void onLocalStoresTheAsyncFormDecidesExactlyAsTheSyncFormForTheSameHistory() {
    World sync = world();
    World async = world();
    Random random = new Random(16);
    String[] tiers = {"free", "pro", "internal", null};
    for (int step = 0; step < 3000; step++) {
      int[] picks = random.ints(1 + random.nextInt(4), 0, 7).toArray();
      String key = "k" + random.nextInt(3);
      String tier = tiers[random.nextInt(tiers.length)];
      List<Reservation> expected = Claim.reserveAll(sync.claims(picks, key, tier));
      List<Reservation> actual = done(Claim.reserveAllAsync(async.claims(picks, key, tier)));
      assertThat(actual).as("step %d", step).hasSameSizeAs(expected);
      for (int i = 0; i < expected.size(); i++) {
        Decision e = expected.get(i).decision();
        Decision d = actual.get(i).decision();
        assertThat(d.outcome()).as("step %d claim %d", step, i).isEqualTo(e.outcome());
        assertThat(d.remaining()).as("step %d claim %d", step, i).isEqualTo(e.remaining());
        assertThat(d.retryAfterNanos()).as("step %d claim %d", step, i).isEqualTo(e.retryAfterNanos());
        assertThat(actual.get(i).settled()).isEqualTo(expected.get(i).settled());
      }
      if (random.nextInt(5) == 0) { // settle some admitted requests, alike on both sides
        int which = random.nextInt(expected.size());
        if (!expected.get(which).settled()) {
          expected.get(which).refund();
          assertThat(actual.get(which).refundAsync().toCompletableFuture()).isCompletedWithValue(true);
        }
      }
      now.addAndGet(random.nextInt(4_000) * 1_000_000L);
    }
  }

  /**
   * A store whose async forms complete when the test releases them: wraps an in-memory store; reservations settle
   * asynchronously too, completing when released.
   */
  private static final class Later implements RateLimitStore {
    final RateLimitStore inner;
    final Queue<Runnable> pending = new ArrayDeque<>();
    final List<String> log = new ArrayList<>();
    boolean groupsFail;
    boolean keysFail;

    Later(RateLimitStore inner) {
      this.inner = inner;
    }

    void releaseAll() {
      while (!pending.isEmpty()) {
        pending.poll().run();
      }
    }

    <T> CompletionStage<T> later(String what, java.util.function.Supplier<T> value) {
      CompletableFuture<T> f = new CompletableFuture<>();
      log.add(what);
      pending.add(() -> {
        try {
          f.complete(value.get());
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
      });
      return f;
    }

    Reservation slow(Reservation r) {
      return Reservation.of(r.decision(), r.key(), r.policy(), r.permits(), r.stamp(), new Reservation.Settler() {
        @Override
        public void settle(Reservation reservation, long actual) {
          r.settle(actual);
        }

        @Override
        public CompletionStage<Void> settleAsync(Reservation reservation, long actual) {
          return later("settle " + r.policy().name() + " " + actual, () -> {
            r.settle(actual);
            return null;
          });
        }
      });
    }

    @Override
    public KeySpace keySpace(LimitPolicy policy) {
      KeySpace real = inner.keySpace(policy);
      return new KeySpace() {
        @Override
        public LimitPolicy policy() {
          return policy;
        }

        @Override
        public Decision acquire(String key, long permits) {
          return real.acquire(key, permits);
        }

        @Override
        public Decision acquire(String key, long permits, LimitPolicy effective) {
          return real.acquire(key, permits, effective);
        }

        @Override
        public Reservation reserve(String key, long permits) {
          return slow(real.reserve(key, permits));
        }

        @Override
        public CompletionStage<Reservation> reserveAsync(String key, long permits) {
          return later("reserve " + policy.name(), () -> {
            if (keysFail) {
              throw new IllegalStateException("down");
            }
            return slow(real.reserve(key, permits));
          });
        }
      };
    }

    @Override
    public CompletionStage<List<Reservation>> reserveAllAsync(List<Claim> claims) {
      if (groupsFail) {
        log.add("group");
        return CompletableFuture.failedFuture(new IllegalArgumentException("no group"));
      }
      return RateLimitStore.super.reserveAllAsync(claims);
    }

    @Override
    public long trackedKeys() {
      return inner.trackedKeys();
    }
  }

  @Test
  void theNextClaimIsSentOnlyOnceTheOneBeforeIsDecidedAndRefundsCompleteBeforeTheRejection() {
    Later store = new Later(local());
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), store);
    RateLimiter b = RateLimiter.of(LimitPolicy.of("b", "1/minute"), local());
    b.acquire("k");
    CompletableFuture<List<Reservation>> all = Claim.reserveAllAsync(List.of(a.claim("k", 3), b.claim("k", 1)))
        .toCompletableFuture();
    assertThat(store.log).containsExactly("reserve a");
    assertThat(all).isNotDone();
    store.pending.poll().run(); // a decided: b is decided (locally, at once) and rejects; a's refund is sent
    assertThat(store.log).containsExactly("reserve a", "settle a 0");
    assertThat(all).as("the result waits for the refund").isNotDone();
    store.releaseAll();
    assertThat(all).isDone();
    assertThat(all.join()).hasSize(2);
    assertThat(all.join().get(1).decision().rejected()).isTrue();
    assertThat(a.acquire("k", 10).allowed()).as("the 3 came back").isTrue();
  }

  @Test
  void aGroupOfOneStoreGoesToItsAsyncFormAndStopsAtTheRejection() {
    Later store = new Later(local());
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), store);
    RateLimiter b = RateLimiter.of(LimitPolicy.of("b", "1/minute"), store);
    RateLimiter c = RateLimiter.of(LimitPolicy.of("c", "10/minute"), store);
    b.acquire("k");
    CompletableFuture<List<Reservation>> all = Claim.reserveAllAsync(List.of(a.claim("k", 2), b.claim("k", 1),
        c.claim("k", 1))).toCompletableFuture();
    store.releaseAll();
    assertThat(store.log).containsExactly("reserve a", "reserve b", "settle a 0");
    assertThat(all.join()).hasSize(2);
    assertThat(a.acquire("k", 10).allowed()).isTrue();
    assertThat(c.acquire("k", 10).allowed()).as("not decided after the rejection").isTrue();
  }

  @Test
  void aGroupTheStoreFailsIsReservedClaimByClaimWithEachFailureHandler() {
    Later store = new Later(local());
    store.groupsFail = true;
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), store);
    RateLimiter b = RateLimiter.of(LimitPolicy.of("b", "10/minute"), store);
    CompletableFuture<List<Reservation>> all = Claim.reserveAllAsync(List.of(a.claim("k", 2), b.claim("k", 1)))
        .toCompletableFuture();
    store.releaseAll();
    assertThat(store.log).containsExactly("group", "reserve a", "reserve b");
    assertThat(all.join()).hasSize(2).allMatch(Reservation::taken);

    store.keysFail = true;
    LimitPolicy policy = b.policy();
    Function<RuntimeException, Reservation> failOpen =
        e -> Reservation.none(Decision.allowed(policy, 0, 10, 0, 0).asDegraded(), "k");
    CompletableFuture<List<Reservation>> handled = Claim.reserveAllAsync(List.of(
        RateLimiter.of(LimitPolicy.of("x", "10/minute"), local()).claim("k", 1), a.claim("k", 1).onFailure(failOpen),
        b.claim("k", 1).onFailure(failOpen))).toCompletableFuture();
    store.releaseAll();
    assertThat(handled.join()).hasSize(3).allMatch(Reservation::allowed);
    assertThat(handled.join().get(2).decision().degraded()).isTrue();
  }

  @Test
  void aFailureWithoutHandlerFailsTheStageAfterRefundingWhatWasTaken() {
    Later store = new Later(local());
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), local());
    RateLimiter down = RateLimiter.of(LimitPolicy.of("down", "10/minute"), store);
    store.keysFail = true;
    CompletableFuture<List<Reservation>> all = Claim.reserveAllAsync(List.of(a.claim("k", 4), down.claim("k", 1)))
        .toCompletableFuture();
    store.releaseAll();
    assertThatThrownBy(all::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("down");
    assertThat(a.acquire("k", 10).allowed()).as("the 4 taken before the failure came back").isTrue();
  }

  @Test
  void deferredClaimsUseTheirAsyncFormWhenTheyHaveOne() {
    Later store = new Later(local());
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), local());
    List<String> used = new ArrayList<>();
    Claim both = Claim.deferred(() -> {
      used.add("sync");
      return a.reserve("k", 1);
    }, () -> store.later("deferred", () -> {
      used.add("async");
      return a.reserve("k", 1);
    }));
    CompletableFuture<List<Reservation>> all = Claim.reserveAllAsync(List.of(both)).toCompletableFuture();
    assertThat(all).isNotDone();
    store.releaseAll();
    assertThat(used).containsExactly("async");
    assertThat(Claim.reserveAll(List.of(both))).hasSize(1);
    assertThat(used).containsExactly("async", "sync");
  }

  @Test
  void settlingAsyncCountsOnceAcrossBothForms() {
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), local());
    Reservation r = a.reserve("k", 4);
    assertThat(r.settleAsync(1).toCompletableFuture()).isCompletedWithValue(true);
    assertThat(r.refundAsync().toCompletableFuture()).isCompletedWithValue(false);
    assertThat(r.refund()).isFalse();
    assertThat(a.acquire("k", 9).allowed()).as("settled to 1").isTrue();
    Reservation s = a.reserve("other", 2);
    assertThat(s.refund()).isTrue();
    assertThat(s.settleAsync(2).toCompletableFuture()).isCompletedWithValue(false);
    assertThatThrownBy(() -> a.reserve("third", 1).settleAsync(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    Reservation unsettleable = Reservation.of(Decision.allowed(a.policy(), 0, 9, 0, 0), "k", a.policy(), 1, 0,
        (res, actual) -> {
          throw new UnsupportedOperationException("cannot settle");
        });
    assertThat(unsettleable.refundAsync().toCompletableFuture()).isCompletedExceptionally();
    assertThat(Claim.reserveAllAsync(List.of()).toCompletableFuture()).isCompletedWithValue(List.of());
  }

  /**
   * A local store decides at once, and its reservation is completed in place rather than through a dependent stage:
   * a completion that throws is still the claim's failure (its handler decides; without one, the request fails after
   * the permits taken before it came back), as the dependent stage made it.
   */
  @Test
  void aCompletionThatThrowsOnALocalStoreIsTheClaimsFailureAsInADependentStage() {
    // two stores: each claim is reserved alone (a group's completions run after the store's one call)
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), local());
    RateLimiter b = RateLimiter.of(LimitPolicy.of("b", "10/minute"), local());
    Reservation degraded = Reservation.none(Decision.allowed(b.policy(), 0, 10, 0, 0).asDegraded(), "k");
    List<RuntimeException> handled = new ArrayList<>();
    Claim throwing = b.claim("k", 1).completedBy(r -> {
      throw new IllegalStateException("listener");
    });
    List<Reservation> decided = done(Claim.reserveAllAsync(List.of(a.claim("k", 3), throwing.onFailure(e -> {
      handled.add(e);
      return degraded;
    }))));
    assertThat(decided).hasSize(2);
    assertThat(decided.get(1)).isSameAs(degraded);
    assertThat(handled).hasSize(1);
    assertThat(handled.get(0)).isInstanceOf(IllegalStateException.class).hasMessage("listener");

    CompletableFuture<List<Reservation>> failed = Claim.reserveAllAsync(List.of(a.claim("k", 4), throwing))
        .toCompletableFuture();
    assertThat(failed).isCompletedExceptionally();
    assertThatThrownBy(failed::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("listener");
    assertThat(a.acquire("k", 7).allowed()).as("the 4 taken before the failure came back; 3 stay taken").isTrue();
    assertThat(a.acquire("k", 1).allowed()).isFalse();
  }

  @Test
  void markingAClaimWithTheSoftnessItHasKeepsIt() {
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), local());
    Claim hard = a.claim("k", 1);
    assertThat(hard.soft()).isFalse();
    assertThat(hard.soft(false)).isSameAs(hard);
    Claim soft = hard.soft(true);
    assertThat(soft.soft()).isTrue();
    assertThat(soft.soft(true)).isSameAs(soft);
    assertThat(soft.soft(false).soft()).isFalse();
  }

  /**
   * A completion that throws after the store took the permits (a limiter's completion, its listener or a caller's
   * {@link Claim#completedBy}) must not keep them: the claim's failure decides (handler or failed request), and the
   * store's reservation the completion never handed back is refunded, alone or in a group, sync or async.
   */
  @Test
  void aCompletionThatThrowsLeavesNothingTakenOfTheReservationItWasGiven() {
    assertACompletionThrowingLeavesNothingTaken(new IllegalStateException("completion"));
  }

  /**
   * The same with a completion that throws a checked exception (which Kotlin, or a sneaky throw, allows): before, it
   * slipped past the refunds (they caught runtime exceptions and errors only), leaving the store's permits taken,
   * and past the failure handler on the synchronous and the in-place asynchronous paths.
   */
  @Test
  void aCompletionThatThrowsACheckedExceptionLeavesNothingTakenAndGoesToTheFailureHandler() {
    assertACompletionThrowingLeavesNothingTaken(new java.io.IOException("completion"));
  }

  private void assertACompletionThrowingLeavesNothingTaken(Exception thrown) {
    RateLimitStore store = local();
    RateLimiter a = RateLimiter.of(LimitPolicy.of("a", "10/minute"), store);
    RateLimiter b = RateLimiter.of(LimitPolicy.of("b", "10/minute"), store);
    RateLimiter c = RateLimiter.of(LimitPolicy.of("c", "10/minute"), local());
    Claim throwing = b.claim("k", 2).completedBy(r -> ClaimAsyncTest.<RuntimeException>sneaky(thrown));
    List<Throwable> handled = new java.util.ArrayList<>();
    Claim withHandler = throwing.onFailure(e -> {
      handled.add(e);
      return Reservation.none(Decision.allowed(b.policy(), 0, 10, 0, 0), "k");
    });
    // alone (the claim before it is of another store), with and without a handler, in both forms
    assertThat(Claim.reserveAll(List.of(c.claim("k", 1), withHandler))).hasSize(2);
    assertThat(done(Claim.reserveAllAsync(List.of(c.claim("k", 1), withHandler)))).hasSize(2);
    assertThat(handled).as("the failure handler decided both").hasSize(2)
        .allSatisfy(e -> assertThat(e == thrown || e.getCause() == thrown).as("%s", e).isTrue());
    assertThatThrownBy(() -> Claim.reserveAll(List.of(c.claim("k", 1), throwing))).isSameAs(thrown);
    assertThat(Claim.reserveAllAsync(List.of(c.claim("k", 1), throwing)).toCompletableFuture())
        .isCompletedExceptionally();
    // in a group of one store (its one call took both claims' permits before the completions ran)
    assertThatThrownBy(() -> Claim.reserveAll(List.of(a.claim("k", 1), throwing, a.claim("k", 1)))).isSameAs(thrown);
    assertThat(Claim.reserveAllAsync(List.of(a.claim("k", 1), throwing, a.claim("k", 1))).toCompletableFuture())
        .isCompletedExceptionally();
    assertThat(b.acquire("k", 10).allowed()).as("no permit of b stays taken").isTrue();
    assertThat(a.acquire("k", 10).allowed()).as("no permit of a stays taken").isTrue();
    assertThat(c.acquire("k", 8).allowed()).as("the 2 admitted requests keep theirs, the failed ones none").isTrue();
    assertThat(c.acquire("k", 1).allowed()).isFalse();
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> Reservation sneaky(Throwable t) throws T {
    throw (T) t;
  }
}
