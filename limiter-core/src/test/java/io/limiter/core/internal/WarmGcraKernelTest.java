package io.limiter.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The warm-up kernel's arithmetic on its own: Guava's curve for {@code 10/second warmup 2s} (T = 100 ms, 20 stored
 * permits when cold, threshold 10, one stored permit per 100 ms of idle), idleness, clamps, saturation and
 * settlement. The store contract ({@code WarmupContract} in limiter-test) and the comparison with Guava itself
 * ({@code GuavaWarmupTest}) hold every store to the timeline.
 */
class WarmGcraKernelTest {

  private static final long MS = 1_000_000L;
  private static final long NOON = 1_700_000_000_000_000_000L;

  private static WarmGcraKernel kernel(String spec) {
    return new WarmGcraKernel(LimitSpec.parse(spec).limits().get(0));
  }

  private static long[] fresh(WarmGcraKernel k) {
    long[] s = new long[2];
    k.init(s, 0);
    return s;
  }

  @Test
  void costsFollowGuavasTrapezoid() {
    WarmGcraKernel k = kernel("10/second burst 1 warmup 2s");
    assertThat(k.cost(20, 1)).isEqualTo(290 * MS); // (3.0 T + 2.8 T) / 2
    assertThat(k.cost(11, 1)).isEqualTo(110 * MS);
    assertThat(k.cost(10, 1)).isEqualTo(100 * MS); // at the threshold: the stable interval
    assertThat(k.cost(0, 1)).isEqualTo(100 * MS);
    assertThat(k.cost(20, 10)).isEqualTo(2000 * MS); // the ramp takes the warm-up period
    assertThat(k.cost(20, 20)).isEqualTo(3000 * MS); // and then the threshold's permits at T
    assertThat(k.cost(5, 8)).isEqualTo(800 * MS); // stored below the threshold and fresh alike at T
  }

  @Test
  void aFreshKeyIsColdAndIdleAndBecomesIdleAgainOnlyWhenFullyCold() {
    WarmGcraKernel k = kernel("10/second burst 1 warmup 2s");
    long[] s = fresh(k);
    assertThat(k.idle(s, 0, NOON)).isTrue();
    assertThat(k.stored(s, 0, NOON)).isEqualTo(20.0);
    k.charge(s, 0, NOON, 1);
    assertThat(s[0]).isEqualTo(NOON + 290 * MS);
    assertThat(k.stored(s, 0, NOON)).isEqualTo(19.0);
    assertThat(k.idle(s, 0, NOON + 290 * MS)).isFalse(); // full again, but 19 stored
    assertThat(k.stored(s, 0, NOON + 290 * MS + 50 * MS)).isEqualTo(19.5); // grows while full, 1 per 100 ms
    assertThat(k.idle(s, 0, NOON + 290 * MS + 100 * MS - 1)).isFalse();
    assertThat(k.idle(s, 0, NOON + 290 * MS + 2000 * MS)).isTrue();
  }

  @Test
  void admissionIsGcrasOnTheStableIntervalAndTheDebtIsReadClampedAtThreeBursts() {
    WarmGcraKernel k = kernel("10/second warmup 2s"); // burst 10: B = 1 s
    long[] s = fresh(k);
    int admitted = 0;
    while (k.waitNanos(s, 0, NOON, 1) == 0) {
      k.charge(s, 0, NOON, 1);
      admitted++;
    }
    assertThat(admitted).isEqualTo(4); // debts 290, 560, 810, 1040 ms
    assertThat(k.waitNanos(s, 0, NOON, 1)).isEqualTo(140 * MS);
    assertThat(k.remaining(s, 0, NOON)).isZero();
    assertThat(k.refillNanos(s, 0, NOON)).isEqualTo(140 * MS);
    assertThat(k.resetNanos(s, 0, NOON)).isEqualTo(1040 * MS);
    // a debt written under other limits (or a clock gone back) never waits longer than 3 B
    long[] far = {NOON + 3_600_000 * MS, NOON};
    assertThat(k.resetNanos(far, 0, NOON)).isEqualTo(3000 * MS);
    assertThat(k.waitNanos(far, 0, NOON, 1)).isEqualTo(2100 * MS);
    assertThat(k.used(far, 0, NOON)).isEqualTo(1.0);
  }

  @Test
  void aRefundGivesTimeBackAtTheStableRateAndKeepsTheColdness() {
    WarmGcraKernel k = kernel("10/second warmup 2s");
    long[] s = fresh(k);
    k.charge(s, 0, NOON, 1);
    k.charge(s, 0, NOON, 1); // debt 560 ms, 18 stored
    k.settle(s, 0, NOON, NOON, -1);
    assertThat(s[0]).isEqualTo(NOON + 460 * MS);
    assertThat(k.stored(s, 0, NOON)).isEqualTo(18.0);
    k.settle(s, 0, NOON, NOON, 100); // an extra charge fills the bucket at most to empty
    assertThat(k.resetNanos(s, 0, NOON)).isEqualTo(1000 * MS);
    assertThat(k.stored(s, 0, NOON)).isEqualTo(18.0);
  }

  @Test
  void saturatesNearTheEndOfTheClock() {
    WarmGcraKernel k = kernel("10/second burst 1 warmup 2s");
    long[] s = fresh(k);
    long end = Long.MAX_VALUE - 150 * MS;
    assertThat(k.waitNanos(s, 0, end, 1)).isZero();
    k.charge(s, 0, end, 1);
    assertThat(s[0]).isEqualTo(Long.MAX_VALUE);
    assertThat(k.waitNanos(s, 0, end, 1)).isPositive();
    assertThat(k.waitNanos(s, 0, Long.MAX_VALUE, 1)).isZero();
  }

  @Test
  void theStoreReportsTheStableRatesFieldsDuringWarmUp() {
    AtomicLong now = new AtomicLong(NOON);
    try (RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory()) {
      LimitPolicy policy = LimitPolicy.of("warm", "10/second warmup 2s");
      Decision first = store.acquire("k", policy, 1);
      assertThat(first.allowed()).isTrue();
      assertThat(first.limit().permits()).isEqualTo(10); // RateLimit-Policy: q=10;w=1, the stable quota
      assertThat(first.remaining()).isEqualTo(7); // floor((1000 - 290) / 100): the largest request admitted now
      assertThat(first.refillAfterNanos()).isEqualTo(90 * MS); // back to 8 when the debt falls to 200 ms
      assertThat(first.resetAfterNanos()).isEqualTo(290 * MS);
    }
  }
}
