package io.limiter.bench;

import com.google.gson.GsonBuilder;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * P6/P7: decisions per second against one Redis server — Limiter's Redis store (when limiter-redis is on the class
 * path), Bucket4j's Lettuce (compare-and-swap) proxy manager, and a plain Lettuce {@code GET} as the floor of one round
 * trip from this JVM. Each target guards one
 * hot key or keys picked uniformly from a set, under {@link LimitShape#BOTTOMLESS} (never rejects), driven
 * <ul>
 *   <li>synchronously by {@code N} threads ({@code syncN}), or</li>
 *   <li>asynchronously with {@code N} decisions in flight from one thread ({@code asyncN}).</li>
 * </ul>
 * Throughput is sampled every second after a warm-up; the report shows the mean and standard deviation of the
 * samples.
 *
 * <p>Usage: {@code RedisLoad --uri redis://127.0.0.1:6379 [--out redis.json] [--targets limiter,bucket4j,get]
 * [--keys 1,10000] [--modes sync1,sync8,async64] [--seconds 5] [--warmup 1]}. {@link #run} is not reentrant: run
 * one measurement at a time.
 */
public final class RedisLoad {

  /** A decision maker under test. Implementations are thread-safe. */
  interface Target extends AutoCloseable {
    /** @return whether the request for {@code key} was allowed */
    boolean decide(String key);

    /** @return the same, asynchronously */
    CompletionStage<Boolean> decideAsync(String key);

    @Override
    void close();
  }

  /** Target name → factory from a Redis URI. */
  static final Map<String, Function<String, Target>> TARGETS = new LinkedHashMap<>();

  static {
    if (LimiterTarget.available()) {
      TARGETS.put("limiter", LimiterTarget::new);
    }
    TARGETS.put("bucket4j", Bucket4jTarget::new);
    TARGETS.put("get", GetTarget::new);
  }

  /**
   * One measured configuration.
   *
   * @param target the target name
   * @param keys how many distinct keys
   * @param mode {@code sync} or {@code async}
   * @param concurrency threads (sync) or decisions in flight (async)
   * @param samples decisions per second, one per second of measurement
   * @param mean mean of the samples
   * @param stdev standard deviation of the samples
   * @param rejected decisions that were rejections (should be 0: the limit is never reached)
   * @param errors decisions that failed
   */
  public record Row(String target, int keys, String mode, int concurrency, List<Long> samples, double mean,
      double stdev, long rejected, long errors) {
  }

  private RedisLoad() {
  }

  /**
   * @param args see the class documentation
   * @throws Exception if a target fails or the output cannot be written
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value pairs but got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    String uri = opts.get("uri");
    if (uri == null) {
      throw new IllegalArgumentException("--uri redis://host:port is required");
    }
    List<Row> rows = run(uri, List.of(opts.getOrDefault("targets", String.join(",", TARGETS.keySet())).split(",")),
        parseInts(opts.getOrDefault("keys", "1,10000")),
        List.of(opts.getOrDefault("modes", "sync1,sync8,async64").split(",")),
        Integer.parseInt(opts.getOrDefault("seconds", "5")), Integer.parseInt(opts.getOrDefault("warmup", "1")));
    if (opts.containsKey("out")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("uri", uri);
      json.put("rows", rows);
      Files.writeString(Path.of(opts.get("out")), new GsonBuilder().setPrettyPrinting().create().toJson(json),
          StandardCharsets.UTF_8);
    }
  }

  private static List<Integer> parseInts(String csv) {
    List<Integer> list = new ArrayList<>();
    for (String s : csv.split(",")) {
      list.add(Integer.parseInt(s.trim()));
    }
    return list;
  }

  /**
   * Runs every combination.
   *
   * @param uri the Redis URI
   * @param targets target names
   * @param keyCounts key set sizes
   * @param modes {@code syncN} / {@code asyncN}
   * @param seconds measured seconds per combination
   * @param warmup warm-up seconds per combination
   * @return the rows
   * @throws InterruptedException if interrupted
   */
  public static List<Row> run(String uri, List<String> targets, List<Integer> keyCounts, List<String> modes,
      int seconds, int warmup) throws InterruptedException {
    List<Row> rows = new ArrayList<>();
    for (String name : targets) {
      Function<String, Target> factory = TARGETS.get(name);
      if (factory == null) {
        throw new IllegalArgumentException("unknown target " + name + "; known: " + TARGETS.keySet());
      }
      try (Target target = factory.apply(uri)) {
        for (int keyCount : keyCounts) {
          String[] keys = new String[keyCount];
          for (int i = 0; i < keyCount; i++) {
            keys[i] = keyCount == 1 ? "bench:hot" : "bench:k:" + i;
          }
          for (String mode : modes) {
            Row row = measure(name, target, keys, mode, seconds, warmup);
            System.out.printf("%-10s keys=%-6d %-8s %,12.0f ± %,8.0f decisions/s  rejected=%d errors=%d%n",
                row.target(), row.keys(), mode, row.mean(), row.stdev(), row.rejected(), row.errors());
            rows.add(row);
          }
        }
      }
    }
    return rows;
  }

  private static Row measure(String name, Target target, String[] keys, String mode, int seconds, int warmup)
      throws InterruptedException {
    boolean async = mode.startsWith("async");
    if (!async && !mode.startsWith("sync")) {
      throw new IllegalArgumentException("mode must be syncN or asyncN but was " + mode);
    }
    int concurrency = Integer.parseInt(mode.substring(async ? 5 : 4));
    LongAdder done = new LongAdder();
    LongAdder rejected = new LongAdder();
    LongAdder errors = new LongAdder();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + seconds);
    List<Thread> threads = new ArrayList<>();
    if (async) {
      threads.add(new Thread(() -> driveAsync(target, keys, concurrency, end, done, rejected, errors), "async"));
    } else {
      for (int i = 0; i < concurrency; i++) {
        threads.add(new Thread(() -> driveSync(target, keys, end, done, rejected, errors), "sync-" + i));
      }
    }
    threads.forEach(Thread::start);
    Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
    long rejectedBefore = rejected.sum();
    long errorsBefore = errors.sum();
    List<Long> samples = new ArrayList<>();
    long last = done.sum();
    long t = System.nanoTime();
    for (int s = 0; s < seconds; s++) {
      long next = t + TimeUnit.SECONDS.toNanos(1);
      TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
      long now = done.sum();
      long elapsed = System.nanoTime() - t;
      samples.add(Math.round((now - last) * 1e9 / elapsed));
      last = now;
      t += elapsed;
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double mean = samples.stream().mapToLong(Long::longValue).average().orElse(0);
    double var = samples.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, samples.size() - 1);
    return new Row(name, keys.length, async ? "async" : "sync", concurrency, samples, mean, Math.sqrt(var),
        rejected.sum() - rejectedBefore, errors.sum() - errorsBefore);
  }

  private static void driveSync(Target target, String[] keys, long end, LongAdder done, LongAdder rejected,
      LongAdder errors) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (System.nanoTime() < end) {
      try {
        if (!target.decide(keys[keys.length == 1 ? 0 : random.nextInt(keys.length)])) {
          rejected.increment();
        }
        done.increment();
      } catch (RuntimeException e) {
        errors.increment();
      }
    }
  }

  private static void driveAsync(Target target, String[] keys, int inFlight, long end, LongAdder done,
      LongAdder rejected, LongAdder errors) {
    Semaphore permits = new Semaphore(inFlight);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    try {
      while (System.nanoTime() < end) {
        permits.acquire();
        CompletionStage<Boolean> decision;
        try {
          decision = target.decideAsync(keys[keys.length == 1 ? 0 : random.nextInt(keys.length)]);
        } catch (RuntimeException e) {
          errors.increment();
          permits.release();
          continue;
        }
        decision.whenComplete((allowed, failure) -> {
          if (failure != null) {
            errors.increment();
          } else {
            if (!allowed) {
              rejected.increment();
            }
            done.increment();
          }
          permits.release();
        });
      }
      // let the last decisions land before the next measurement starts
      if (!permits.tryAcquire(inFlight, 30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("async decisions did not complete within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Limiter's Redis store through the public API: {@code RateLimiter.of(policy, RedisRateLimitStore.builder().uri(uri)
   * .build())}. The store is opened reflectively so that this harness builds without limiter-redis; with limiter-redis
   * on the class path (a dependency of limiter-bench) the target is available.
   */
  static final class LimiterTarget implements Target {
    private static final String STORE = "io.limiter.redis.RedisRateLimitStore";

    private final RateLimitStore store;
    private final RateLimiter limiter;

    LimiterTarget(String uri) {
      store = open(uri);
      // fail closed: a decision Redis did not make must never count as throughput (it is counted as an error)
      limiter = RateLimiter.of(LimitShape.BOTTOMLESS.policy("bench").toBuilder()
          .failureMode(FailureMode.FAIL_CLOSED).build(), store);
    }

    static boolean available() {
      try {
        Class.forName(STORE, false, RedisLoad.class.getClassLoader());
        return true;
      } catch (ClassNotFoundException e) {
        return false;
      }
    }

    private static RateLimitStore open(String uri) {
      try {
        Class<?> type = Class.forName(STORE, true, RedisLoad.class.getClassLoader());
        Object builder = type.getMethod("builder").invoke(null);
        builder = builder.getClass().getMethod("uri", String.class).invoke(builder, uri);
        // a loaded 2-core machine can stall a round trip beyond the default 100 ms; measure, don't fail over
        builder = builder.getClass().getMethod("commandTimeout", Duration.class).invoke(builder,
            Duration.ofSeconds(2));
        return (RateLimitStore) builder.getClass().getMethod("build").invoke(builder);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot open Limiter's Redis store (" + STORE + ") at " + uri
            + "; is limiter-redis on the class path?", e);
      }
    }

    @Override
    public boolean decide(String key) {
      return made(limiter.acquire(key));
    }

    @Override
    public CompletionStage<Boolean> decideAsync(String key) {
      return limiter.acquireAsync(key, 1).thenApply(LimiterTarget::made);
    }

    private static boolean made(Decision decision) {
      if (decision.degraded()) {
        throw new IllegalStateException("Redis did not decide (degraded decision)");
      }
      return decision.allowed();
    }

    @Override
    public void close() {
      store.close();
    }
  }

  /** Bucket4j's Lettuce proxy manager (compare-and-swap), one bucket proxy per key. */
  static final class Bucket4jTarget implements Target {
    private final RedisClient client;
    private final ProxyManager<byte[]> buckets;
    private final AsyncProxyManager<byte[]> asyncBuckets;
    private final BucketConfiguration configuration = LimitShape.BOTTOMLESS.bucketConfiguration();
    private final CompletableFuture<BucketConfiguration> configurationFuture =
        CompletableFuture.completedFuture(configuration);

    Bucket4jTarget(String uri) {
      client = RedisClient.create(uri);
      buckets = Bucket4jLettuce.casBasedBuilder(client)
          .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
              Duration.ofMinutes(10)))
          .build();
      asyncBuckets = buckets.asAsync();
    }

    @Override
    public boolean decide(String key) {
      return buckets.builder().build(key.getBytes(StandardCharsets.UTF_8), () -> configuration).tryConsume(1);
    }

    @Override
    public CompletionStage<Boolean> decideAsync(String key) {
      return asyncBuckets.builder().build(key.getBytes(StandardCharsets.UTF_8), () -> configurationFuture)
          .tryConsume(1);
    }

    @Override
    public void close() {
      client.shutdown();
    }
  }

  /** One Lettuce {@code GET} per decision: a round trip with no limiter work, the floor. */
  static final class GetTarget implements Target {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    GetTarget(String uri) {
      client = RedisClient.create(uri);
      connection = client.connect();
    }

    @Override
    public boolean decide(String key) {
      connection.sync().get(key);
      return true;
    }

    @Override
    public CompletionStage<Boolean> decideAsync(String key) {
      return connection.async().get(key).thenApply(value -> true);
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }
}
