package io.limiter.bench;

import io.limiter.core.BoundLimiter;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * False sharing between keys (issue 12, item 8): two threads, each deciding on its own key through a bound limiter,
 * with the two keys' state created back to back ({@code adjacent}: their cells sit in one cache line) or with 1,000
 * other keys created in between ({@code apart}). The difference is the cost of two hot keys sharing a cache line.
 *
 * <pre>
 * java -cp "$(cat limiter-bench/target/classpath.txt)" org.openjdk.jmh.Main AdjacentKeysBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Group)
public class AdjacentKeysBenchmark {

  /** {@code adjacent} or {@code apart}. */
  @Param({"adjacent", "apart"})
  public String layout;

  private BoundLimiter first;
  private BoundLimiter second;

  @Setup
  public void setUp() {
    RateLimitStore store = RateLimitStore.inMemory();
    RateLimiter limiter = RateLimiter.of(LimitShape.forPath("allow", false).policy(), store);
    first = limiter.forKey("first");
    first.tryAcquire(); // creates the cell
    if (layout.equals("apart")) {
      for (int i = 0; i < 1000; i++) {
        limiter.tryAcquire("between-" + i);
      }
    }
    second = limiter.forKey("second");
    second.tryAcquire();
  }

  @Benchmark
  @Group("pair")
  @GroupThreads(1)
  public boolean firstKey() {
    return first.tryAcquire();
  }

  @Benchmark
  @Group("pair")
  @GroupThreads(1)
  public boolean secondKey() {
    return second.tryAcquire();
  }
}
