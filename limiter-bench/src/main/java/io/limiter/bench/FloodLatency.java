package io.limiter.bench;

import com.google.gson.GsonBuilder;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Flood latency (issue 12, defect 2): the latency of single decisions while threads flood a full store with new keys.
 * A store bounded at {@code keys} is filled with that many keys; 1% of them are exhausted clients ("existing"). Then
 * {@code floodThreads} threads send one request each for ever new keys (each insert past the bound evicts), while one
 * thread keeps deciding on the existing clients. Every call is timed on its own; the table gives percentiles of both.
 *
 * <pre>
 * java -cp "$(cat limiter-bench/target/classpath.txt)" io.limiter.bench.FloodLatency [keys] [floodThreads] [seconds]
 *     [memory|caffeine] [json-output]
 * </pre>
 *
 * (limiter-bench/run.sh writes the class path; defaults: 1000000 16 10 memory.) Percentiles include whatever the
 * operating system does to the threads: on a machine with fewer cores than threads, a thread descheduled in the middle
 * of a call shows up in the tail. So one more thread, the control, times a fixed piece of arithmetic that takes about
 * as long as the median new-key decision did when calibrated: it takes no lock and allocates nothing, so its tail is
 * the machine's (scheduling, garbage collection pauses), and a store's tail is its own only where it exceeds the
 * control's. The output line {@code exhausted clients admitted} must be 0: the flood never frees one.
 */
public final class FloodLatency {

  private FloodLatency() {
  }

  /** Latency counts at 100 ns resolution up to ~105 ms, plus the exact maximum; one per thread. */
  static final class Recorder {
    private static final int BUCKETS = 1 << 20;
    /** The lower edge of the last bucket, in nanoseconds: a percentile reported there is at least this long. */
    static final long LIMIT = (BUCKETS - 1) * 100L;
    private final long[] counts = new long[BUCKETS];
    private long max;
    private long total;

    void record(long nanos) {
      int bucket = (int) Math.min(BUCKETS - 1, nanos / 100);
      counts[bucket]++;
      total++;
      if (nanos > max) {
        max = nanos;
      }
    }

    void add(Recorder other) {
      for (int i = 0; i < BUCKETS; i++) {
        counts[i] += other.counts[i];
      }
      total += other.total;
      max = Math.max(max, other.max);
    }

    /** The upper edge of the bucket holding the {@code q} quantile, in nanoseconds. */
    long quantile(double q) {
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += counts[i];
        if (seen >= rank && seen > 0) {
          return Math.min(max, (i + 1) * 100L);
        }
      }
      return max;
    }

