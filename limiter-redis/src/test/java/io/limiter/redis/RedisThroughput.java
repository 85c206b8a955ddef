package io.limiter.redis;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JMH-free throughput harness (not a test): decisions per second of the Redis store with 1 and 8 threads
 * (synchronous) and with many decisions in flight on one thread (asynchronous), next to {@code redis-benchmark -t get}
 * and {@code redis-benchmark} running the token-bucket script itself on the same fresh redis-server. Numbers depend on
 * the machine and on what else runs on it. Usage: {@code java ... io.limiter.redis.RedisThroughput [seconds]}.
 */
public final class RedisThroughput {

  private static final Pattern RPS = Pattern.compile("([0-9.]+) requests per second");
  /** The token-bucket script's arguments for one permit of 1000000/second, with the server's clock. */
  private static final String[] TOKEN_BUCKET_ARGS = {"", "g1", "1000", "1", "0", "1000000", "0"};

  private RedisThroughput() {
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    RedisServer server = RedisServer.start();
    try (server; RedisRateLimitStore store = RedisRateLimitStore.builder().uri(server.uri())
        .commandTimeout(Duration.ofSeconds(2)).build()) {
      RateLimiter limiter = RateLimiter.of(LimitPolicy.of("bench", "1000000/second"), store);
      limiter.acquire("k0"); // loads the script
      System.out.printf("redis-server %s, %d cores, %d s per measurement%n", RedisServer.binary(),
          Runtime.getRuntime().availableProcessors(), seconds);
      run(limiter, 4, 8); // JIT warm-up of the whole path before anything is measured
      report("limiter sync, 1 thread", sync(limiter, 1, seconds));
      report("limiter sync, 8 threads", sync(limiter, 8, seconds));
      report("limiter async, 1 thread, 128 in flight", async(limiter, 128, seconds));
      report("limiter async, 1 thread, 1024 in flight", async(limiter, 1024, seconds));
      String sha = tokenBucketSha();
      try (RawLettuce raw = new RawLettuce(server.uri())) {
        report("raw Lettuce sync GET, 1 thread", raw.run(1, seconds, c -> c.get("k")));
        report("raw Lettuce sync EVALSHA token bucket, 1 thread", raw.run(1, seconds, c -> c.evalsha(sha,
            io.lettuce.core.ScriptOutputType.MULTI, new String[] {"limiter:{bench:raw}"}, TOKEN_BUCKET_ARGS)));
        report("raw Lettuce sync EVALSHA token bucket, 8 threads", raw.run(8, seconds, c -> c.evalsha(sha,
            io.lettuce.core.ScriptOutputType.MULTI, new String[] {"limiter:{bench:raw}"}, TOKEN_BUCKET_ARGS)));
      }
      int n = 200_000;
      for (int clients : new int[] {1, 8, 50}) {
        report("redis-benchmark -t get -c " + clients, benchmark(server.port(), n, clients, "-t", "get"));
      }
      for (int clients : new int[] {1, 8, 50}) {
        report("redis-benchmark EVALSHA token bucket -c " + clients, benchmark(server.port(), n, clients,
            concat(new String[] {"EVALSHA", sha, "1", "limiter:{bench:__rand_int__}"}, TOKEN_BUCKET_ARGS)));
      }
      System.out.println("store stats: " + store.stats());
    }
  }

  /** The SHA-1 of the token-bucket script as the store sends it: the prelude, a newline, the algorithm. */
  private static String tokenBucketSha() throws IOException, java.security.NoSuchAlgorithmException {
    String source = resource("prelude.lua") + "\n" + resource("token_bucket.lua");
    byte[] digest = java.security.MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (byte b : digest) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  private static String resource(String name) throws IOException {
    try (var in = RedisThroughput.class.getResourceAsStream("/io/limiter/redis/internal/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /** Plain Lettuce on one shared connection, to tell the client's own cost from the store's. */
  private static final class RawLettuce implements AutoCloseable {
    private final io.lettuce.core.RedisClient client;
    private final io.lettuce.core.api.StatefulRedisConnection<String, String> connection;

    RawLettuce(String uri) {
      client = io.lettuce.core.RedisClient.create(uri);
      connection = client.connect();
    }

    double run(int threads, int seconds, java.util.function.Consumer<io.lettuce.core.api.sync.RedisCommands<String,
        String>> command) throws InterruptedException {
      measure(threads, 2, command);
      return measure(threads, seconds, command);
    }

    private double measure(int threads, int seconds, java.util.function.Consumer<
        io.lettuce.core.api.sync.RedisCommands<String, String>> command) throws InterruptedException {
      LongAdder done = new LongAdder();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(new Thread(() -> {
          while (!stop.get()) {
            command.accept(connection.sync());
            done.increment();
          }
        }));
      }
      long start = System.nanoTime();
      workers.forEach(Thread::start);
      Thread.sleep(seconds * 1000L);
      stop.set(true);
      for (Thread w : workers) {
        w.join();
      }
      return done.sum() * 1e9 / (System.nanoTime() - start);
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown();
    }
  }

  private static void report(String what, double perSecond) {
    System.out.printf("%-48s %,12.0f /s%n", what, perSecond);
  }

  private static double sync(RateLimiter limiter, int threads, int seconds) throws InterruptedException {
    run(limiter, threads, 2); // warm-up
    return run(limiter, threads, seconds);
  }

  private static double run(RateLimiter limiter, int threads, int seconds) throws InterruptedException {
    LongAdder done = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(threads);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread worker = new Thread(() -> {
        int i = id;
        while (!stop.get()) {
          limiter.acquire("k" + (i++ % 1000));
          done.increment();
        }
        finished.countDown();
      });
      workers.add(worker);
    }
    long start = System.nanoTime();
    workers.forEach(Thread::start);
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    finished.await();
    return done.sum() * 1e9 / (System.nanoTime() - start);
  }

  private static double async(RateLimiter limiter, int inFlight, int seconds) throws InterruptedException {
    asyncRun(limiter, inFlight, 2);
    return asyncRun(limiter, inFlight, seconds);
  }

  private static double asyncRun(RateLimiter limiter, int inFlight, int seconds) throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    LongAdder done = new LongAdder();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    int i = 0;
    while (System.nanoTime() < end) {
      slots.acquire();
      limiter.acquireAsync("k" + (i++ % 1000), 1).whenComplete((d, e) -> {
        done.increment();
        slots.release();
      });
    }
    slots.acquire(inFlight);
    return done.sum() * 1e9 / (System.nanoTime() - start);
  }

  private static double benchmark(int port, int requests, int clients, String... command)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(port),
        "-n", Integer.toString(requests), "-c", Integer.toString(clients), "-r", "1000", "-q"));
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m = RPS.matcher(out.substring(Math.max(0, out.lastIndexOf('\r') + 1)));
    if (!m.find()) {
      m = RPS.matcher(out);
      if (!m.find()) {
        throw new IllegalStateException("unexpected redis-benchmark output: " + out);
      }
    }
    return Double.parseDouble(m.group(1));
  }
}
