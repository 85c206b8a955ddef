package io.limiter.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The worked examples of {@link Algorithm}'s javadoc, and exactness of the integer math behind them. */
class KernelTest {

  private static final long SECOND = 1_000_000_000L;
  /** 12:00:00 on some day, in ticker nanoseconds (a multiple of a minute). */
  private static final long NOON = 1_000_000L * 60 * SECOND;

  private final AtomicLong now = new AtomicLong(NOON);
  private final RateLimitStore store =
      RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();

  private Decision acquire(LimitPolicy policy, long permits) {
    return store.acquire("k", policy, permits);
  }

  private int admitted(LimitPolicy policy, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      n += acquire(policy, 1).allowed() ? 1 : 0;
    }
    return n;
  }

  private static LimitPolicy policy(Algorithm algorithm) {
    return LimitPolicy.builder("p").limits("10/minute").algorithm(algorithm).build();
  }

  @Test
  void tokenBucketHasNoDoubledBurstAtAnEdge() {
    LimitPolicy policy = policy(Algorithm.TOKEN_BUCKET);
    now.set(NOON + 59_900_000_000L);
    assertThat(admitted(policy, 20)).isEqualTo(10);
    now.addAndGet(200_000_000L); // 12:01:00.1
    assertThat(admitted(policy, 20)).isZero();
    now.addAndGet(5_800_000_000L); // one emission interval after the burst
    assertThat(admitted(policy, 20)).isEqualTo(1);
  }

  @Test
  void fixedWindowAdmitsTwiceTheLimitAroundAnEdge() {
    LimitPolicy policy = policy(Algorithm.FIXED_WINDOW);
    now.set(NOON + 59_900_000_000L);
    assertThat(admitted(policy, 20)).isEqualTo(10);
    Decision rejected = acquire(policy, 1);
    assertThat(rejected.retryAfterNanos()).isEqualTo(100_000_000L);
    assertThat(rejected.resetAfterNanos()).isEqualTo(100_000_000L);
    now.set(NOON + 60 * SECOND);
    assertThat(admitted(policy, 20)).isEqualTo(10);
  }

  @Test
  void slidingWindowWeighsThePreviousWindow() {
    LimitPolicy policy = policy(Algorithm.SLIDING_WINDOW);
    now.set(NOON + 59_900_000_000L);
    assertThat(admitted(policy, 20)).isEqualTo(10);
    now.set(NOON + 60_100_000_000L); // previous 10 weigh 10 × 59.9/60 = 9.98
    assertThat(admitted(policy, 1)).isZero();
    Decision d = acquire(policy, 1);
    // one permit when 10·(60 - e)/60 <= 9, i.e. e >= 6 s into the new window
    assertThat(d.retryAfterNanos()).isEqualTo(5_900_000_000L);
    assertThat(d.refillAfterNanos()).isEqualTo(5_900_000_000L);
    assertThat(d.remaining()).isZero();
    now.addAndGet(5_900_000_000L - 1);
    assertThat(acquire(policy, 1).rejected()).isTrue();
    now.addAndGet(1);
    assertThat(acquire(policy, 1).allowed()).isTrue();
  }

  @Test
  void slidingWindowRemainingMatchesAdmission() {
    LimitPolicy policy = LimitPolicy.builder("p").limits("7/minute").algorithm(Algorithm.SLIDING_WINDOW).build();
    now.set(NOON + 30 * SECOND);
    assertThat(admitted(policy, 5)).isEqualTo(5);
    for (long t = 0; t < 130; t += 7) {
      now.set(NOON + (60 + t) * SECOND + 123_456_789L);
      Decision probe = store.acquire("probe-" + t, policy, 1); // a fresh key: full
      assertThat(probe.remaining()).isEqualTo(6);
      long remaining = store.keySpace(policy).acquire("k", 8).remaining(); // cost 8 > 7: never, charges nothing
      int admitted = 0;
      String key = "copy-" + t;
      // a copy of k's history, replayed, must admit exactly `remaining`
      now.set(NOON + 30 * SECOND);
      store.acquire(key, policy, 5);
      now.set(NOON + (60 + t) * SECOND + 123_456_789L);
      while (store.acquire(key, policy, 1).allowed()) {
        admitted++;
      }
      assertThat(admitted).as("at t=%ds", t).isEqualTo((int) remaining);
    }
  }

  @Test
  void gcraReportsTimeUntilMoreQuota() {
    LimitPolicy policy = policy(Algorithm.TOKEN_BUCKET);
    Decision first = acquire(policy, 1);
    assertThat(first.remaining()).isEqualTo(9);
    assertThat(first.refillAfterNanos()).isEqualTo(6 * SECOND);
    assertThat(first.resetAfterNanos()).isEqualTo(6 * SECOND);
    acquire(policy, 4);
    now.addAndGet(SECOND);
    Decision d = acquire(policy, 1); // debt 36 s - 1 s + 6 s = 35 s... remaining 4, next permit in 5 s
    assertThat(d.remaining()).isEqualTo(4);
    assertThat(d.refillAfterNanos()).isEqualTo(5 * SECOND);
    assertThat(d.resetAfterNanos()).isEqualTo(35 * SECOND);
  }

  @Test
  void multiLimitDecisionsNameTheLimitForcingTheLongestWait() {
    LimitPolicy policy = LimitPolicy.of("p", "2/second; 3/minute");
    assertThat(acquire(policy, 2).allowed()).isTrue();
    Decision bySecond = acquire(policy, 1);
    assertThat(bySecond.limit()).isEqualTo(policy.limits().get(0));
    now.addAndGet(SECOND);
    assertThat(acquire(policy, 1).allowed()).isTrue();
    Decision byMinute = acquire(policy, 1);
    assertThat(byMinute.limit()).isEqualTo(policy.limits().get(1));
    assertThat(byMinute.retryAfterNanos()).isEqualTo(20 * SECOND - SECOND);
    assertThat(byMinute.limitStates()).extracting(Decision.LimitState::remaining).containsExactly(1L, 0L);
  }

  @Test
  void incompatibleEffectivePoliciesAreRefused() {
    LimitPolicy base = LimitPolicy.of("p", "10/minute");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> store.keySpace(base).acquire("k", 1, LimitPolicy.of("p", "10/minute; 100/hour")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("number of limits must match");
  }

  @Property(tries = 2000)
  void mulDivFloorIsExact(@ForAll @LongRange(min = 0, max = Integer.MAX_VALUE) long a,
      @ForAll @LongRange(min = 1, max = 1L << 59) long c, @ForAll @LongRange(min = 0, max = 1L << 59) long b0) {
    long b = b0 % c;
    long expected = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    assertThat(TimeMath.mulDivFloor(a, b, c)).isEqualTo(expected);
  }

  @Property(tries = 1000)
  void saturatedArithmeticNeverWraps(@ForAll long a, @ForAll long b) {
    BigInteger sum = BigInteger.valueOf(a).add(BigInteger.valueOf(b));
    BigInteger clamped = sum.max(BigInteger.valueOf(Long.MIN_VALUE)).min(BigInteger.valueOf(Long.MAX_VALUE));
    assertThat(TimeMath.saturatedAdd(a, b)).isEqualTo(clamped.longValueExact());
    BigInteger diff = BigInteger.valueOf(a).subtract(BigInteger.valueOf(b));
    BigInteger dclamped = diff.max(BigInteger.valueOf(Long.MIN_VALUE)).min(BigInteger.valueOf(Long.MAX_VALUE));
    assertThat(TimeMath.saturatedSubtract(a, b)).isEqualTo(dclamped.longValueExact());
  }

  @Test
  void aTickerWrappingPastLongMaxValueKeepsWorking() {
    // System.nanoTime() may start anywhere; only differences count, so a wrap must not matter
    now.set(Long.MAX_VALUE - Duration.ofDays(1).toNanos());
    RateLimitStore wrapping = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
    LimitPolicy policy = LimitPolicy.of("p", "1/3 days");
    assertThat(wrapping.acquire("k", policy, 1).allowed()).isTrue();
    now.addAndGet(Duration.ofDays(2).toNanos()); // wraps to a negative reading
    Decision d = wrapping.acquire("k", policy, 1);
    assertThat(d.rejected()).isTrue();
    assertThat(d.retryAfter()).isEqualTo(Duration.ofDays(1));
    now.addAndGet(Duration.ofDays(1).toNanos());
    assertThat(wrapping.acquire("k", policy, 1).allowed()).isTrue();
  }

  @Test
  void oneTimeExpiredCellIsReplacedTransparently() {
    LimitPolicy policy = LimitPolicy.of("p", "2/second");
    var bound = io.limiter.core.RateLimiter.of(policy, store).forKey("k");
    assertThat(bound.tryAcquire()).isTrue();
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    store.cleanUp(); // the bound limiter's cell is now dead
    assertThat(store.trackedKeys()).isZero();
    assertThat(bound.tryAcquire()).isTrue();
    assertThat(bound.tryAcquire()).isTrue();
    assertThat(bound.tryAcquire()).isFalse();
    assertThat(store.trackedKeys()).isEqualTo(1);
  }
}
