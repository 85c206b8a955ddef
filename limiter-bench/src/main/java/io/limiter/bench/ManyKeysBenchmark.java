package io.limiter.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.local.LocalBucket;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * P3: many keys, picked uniformly at random. Every contender holds the same precomputed key strings, every key was
 * charged once before measuring (so the measurement is lookup plus decision, not creation), and every benchmark pays
 * the same random pick ({@link #keyPickOnly} measures it alone).
 *
 * <p>The allow path uses {@link LimitShape#LONG_BURST}, which never rejects yet never lets a bucket become full again,
 * so no store expires entries mid-run; the deny path uses {@link LimitShape#EXHAUSTED}.
 *
 * <p>Each contender lives in its own {@link State} class, so a benchmark builds only the structure it measures. The
 * shared states are thread-safe; {@link Pick} is per thread.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class ManyKeysBenchmark {

  /** The key strings and the limit shared by every contender. */
  @State(Scope.Benchmark)
  public static class Keys {
    /** How many distinct keys. */
    @Param("100000")
    public int keys;

    /** {@code allow} or {@code deny}. */
    @Param({"allow", "deny"})
    public String path;

    String[] names;
    LimitShape shape;

    @Setup
    public void setUp() {
      names = KeySet.ipv4(keys);
      shape = LimitShape.forPath(path, true);
    }

    /** Charges every key once and checks the result the path requires. */
    void prime(Function<String, Boolean> tryAcquire, String contender) {
      for (String name : names) {
        boolean first = tryAcquire.apply(name);
        boolean second = tryAcquire.apply(name);
        OneKeyBenchmark.require(first && second != shape.exhausted(), contender);
      }
    }
  }

  /** A per-thread random pick, identical in every benchmark. */
  @State(Scope.Thread)
  public static class Pick {
    private long seed;

    @Setup
    public void setUp(ThreadParams thread) {
      seed = 0x9E3779B97F4A7C15L * (thread.getThreadIndex() + 1);
    }

    /** @return a uniformly random key (64-bit LCG; the high bits scaled into range without division) */
    String next(String[] names) {
      seed = seed * 6364136223846793005L + 1442695040888963407L;
      return names[(int) (((seed >>> 32) * names.length) >>> 32)];
    }
  }

  /** A Limiter store behind the keyed {@code RateLimiter.tryAcquire(key)}, primed with every key. */
  public abstract static class LimiterStore {
    RateLimitStore store;
    RateLimiter limiter;

    abstract RateLimitStore open();

    @Setup
    public void setUp(Keys keys) {
      store = open();
      limiter = RateLimiter.of(keys.shape.policy(), store);
      keys.prime(limiter::tryAcquire, "Limiter " + store);
    }

    @TearDown
    public void tearDown() {
      store.close();
    }
  }

  /** Limiter's in-memory store. */
  @State(Scope.Benchmark)
  public static class LimiterInMemory extends LimiterStore {
    @Override
    RateLimitStore open() {
      return RateLimitStore.inMemory();
    }
  }

  /** Limiter's in-memory store keeping key strings (a map of cells, as the default store was before the compact one). */
  @State(Scope.Benchmark)
  public static class LimiterInMemoryKeyStrings extends LimiterStore {
    @Override
    RateLimitStore open() {
      return RateLimitStore.builder().buildInMemoryWithKeyStrings();
    }
  }

  /** Limiter's Caffeine store. */
  @State(Scope.Benchmark)
  public static class LimiterCaffeine extends LimiterStore {
    @Override
    RateLimitStore open() {
      return RateLimitStore.caffeine();
    }
  }

  /** Bucket4j local buckets in a bounded Caffeine cache that expires idle keys, as its documentation suggests. */
  @State(Scope.Benchmark)
  public static class Bucket4jCaffeine {
    Cache<String, LocalBucket> cache;
    Function<String, LocalBucket> factory;

    @Setup
    public void setUp(Keys keys) {
      cache = Caffeine.newBuilder()
          .maximumSize(RateLimitStore.defaultMaxKeys())
          .expireAfterAccess(Duration.ofHours(1))
          .build();
      LimitShape shape = keys.shape;
      factory = key -> shape.bucket4j();
      keys.prime(key -> cache.get(key, factory).tryConsume(1), "Bucket4j in Caffeine");
    }
  }

  /** Bucket4j local buckets in a {@link ConcurrentHashMap} (unbounded: the usual quick solution). */
  @State(Scope.Benchmark)
  public static class Bucket4jMap {
    ConcurrentHashMap<String, LocalBucket> map;
    Function<String, LocalBucket> factory;

    @Setup
    public void setUp(Keys keys) {
      map = new ConcurrentHashMap<>();
      LimitShape shape = keys.shape;
      factory = key -> shape.bucket4j();
      keys.prime(key -> map.computeIfAbsent(key, factory).tryConsume(1), "Bucket4j in ConcurrentHashMap");
    }
  }

  @Benchmark
  public boolean limiterInMemory(LimiterInMemory s, Keys keys, Pick pick) {
    return s.limiter.tryAcquire(pick.next(keys.names));
  }

  @Benchmark
  public boolean limiterInMemoryKeyStrings(LimiterInMemoryKeyStrings s, Keys keys, Pick pick) {
    return s.limiter.tryAcquire(pick.next(keys.names));
  }

  @Benchmark
  public boolean limiterCaffeine(LimiterCaffeine s, Keys keys, Pick pick) {
    return s.limiter.tryAcquire(pick.next(keys.names));
  }

  @Benchmark
  public boolean bucket4jCaffeine(Bucket4jCaffeine s, Keys keys, Pick pick) {
    return s.cache.get(pick.next(keys.names), s.factory).tryConsume(1);
  }

  @Benchmark
  public boolean bucket4jMap(Bucket4jMap s, Keys keys, Pick pick) {
    return s.map.computeIfAbsent(pick.next(keys.names), s.factory).tryConsume(1);
  }

  /** The random pick alone: what every other benchmark pays on top of its decision. */
  @Benchmark
  public String keyPickOnly(Keys keys, Pick pick) {
    return pick.next(keys.names);
  }
}