    /** The row for the report's JSON: calls and percentiles in nanoseconds. */
    Map<String, Object> json(String what) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", what);
      row.put("calls", total);
      row.put("p50", quantile(0.5));
      row.put("p99", quantile(0.99));
      row.put("p999", quantile(0.999));
      row.put("p9999", quantile(0.9999));
      row.put("max", max);
      return row;
    }

    String row(String what) {
      return String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %s |", what, total, micros(quantile(0.5)),
          micros(quantile(0.99)), micros(quantile(0.999)), micros(quantile(0.9999)), micros(max));
    }

    private static String micros(long nanos) {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1000.0);
    }
  }

  static volatile long SINK;

  /** Rounds of {@link #spin} that take about as long as a median new-key decision on a full store, alone. */
  private static long calibrate(RateLimiter limiter) {
    long[] calls = new long[20_001];
    for (int i = 0; i < calls.length; i++) {
      long start = System.nanoTime();
      limiter.tryAcquire("calibrate-" + i);
      calls[i] = System.nanoTime() - start;
    }
    Arrays.sort(calls);
    long target = Math.max(100, calls[calls.length / 2]);
    long rounds = 16;
    for (int attempt = 0; attempt < 40; attempt++) {
      long[] took = new long[2001];
      for (int i = 0; i < took.length; i++) {
        long start = System.nanoTime();
        SINK += spin(rounds, i);
        took[i] = System.nanoTime() - start;
      }
      Arrays.sort(took);
      long median = Math.max(1, took[took.length / 2]);
      long next = Math.max(1, rounds * target / median);
      if (Math.abs(next - rounds) <= rounds / 20) {
        return next;
      }
      rounds = next;
    }
    return rounds;
  }

  /** Arithmetic the JIT cannot fold: {@code rounds} steps of xorshift. */
  static long spin(long rounds, long seed) {
    long x = seed | 1;
    for (long i = 0; i < rounds; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
    }
    return x;
  }

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int floodThreads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    String kind = args.length > 3 ? args[3] : "memory";
    Map<String, Object> json = new LinkedHashMap<>();
    System.out.println(run(keys, floodThreads, seconds, kind, json));
    if (args.length > 4) {
      Files.writeString(Path.of(args[4]), new GsonBuilder().setPrettyPrinting().create().toJson(json),
          StandardCharsets.UTF_8);
    }
  }

  /** Runs the flood, fills {@code json} with the results for the report and returns the result table (markdown). */
  static String run(int keys, int floodThreads, int seconds, String kind, Map<String, Object> json) throws Exception {
    RateLimitStore store = kind.equals("caffeine") ? RateLimitStore.builder().maxKeys(keys).buildCaffeine()
        : RateLimitStore.builder().maxKeys(keys).buildInMemory();
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("flood", "10/hour"), store);
    String[] names = KeySet.ipv4(keys);
    int hot = Math.max(1, keys / 100);
    for (int i = 0; i < keys; i++) {
      int charges = i < hot ? 10 : 1;
      for (int c = 0; c < charges; c++) {
        limiter.tryAcquire(names[i]);
      }
    }
    long work = calibrate(limiter);
    Recorder control = new Recorder();
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(floodThreads + 2);
    List<Recorder> flood = new ArrayList<>();
    Recorder existing = new Recorder();
    long[] admittedExhausted = new long[1];
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < floodThreads; t++) {
      Recorder recorder = new Recorder();
      flood.add(recorder);
      int id = t;
      threads.add(new Thread(() -> {
        long n = 0;
        while (!stop.get()) {
          String key = "flood-" + id + "-" + n++;
          long start = System.nanoTime();
          limiter.tryAcquire(key);
          long took = System.nanoTime() - start;
          if (measuring.get()) {
            recorder.record(took);
          }
        }
        done.countDown();
      }, "flood-" + t));
    }
    threads.add(new Thread(() -> {
      int i = 0;
      while (!stop.get()) {
        String key = names[i++ % hot];
        long start = System.nanoTime();
        boolean admitted = limiter.tryAcquire(key);
        long took = System.nanoTime() - start;
        if (measuring.get()) {
          existing.record(took);
          if (admitted) {
            admittedExhausted[0]++;
          }
        }
      }
      done.countDown();
    }, "existing"));
    threads.add(new Thread(() -> {
      long sink = 0;
      while (!stop.get()) {
        long start = System.nanoTime();
        sink += spin(work, sink);
        long took = System.nanoTime() - start;
        if (measuring.get()) {
          control.record(took);
        }
      }
      SINK = sink;
      done.countDown();
    }, "control"));
    for (Thread thread : threads) {
      thread.start();
    }
    Thread.sleep(Math.min(3000, seconds * 300L)); // warm-up: the JIT and the store reach their steady state
    measuring.set(true);
    Thread.sleep(seconds * 1000L);
    measuring.set(false);
    stop.set(true);
    done.await();
    Recorder newKeys = new Recorder();
    for (Recorder r : flood) {
      newKeys.add(r);
    }
    String controlName = "control: " + work + " rounds of arithmetic (the machine's tail)";
    json.put("store", kind);
    json.put("keys", keys);
    json.put("floodThreads", floodThreads);
    json.put("seconds", seconds);
    json.put("cores", Runtime.getRuntime().availableProcessors());
    json.put("rows", List.of(existing.json("existing"), newKeys.json("new"), control.json("control")));
    json.put("trackedKeys", store.trackedKeys());
    json.put("lossyEvictions", store.evictedActiveKeys());
    json.put("exhaustedAdmitted", admittedExhausted[0]);
    return String.format(Locale.ROOT, "%s store of %,d keys, %d flooding threads, %d s, %d cores%n%n"
        + "| decision | calls | p50 | p99 | p99.9 | p99.99 | max |%n|---|---|---|---|---|---|---|%n%s%n%s%n%s%n%n"
        + "tracked keys at the end: %,d; lossy evictions: %,d; exhausted clients admitted: %d%n",
        kind, keys, floodThreads, seconds, Runtime.getRuntime().availableProcessors(),
        existing.row("existing key (exhausted client)"), newKeys.row("new key (insert past the bound)"),
        control.row(controlName),
        store.trackedKeys(), store.evictedActiveKeys(), admittedExhausted[0]);
  }
}
