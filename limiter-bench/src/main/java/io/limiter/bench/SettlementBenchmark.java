package io.limiter.bench;

import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What reserving and settling costs next to a plain decision, in the in-memory store, one key, one thread, on a limit
 * no call can drain ({@link LimitShape#BOTTOMLESS}): {@code acquire} builds a {@link Decision} as the web layers do;
 * a reservation builds the same decision and settles it, at the reserved cost (no store work), to less (a refund: a
 * second compare-and-set) or to nothing.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class SettlementBenchmark {

  private RateLimitStore store;
  private RateLimiter limiter;
  private RateLimiter second;

  @Setup
  public void setUp() {
    store = RateLimitStore.inMemory();
    limiter = RateLimiter.of(LimitShape.forPath("allow", false).policy(), store);
    second = RateLimiter.of(LimitShape.forPath("allow", false).policy("second"), store);
  }

  @TearDown
  public void tearDown() {
    store.close();
  }

  /** The plain decision: {@code RateLimiter.acquire("k", 2)}. */
  @Benchmark
  public Decision acquire() {
    return limiter.acquire("k", 2);
  }

  /** Reserve 2, settle at 2: what a charge-on-outcome call that matches costs. */
  @Benchmark
  public boolean reserveAndCommit() {
    Reservation r = limiter.reserve("k", 2);
    return r.commit();
  }

  /** Reserve 2, settle to 1: a cost known after the call, below the estimate. */
  @Benchmark
  public boolean reserveAndSettleToLess() {
    Reservation r = limiter.reserve("k", 2);
    return r.settle(1);
  }

  /** Reserve 2, refund all: a call that another policy rejected, or whose outcome is not charged. */
  @Benchmark
  public boolean reserveAndRefund() {
    Reservation r = limiter.reserve("k", 2);
    return r.refund();
  }

  /** Two policies of one request reserved one after the other, as the web layers did before claims. */
  @Benchmark
  public boolean twoPoliciesReserveEach() {
    Reservation a = limiter.reserve("k", 2);
    Reservation b = second.reserve("k", 2);
    return a.commit() & b.commit();
  }

  /**
   * The same two policies as claims, all or nothing ({@link Claim#reserveAll}): on the in-memory store the default
   * path (reserved in order), so this is the claims' own overhead.
   */
  @Benchmark
  public int twoPoliciesReserveAll() {
    List<Reservation> all = Claim.reserveAll(List.of(limiter.claim("k", 2), second.claim("k", 2)));
    return all.size();
  }
}
