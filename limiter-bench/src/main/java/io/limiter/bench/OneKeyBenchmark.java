package io.limiter.bench;

import io.github.bucket4j.local.LocalBucket;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.limiter.core.BoundLimiter;
import io.limiter.core.Decision;
import io.limiter.core.RateLimitStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1 (one thread) and P2 (two threads, run with {@code -t 2}): one key, one limit. Every contender guards the same
 * single key with the same limit ({@link LimitShape#BOTTOMLESS} on the allow path, {@link LimitShape#EXHAUSTED} on the deny
 * path) and is shared by all benchmark threads, so with two threads they contend on one piece of state.
 *
 * <p>{@code nanoTime} is the floor: every contender reads the clock once per decision. JMH creates and drives the
 * state; every contender in it is thread-safe, as the two-thread run requires.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class OneKeyBenchmark {

  /** {@code allow}: a limit no thread can drain; {@code deny}: a limit drained before measuring. */
  @Param({"allow", "deny"})
  public String path;

  private RateLimitStore store;
  private io.limiter.core.RateLimiter limiter;
  private BoundLimiter bound;
  private LocalBucket bucket;
  private RateLimiter resilience4j;
  private com.google.common.util.concurrent.RateLimiter guava;
  private AtomicGcra gcra;

  @Setup
  public void setUp() {
    LimitShape shape = LimitShape.forPath(path, false);
    store = RateLimitStore.inMemory();
    limiter = io.limiter.core.RateLimiter.of(shape.policy(), store);
    bound = limiter.forKey("k");
    bucket = shape.bucket4j();
    resilience4j = RateLimiter.of("k", shape.resilience4j());
    guava = shape.guava();
    gcra = shape.gcra();
    if (shape.exhausted()) {
      require(bound.tryAcquire() && !bound.tryAcquire() && !limiter.tryAcquire("k"), "Limiter");
      require(bucket.tryConsume(1) && !bucket.tryConsume(1), "Bucket4j");
      require(resilience4j.acquirePermission() && !resilience4j.acquirePermission(), "Resilience4j");
      require(guava.tryAcquire() && !guava.tryAcquire(), "Guava");
      require(gcra.tryAcquire() && !gcra.tryAcquire(), "AtomicLong GCRA");
    }
  }

  @TearDown
  public void tearDown() {
    store.close();
  }

  static void require(boolean condition, String contender) {
    if (!condition) {
      throw new IllegalStateException(contender + " did not behave as the benchmark's limit requires");
    }
  }

  /** The bound fast path: {@code RateLimiter.forKey("k").tryAcquire()}. */
  @Benchmark
  public boolean limiterBound() {
    return bound.tryAcquire();
  }

  /** The keyed path: {@code RateLimiter.tryAcquire("k")} (key check and map lookup on every call). */
  @Benchmark
  public boolean limiterKeyed() {
    return limiter.tryAcquire("k");
  }

  /** The bound path returning a full {@link Decision} (remaining, retry-after, reset), as a web filter needs. */
  @Benchmark
  public Decision limiterBoundDecision() {
    return bound.acquire();
  }

  /** Bucket4j's default local bucket (lock-free): {@code tryConsume(1)}. */
  @Benchmark
  public boolean bucket4j() {
    return bucket.tryConsume(1);
  }

  /** Resilience4j's {@code AtomicRateLimiter} with a zero timeout. */
  @Benchmark
  public boolean resilience4j() {
    return resilience4j.acquirePermission();
  }

  /** Guava's {@code RateLimiter.tryAcquire()} (synchronized). */
  @Benchmark
  public boolean guava() {
    return guava.tryAcquire();
  }

  /** The single-{@code AtomicLong} GCRA reference. */
  @Benchmark
  public boolean atomicGcra() {
    return gcra.tryAcquire();
  }

  /** One clock read: the floor under every contender. */
  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
