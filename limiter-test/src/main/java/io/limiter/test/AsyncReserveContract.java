package io.limiter.test;

import static io.limiter.test.AvailablePermits.takeAll;
import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The async part of the store contract ({@link KeySpace#reserveAsync}, {@link RateLimitStore#reserveAllAsync},
 * {@link Claim#reserveAllAsync}, {@link Reservation#settleAsync}): the all-or-nothing reservation of a request's
 * policies without blocking decides exactly as the synchronous one. {@link RateLimitStoreContract} implements it, so
 * every store that passes the contract passes this too, whether its async forms are its own (Redis) or the defaults.
 *
 * <p>Covered: for the same history on the fake clock, the async form's decisions equal the sync form's (every
 * algorithm, a step view, a soft claim, settlements in between); the store's async call returns up to the rejection
 * and nothing stays taken; a soft claim's rejection takes nothing and stops nothing; all or nothing across this store
 * and another (a rejection in either refunds the other before the stage completes); a claim that fails without a
 * failure handler fails the stage after the permits taken before it came back, one with a handler is decided by it;
 * async settlements count once across both forms.
 */
public interface AsyncReserveContract {

  /** @return the store under test, new for each test */
  RateLimitStore storeUnderTest();

  /** @return the clock the store under test reads */
  ManualTicker tickerUnderTest();

  /**
   * @param spec a rate spec
   * @param algorithm the algorithm
   * @return a policy with a name unique in this JVM
   */
  LimitPolicy uniquePolicy(String spec, Algorithm algorithm);

  /** Generous: the contract tests exactness on a busy machine, not latency. */
  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private KeySpace asyncSpace(String spec, Algorithm algorithm) {
    return storeUnderTest().keySpace(uniquePolicy(spec, algorithm));
  }

  private Claim claim(KeySpace space, String key, long permits) {
    return Claim.of(storeUnderTest(), space, key, permits);
  }

  /**
   * Two copies of the same policies (same shapes, other names), one decided with {@link Claim#reserveAll}, the other
   * with {@link Claim#reserveAllAsync}, through a seeded random history of requests of one to four claims (a soft one
   * among them) and settlements, on the fake clock: every decision is the same on both sides.
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void asyncDecisionsEqualSyncOnesForTheSameHistory(Algorithm algorithm) throws Exception {
    String[] specs = {"6/minute", "4/minute; 10/hour", "9/minute", "3/minute"};
    List<List<KeySpace>> sides = new ArrayList<>();
    for (int side = 0; side < 2; side++) {
      List<KeySpace> spaces = new ArrayList<>();
      for (String spec : specs) {
        spaces.add(asyncSpace(spec, algorithm));
      }
      if (algorithm == Algorithm.TOKEN_BUCKET) { // a step level's view of the first policy
        spaces.add(spaces.get(0).view(spaces.get(0).policy().scaled(0.5)));
      }
      sides.add(spaces);
    }
    Random random = new Random(16);
    for (int step = 0; step < 120; step++) {
      int count = 1 + random.nextInt(4);
      String key = "k" + random.nextInt(2);
      List<Claim> sync = new ArrayList<>();
      List<Claim> async = new ArrayList<>();
      for (int c = 0; c < count; c++) {
        int which = random.nextInt(sides.get(0).size());
        long permits = 1 + random.nextInt(2);
        boolean soft = which == 3;
        sync.add(claim(sides.get(0).get(which), key, permits).soft(soft));
        async.add(claim(sides.get(1).get(which), key, permits).soft(soft));
      }
      List<Reservation> expected = Claim.reserveAll(sync);
      List<Reservation> actual = await(Claim.reserveAllAsync(async));
      assertThat(actual).as("step %d", step).hasSameSizeAs(expected);
      for (int i = 0; i < expected.size(); i++) {
        Decision e = expected.get(i).decision();
        Decision d = actual.get(i).decision();
        assertThat(d.outcome()).as("step %d claim %d", step, i).isEqualTo(e.outcome());
        assertThat(d.remaining()).as("step %d claim %d", step, i).isEqualTo(e.remaining());
        assertThat(actual.get(i).taken() && !actual.get(i).settled()).as("step %d claim %d held", step, i)
            .isEqualTo(expected.get(i).taken() && !expected.get(i).settled());
      }
      if (random.nextInt(4) == 0 && !expected.get(0).settled()) {
        long settleTo = random.nextInt((int) expected.get(0).permits() + 1);
        expected.get(0).settle(settleTo);
        assertThat(await(actual.get(0).settleAsync(settleTo))).isTrue();
      }
      tickerUnderTest().advance(Duration.ofMillis(random.nextInt(9_000)));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void theStoresAsyncCallReturnsUpToTheRejectionAndNothingStaysTaken(Algorithm algorithm) throws Exception {
    KeySpace first = asyncSpace("5/minute", algorithm);
    KeySpace second = asyncSpace("1/minute", algorithm);
    second.acquire("k", 1);
    List<Reservation> stored = await(storeUnderTest().reserveAllAsync(List.of(claim(first, "k", 2),
        claim(second, "k", 1), claim(first, "other", 1))));
    assertThat(stored).hasSize(2);
    assertThat(stored.get(0).allowed()).isTrue();
    assertThat(stored.get(1).allowed()).isFalse();
    assertThat(stored).noneMatch(r -> r.taken() && !r.settled());
    assertThat(takeAll(first, "k")).as("the first claim's permits came back before the stage completed").isEqualTo(5);
    assertThat(takeAll(first, "other")).as("the claim after the rejection was not decided").isEqualTo(5);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aSoftClaimsRejectionTakesNothingAndStopsNothingAsync(Algorithm algorithm) throws Exception {
    KeySpace a = asyncSpace("10/minute", algorithm);
    KeySpace shadow = asyncSpace("1/minute", algorithm);
    KeySpace c = asyncSpace("10/minute", algorithm);
    shadow.acquire("k", 1);
    List<Reservation> all = await(storeUnderTest().reserveAllAsync(List.of(claim(a, "k", 3),
        claim(shadow, "k", 1).soft(true), claim(c, "k", 4))));
    assertThat(all).hasSize(3);
    assertThat(all.get(1).allowed()).isFalse();
    assertThat(all.get(1).taken()).isFalse();
    assertThat(takeAll(a, "k")).isEqualTo(7);
    assertThat(takeAll(c, "k")).isEqualTo(6);
  }

  /** All or nothing across this store and an in-memory one: a rejection in either gives the other's permits back. */
  @Test
  default void allOrNothingAcrossStoresAsync() throws Exception {
    RateLimitStore other = RateLimitStore.builder().ticker(tickerUnderTest()).buildInMemory();
    RateLimiter here = RateLimiter.of(uniquePolicy("10/minute", Algorithm.TOKEN_BUCKET), storeUnderTest());
    RateLimiter hereNarrow = RateLimiter.of(uniquePolicy("1/minute", Algorithm.TOKEN_BUCKET), storeUnderTest());
    RateLimiter there = RateLimiter.of(uniquePolicy("10/minute", Algorithm.TOKEN_BUCKET), other);
    RateLimiter thereNarrow = RateLimiter.of(uniquePolicy("1/minute", Algorithm.TOKEN_BUCKET), other);
    hereNarrow.acquire("k");
    thereNarrow.acquire("k");
    List<Reservation> rejectedHere = await(Claim.reserveAllAsync(List.of(there.claim("k", 3), here.claim("k", 2),
        hereNarrow.claim("k", 1))));
    assertThat(rejectedHere).hasSize(3);
    assertThat(rejectedHere.get(2).decision()).isRejected();
    List<Reservation> rejectedThere = await(Claim.reserveAllAsync(List.of(here.claim("k", 4), there.claim("k", 1),
        thereNarrow.claim("k", 1))));
    assertThat(rejectedThere).hasSize(3);
    assertThat(rejectedThere.get(2).decision()).isRejected();
    assertThat(here.acquire("k", 10)).as("this store kept nothing of either request").isAllowed();
    assertThat(there.acquire("k", 10)).as("the other store kept nothing of either request").isAllowed();
  }

  /**
   * A claim that fails (a blank key, which every store refuses before taking anything): without a failure handler
   * the stage fails after the permits taken before it came back; with one, the handler decides it.
   */
  @Test
  default void aFailingClaimFailsTheStageAfterTheRefundsOrIsDecidedByItsHandler() throws Exception {
    KeySpace a = asyncSpace("10/minute", Algorithm.TOKEN_BUCKET);
    KeySpace b = asyncSpace("10/minute", Algorithm.TOKEN_BUCKET);
    assertThatThrownBy(() -> await(Claim.reserveAllAsync(List.of(claim(a, "k", 4), claim(b, " ", 1)))))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(takeAll(a, "k")).as("the 4 taken before the failure came back").isEqualTo(10);
    LimitPolicy policy = b.policy();
    Function<RuntimeException, Reservation> failOpen =
        e -> Reservation.none(Decision.degradedAllowed(policy), " ");
    List<Reservation> handled = await(Claim.reserveAllAsync(List.of(claim(a, "k2", 4),
        claim(b, " ", 1).onFailure(failOpen))));
    assertThat(handled).hasSize(2);
    assertThat(handled.get(1).decision().degraded()).isTrue();
    assertThat(handled.get(0).taken()).isTrue();
    assertThat(takeAll(a, "k2")).isEqualTo(6);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void asyncReservationsSettleOnceAcrossBothForms(Algorithm algorithm) throws Exception {
    KeySpace a = asyncSpace("10/minute", algorithm);
    Reservation r = await(a.reserveAsync("k", 5));
    assertThat(r.taken()).isTrue();
    assertThat(await(r.settleAsync(2))).isTrue();
    assertThat(await(r.refundAsync())).isFalse();
    assertThat(r.refund()).isFalse();
    Reservation s = await(a.reserveAsync("other", 3));
    boolean settled = await(Reservation.refundAllAsync(List.of(s, s)).thenApply(v -> s.settled()));
    assertThat(settled).isTrue();
    assertThat(takeAll(a, "k")).isEqualTo(8);
    assertThat(takeAll(a, "other")).isEqualTo(10);
  }
}
