package io.limiter.test;

import static io.limiter.test.AvailablePermits.takeAll;
import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The several-policies part of the store contract ({@link RateLimitStore#reserveAll}, {@link Claim#reserveAll}): a
 * request's policies are taken all or nothing. {@link RateLimitStoreContract} implements it, so every store that
 * passes the contract passes this too, whether it decides the claims in one call (Redis) or uses the default
 * (reserve in order, refund on a rejection).
 *
 * <p>Covered: a rejection by any claim leaves every other claim's permits untouched, and the claims after it are not
 * decided; a soft (shadow) claim's rejection takes nothing and stops nothing; claims on step views decide with the
 * view's limits; claims made by limiters apply shadow mode; a group mixing algorithms, and the same key space twice,
 * decides as the claims would one after the other; a 64-thread hammer mixing single acquisitions on each policy and
 * all-or-nothing pairs keeps exact totals on both.
 */
public interface MultiReserveContract {

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

  private KeySpace multiSpace(String spec, Algorithm algorithm) {
    return storeUnderTest().keySpace(uniquePolicy(spec, algorithm));
  }

  private Claim claim(KeySpace space, String key, long permits) {
    return Claim.of(storeUnderTest(), space, key, permits);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aRejectionByOnePolicyLeavesTheOthersUntouched(Algorithm algorithm) {
    KeySpace wide = multiSpace("10/minute", algorithm);
    KeySpace narrow = multiSpace("3/minute", algorithm);
    KeySpace after = multiSpace("10/minute", algorithm);
    for (int i = 0; i < 3; i++) {
      List<Reservation> all = Claim.reserveAll(List.of(claim(wide, "k", 2), claim(narrow, "k", 1),
          claim(after, "k", 1)));
      assertThat(all).hasSize(3).allMatch(Reservation::taken).allMatch(r -> !r.settled());
      assertThat(all.get(0).decision()).isAllowed().hasRemaining(10 - 2 * (i + 1));
    }
    List<Reservation> rejected = Claim.reserveAll(List.of(claim(wide, "k", 2), claim(narrow, "k", 1),
        claim(after, "k", 1)));
    assertThat(rejected).as("up to and including the rejecting claim").hasSize(2);
    assertThat(rejected.get(1).decision()).isRejected();
    assertThat(rejected).noneMatch(r -> r.taken() && !r.settled());
    assertThat(takeAll(wide, "k")).as("the wide policy kept none of the rejected request's permits").isEqualTo(4);
    assertThat(takeAll(after, "k")).as("the claim after the rejection was not decided").isEqualTo(7);
    assertThat(takeAll(narrow, "k")).isZero();
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void theStoreCallReturnsUpToTheRejectionAndNothingStaysTaken(Algorithm algorithm) {
    KeySpace first = multiSpace("5/minute", algorithm);
    KeySpace second = multiSpace("1/minute", algorithm);
    second.acquire("k", 1);
    List<Reservation> stored = storeUnderTest().reserveAll(List.of(claim(first, "k", 1), claim(second, "k", 1),
        claim(first, "other", 1)));
    assertThat(stored).hasSize(2);
    assertThat(stored.get(0).allowed()).isTrue();
    assertThat(stored.get(1).allowed()).isFalse();
    stored.forEach(Reservation::refund); // a caller refunding again changes nothing
    assertThat(takeAll(first, "k")).isEqualTo(5);
    assertThat(takeAll(first, "other")).isEqualTo(5);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void aSoftClaimsRejectionTakesNothingAndStopsNothing(Algorithm algorithm) {
    KeySpace a = multiSpace("10/minute", algorithm);
    KeySpace shadow = multiSpace("1/minute", algorithm);
    KeySpace c = multiSpace("10/minute", algorithm);
    shadow.acquire("k", 1);
    List<Reservation> all = storeUnderTest().reserveAll(List.of(claim(a, "k", 3), claim(shadow, "k", 1).soft(true),
        claim(c, "k", 4)));
    assertThat(all).hasSize(3);
    assertThat(all.get(1).allowed()).isFalse();
    assertThat(all.get(1).taken()).isFalse();
    assertThat(all.get(0).taken()).isTrue();
    assertThat(all.get(2).taken()).isTrue();
    assertThat(takeAll(a, "k")).isEqualTo(7);
    assertThat(takeAll(c, "k")).isEqualTo(6);
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void reservationsOfAGroupSettleLikeSingleOnes(Algorithm algorithm) {
    KeySpace a = multiSpace("10/minute", algorithm);
    KeySpace b = multiSpace("10/minute", algorithm);
    List<Reservation> all = Claim.reserveAll(List.of(claim(a, "k", 5), claim(b, "k", 5)));
    all.get(0).settle(2);
    all.get(1).refund();
    assertThat(takeAll(a, "k")).isEqualTo(8);
    assertThat(takeAll(b, "k")).isEqualTo(10);
  }

  @Test
  default void claimsOnViewsDecideWithTheViewsLimits() {
    LimitPolicy policy = uniquePolicy("10/minute", Algorithm.TOKEN_BUCKET);
    KeySpace base = storeUnderTest().keySpace(policy);
    KeySpace half = base.view(policy.scaled(0.5));
    KeySpace other = multiSpace("10/minute", Algorithm.TOKEN_BUCKET);
    for (int i = 0; i < 5; i++) {
      assertThat(Claim.reserveAll(List.of(claim(other, "k", 1), claim(half, "k", 1)))).hasSize(2)
          .allMatch(Reservation::taken);
    }
    List<Reservation> rejected = Claim.reserveAll(List.of(claim(other, "k", 1), claim(half, "k", 1)));
    assertThat(rejected.get(1).decision()).isRejected();
    assertThat(takeAll(other, "k")).isEqualTo(5);
    // the view's 5 of 5 are the whole bucket under the base limits too (a step keeps the fraction used)
    assertThat(takeAll(base, "k")).as("the base limits read the same state").isZero();
  }

  @Test
  default void aGroupMixingAlgorithmsAndTheSameKeySpaceTwiceDecidesInOrder() {
    KeySpace bucket = multiSpace("4/minute", Algorithm.TOKEN_BUCKET);
    KeySpace moving = multiSpace("4/minute", Algorithm.MOVING_WINDOW);
    KeySpace fixed = multiSpace("4/minute", Algorithm.FIXED_WINDOW);
    List<Reservation> all = Claim.reserveAll(List.of(claim(bucket, "k", 1), claim(moving, "k", 1),
        claim(fixed, "k", 1), claim(bucket, "k", 2)));
    assertThat(all).hasSize(4).allMatch(Reservation::taken);
    List<Reservation> over = Claim.reserveAll(List.of(claim(moving, "k", 1), claim(bucket, "k", 1),
        claim(bucket, "k", 1)));
    assertThat(over).hasSize(3);
    assertThat(over.get(2).decision()).isRejected();
    assertThat(takeAll(bucket, "k")).isEqualTo(1);
    assertThat(takeAll(moving, "k")).isEqualTo(3);
    assertThat(takeAll(fixed, "k")).isEqualTo(3);
  }

  @Test
  default void limitersClaimWithShadowModeApplied() {
    RateLimiter enforced = RateLimiter.of(uniquePolicy("5/minute", Algorithm.TOKEN_BUCKET), storeUnderTest());
    LimitPolicy shadowPolicy = uniquePolicy("1/minute", Algorithm.TOKEN_BUCKET).toBuilder().shadow(true).build();
    RateLimiter shadow = RateLimiter.of(shadowPolicy, storeUnderTest());
    RateLimiter last = RateLimiter.of(uniquePolicy("5/minute", Algorithm.TOKEN_BUCKET), storeUnderTest());
    for (int i = 0; i < 5; i++) {
      List<Reservation> all = Claim.reserveAll(List.of(enforced.claim("client", 1), shadow.claim("client", 1),
          last.claim("client", 1)));
      assertThat(all).hasSize(3);
      assertThat(all.get(1).decision().outcome()).isIn(io.limiter.core.Decision.Outcome.ALLOWED,
          io.limiter.core.Decision.Outcome.SHADOW_REJECTED);
      assertThat(all).noneMatch(r -> r.decision().rejected());
    }
    assertThat(enforced.acquire("client", 1)).isRejected();
    assertThat(last.acquire("client", 1)).isRejected();
  }

  /**
   * 64 threads on one key of two policies, each thread mixing single acquisitions of either policy and all-or-nothing
   * pairs of both, with the clock standing still: on each policy what was admitted plus what is left is exactly the
   * capacity, and a pair counts on both or neither (a pair's permits kept after its rejection, or lost, would show).
   */
  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  default void hammerMixingSingleAndMultiPolicyCallsKeepsExactTotals(Algorithm algorithm) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      for (int repetition = 0; repetition < 3; repetition++) {
        KeySpace a = multiSpace("300/minute", algorithm);
        KeySpace b = multiSpace("200/minute", algorithm);
        String key = "multi-hammer-" + repetition;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong onA = new AtomicLong();
        AtomicLong onB = new AtomicLong();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 64; t++) {
          int thread = t;
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 10; i++) {
              switch ((thread + i) % 4) {
                case 0 -> {
                  if (a.acquire(key, 1).allowed()) {
                    onA.incrementAndGet();
                  }
                }
                case 1 -> {
                  if (b.acquire(key, 1).allowed()) {
                    onB.incrementAndGet();
                  }
                }
                default -> {
                  List<Reservation> pair = Claim.reserveAll(List.of(claim(a, key, 2), claim(b, key, 1)));
                  if (pair.size() == 2 && pair.get(1).allowed()) {
                    onA.addAndGet(2);
                    onB.addAndGet(1);
                  }
                }
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(120, TimeUnit.SECONDS);
        }
        assertThat(onA.get() + takeAll(a, key)).as("policy a, repetition %d", repetition).isEqualTo(300);
        assertThat(onB.get() + takeAll(b, key)).as("policy b, repetition %d", repetition).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
