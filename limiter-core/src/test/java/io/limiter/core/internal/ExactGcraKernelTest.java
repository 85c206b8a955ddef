package io.limiter.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * The exact-interval token bucket against an oracle in exact rational arithmetic ({@link BigInteger}s in units of
 * {@code 1/permits} ns): the same admissions, waits, remaining permits and refill times, for fast rates with a
 * remainder, random costs, random steps of the clock (some backwards) and bursts.
 */
class ExactGcraKernelTest {

  /** GCRA with {@code tat} kept as an exact fraction {@code tat / permits} nanoseconds. */
  private static final class Oracle {
    final BigInteger d;
    final BigInteger interval; // period, in units of 1/d ns: T = period / permits
    final BigInteger full;     // burst · T
    BigInteger tat = null;     // null: unused

    Oracle(Limit limit) {
      d = BigInteger.valueOf(limit.permits());
      interval = BigInteger.valueOf(limit.periodNanos());
      full = interval.multiply(BigInteger.valueOf(limit.burst()));
    }

    BigInteger debt(long now) {
      BigInteger n = BigInteger.valueOf(now).multiply(d);
      BigInteger debt = tat == null || tat.compareTo(n) <= 0 ? BigInteger.ZERO : tat.subtract(n);
      return debt.min(full);
    }

    static long ceilDiv(BigInteger a, BigInteger b) {
      BigInteger[] qr = a.divideAndRemainder(b);
      return qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
    }

    /** The wait for {@code permits}; 0 if admitted now, in which case it is charged. */
    long acquire(long now, long permits) {
      BigInteger n = BigInteger.valueOf(now).multiply(d);
      BigInteger base = tat == null || tat.compareTo(n) < 0 ? n : tat;
      BigInteger after = base.add(interval.multiply(BigInteger.valueOf(permits)));
      // a debt above a full bucket (the clock went back) reads as a full bucket's worth
      BigInteger debt = base.subtract(n).min(full);
      BigInteger excess = debt.add(interval.multiply(BigInteger.valueOf(permits))).subtract(full);
      if (excess.signum() > 0) {
        return ceilDiv(excess, d);
      }
      tat = after;
      return 0;
    }

    long remaining(long now) {
      return full.subtract(debt(now)).divide(interval).longValueExact();
    }

    long refill(long now) {
      BigInteger debt = debt(now);
      if (debt.signum() == 0) {
        return 0;
      }
      long remaining = remaining(now);
      BigInteger target = full.subtract(interval.multiply(BigInteger.valueOf(remaining + 1)));
      return ceilDiv(debt.subtract(target), d);
    }
  }

  @Property(tries = 300)
  void decisionsMatchExactRationalArithmetic(@ForAll @LongRange(min = 100_001, max = 1_000_000_000) long permits,
      @ForAll @IntRange(min = 1, max = 3) int seconds, @ForAll @IntRange(min = 0, max = 2) int burstKind,
      @ForAll long seed) {
    long periodNanos = seconds * 1_000_000_000L;
    if (permits > periodNanos || periodNanos % permits == 0) {
      return; // not a case for the exact kernel
    }
    long burst = burstKind == 0 ? permits : burstKind == 1 ? 1 + permits / 1000 : Math.min(4 * permits, 1L << 40);
    Limit limit = Limit.of(permits, Duration.ofSeconds(seconds), burst);
    if (!GcraKernel.needsExactInterval(limit)) {
      return;
    }
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
    LimitPolicy policy = LimitPolicy.builder("exact").limits(LimitSpec.of(limit)).build();
    Oracle oracle = new Oracle(limit);
    Random random = new Random(seed);
    long start = now.get();
    for (int step = 0; step < 200; step++) {
      int r = random.nextInt(10);
      if (r < 4) {
        now.addAndGet(random.nextInt(2000));
      } else if (r == 4) {
        now.addAndGet(-random.nextInt(500));
      }
      long cost = random.nextInt(3) == 0 ? 1 + random.nextLong(Math.min(burst, 1L << 30)) : 1 + random.nextInt(3);
      long t = now.get() - start; // the store counts from its own origin; only differences matter
      Decision d = store.acquire("k", policy, cost);
      long storeNow = now.get();
      long expectedWait = oracle.acquire(storeNow, cost);
      assertThat(d.allowed()).as("step %d at %d cost %d", step, t, cost).isEqualTo(expectedWait == 0);
      if (!d.allowed()) {
        assertThat(d.retryAfterNanos()).as("wait at step %d", step).isEqualTo(expectedWait);
      }
      assertThat(d.remaining()).as("remaining at step %d", step).isEqualTo(oracle.remaining(storeNow));
      assertThat(d.refillAfterNanos()).as("refill at step %d", step).isEqualTo(oracle.refill(storeNow));
    }
  }

  @Test
  void ninetyNineNinetyNinePercentOfTheRateAtOnePermitPerNanosecondMinusOne() {
    AtomicLong now = new AtomicLong(0);
    RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
    LimitPolicy policy = LimitPolicy.of("fast", "999999999/second");
    assertThat(store.acquire("k", policy, 999_999_999)).isNotNull();
    long admitted = 0;
    for (int i = 0; i < 100_000; i++) { // 100 µs in steps of 1 ns, one permit asked each
      now.incrementAndGet();
      admitted += store.acquire("k", policy, 1).allowed() ? 1 : 0;
    }
    // 100,000 ns at 0.999999999 permits per ns: 99,999.9999 permits are due
    assertThat(admitted).isEqualTo(99_999);
  }
}
