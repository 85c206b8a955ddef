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
import java.util.Locale;
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
 * Targets: {@code limiter} (coalescing on, the default), {@code limiter-single} (coalescing off: one script call
 * per decision), {@code bucket4j}, {@code get}.
 *
 * <p>With {@code --latency N}, each target then makes N uncontended decisions (one thread, one at a time, on the hot
 * key) and the report gives their latency percentiles ({@link Latency}).
 *
 * <p>Usage: {@code RedisLoad (--uri redis://127.0.0.1:6379 [--server-pid PID] | --server path/to/redis-server|auto)
 * [--out redis.json] [--targets limiter,bucket4j,get] [--keys 1,10000] [--modes sync1,sync8,async64] [--seconds 5]
 * [--warmup 1] [--rounds 1] [--latency 20000]}. {@code --server} starts that binary ({@code auto}: the one
 * limiter-redis's tests use, see {@link #serverBinary}) on a free loopback port for the run (no persistence) and stops
 * it after; {@code --server-pid} names the process of the {@code --uri} server, so that its CPU time is reported too.
 * Targets are measured interleaved ({@link #run(String, List, List, List, int, int, int)}); the plain {@code get}
 * target is the GET floor of the same client stack and thread counts. {@link #run} is not reentrant: run one
 * measurement at a time.
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
      TARGETS.put("limiter", uri -> new LimiterTarget(uri, true));
      TARGETS.put("limiter-single", uri -> new LimiterTarget(uri, false));
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
   * @param clientCpuMicros CPU time of this whole JVM per decision while measuring, µs (-1 if unknown)
   * @param serverCpuMicros CPU time of the redis-server process per decision while measuring, µs (-1 unless the
   *     run started the server itself, {@code --server}, or named it, {@code --server-pid})
   * @param commandMicros the server's command execution time per decision while measuring, µs, from
   *     {@code INFO commandstats} (the sum of every command's {@code usec}; commands a script runs are counted in the
   *     script's time and again on their own, so only the scripts' and GET's own entries are summed): the work of
   *     the commands without the network and protocol handling that {@code serverCpuMicros} includes; -1 if unknown
   * @param commands the commands counted per decision while measuring, e.g. {@code evalsha 0.25, get 0.25, set 0.25}
   */
  public record Row(String target, int keys, String mode, int concurrency, List<Long> samples, double mean,
      double stdev, long rejected, long errors, double clientCpuMicros, double serverCpuMicros,
      double commandMicros, String commands) {
  }

  /** An extra connection reading INFO commandstats between measurements; null when not running. */
  static volatile StatefulRedisConnection<String, String> stats;

  /** Command name → {calls, usec} from INFO commandstats, or an empty map if unavailable. */
  static Map<String, long[]> commandStats() {
    Map<String, long[]> map = new LinkedHashMap<>();
    StatefulRedisConnection<String, String> c = stats;
    if (c == null) {
      return map;
    }
    try {
      for (String line : c.sync().info("commandstats").split("\r?\n")) {
        // cmdstat_get:calls=3,usec=10,usec_per_call=3.33,...
        if (!line.startsWith("cmdstat_")) {
          continue;
        }
        String name = line.substring(8, line.indexOf(':'));
        long calls = 0;
        long usec = 0;
        for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
          if (field.startsWith("calls=")) {
            calls = Long.parseLong(field.substring(6));
          } else if (field.startsWith("usec=")) {
            usec = Long.parseLong(field.substring(5));
          }
        }
        map.put(name, new long[] {calls, usec});
      }
    } catch (RuntimeException e) {
      map.clear();
    }
    return map;
  }

  /** The redis-server process this run started ({@code --server}), whose CPU time each row reports. */
  static volatile ProcessHandle serverProcess;

  /** CPU time of the started redis-server, from /proc (Linux), in ns; -1 if unknown. */
  static long serverCpuNanos() {
    ProcessHandle p = serverProcess;
    if (p == null) {
      return -1;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // utime and stime (fields 14 and 15 of the whole line) in clock ticks, 100 per second on Linux
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long clientCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
  }

  private static double perDecision(long before, long after, long decisions) {
    return before < 0 || after < 0 || decisions <= 0 ? -1 : (after - before) / 1000.0 / decisions;
  }

  /**
   * Latency of uncontended decisions: one thread, one decision at a time on one key, after a warm-up.
   *
   * @param target the target name
   * @param decisions decisions measured
   * @param p50Micros median, µs
   * @param p99Micros 99th percentile, µs
   * @param p999Micros 99.9th percentile, µs
   * @param maxMicros the slowest, µs
   */
  public record Latency(String target, int decisions, double p50Micros, double p99Micros, double p999Micros,
      double maxMicros) {
  }

  private RedisLoad() {
  }

  /**
   * @param args see the class documentation
   * @throws Exception if a target fails or the output cannot be written
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--which-server")) {
      System.out.println(serverBinary(args[1])); // for run-redis.sh: the binary --server would start
      return;
    }
    if (args.length == 2 && args[0].equals("--server-version")) {
      System.out.println(serverVersion(serverBinary(args[1])));
      return;
    }
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value pairs but got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    String uri = opts.get("uri");
    Process server = null;
    if (opts.containsKey("server")) {
      if (uri != null) {
        throw new IllegalArgumentException("give --uri or --server, not both");
      }
      server = startServer(opts.get("server"));
      uri = uri(server);
      serverProcess = server.toHandle();
    }
    if (uri == null) {
      throw new IllegalArgumentException("--uri redis://host:port or --server path/to/redis-server is required");
    }
    if (opts.containsKey("server-pid")) {
      // a server run-redis.sh started (it shares it with redis-benchmark): its CPU time is read like our own
      serverProcess = ProcessHandle.of(Long.parseLong(opts.get("server-pid")))
          .orElseThrow(() -> new IllegalArgumentException("no process " + opts.get("server-pid")));
    }
    List<String> targets = List.of(opts.getOrDefault("targets", String.join(",", TARGETS.keySet())).split(","));
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "1"));
    List<Row> rows;
    List<Latency> latencies = new ArrayList<>();
    try {
      rows = run(uri, targets, parseInts(opts.getOrDefault("keys", "1,10000")),
          List.of(opts.getOrDefault("modes", "sync1,sync8,async64").split(",")),
          Integer.parseInt(opts.getOrDefault("seconds", "5")), Integer.parseInt(opts.getOrDefault("warmup", "1")),
          rounds);
      if (opts.containsKey("latency")) {
        int n = Integer.parseInt(opts.get("latency"));
        for (String name : targets) {
          Latency latency = latency(uri, name, n);
          System.out.printf(Locale.ROOT, "%-14s uncontended, %,d decisions: p50 %.1f µs, p99 %.1f µs, "
              + "p99.9 %.1f µs, max %.1f µs%n", name, n, latency.p50Micros(), latency.p99Micros(),
              latency.p999Micros(), latency.maxMicros());
          latencies.add(latency);
        }
      }
    } finally {
      if (server != null) {
        server.destroy();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (opts.containsKey("out")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("uri", uri);
      json.put("rows", rows);
      json.put("latency", latencies);
      Files.writeString(Path.of(opts.get("out")), new GsonBuilder().setPrettyPrinting().create().toJson(json),
          StandardCharsets.UTF_8);
    }
  }

  /**
   * The redis-server to start: a path, or {@code auto} for the one limiter-redis's tests use (the PATH's, else the
   * binary inside the embedded-redis test dependency), through that module's shared test helper
   * {@code io.limiter.redis.RedisServer} (on run.sh's class path), so that no install is needed.
   */
  static String serverBinary(String option) {
    if (!option.equals("auto")) {
      return option;
    }
    try {
      Class<?> helper = Class.forName("io.limiter.redis.RedisServer", true, RedisLoad.class.getClassLoader());
      return helper.getMethod("binary").invoke(null).toString();
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("--server auto needs limiter-redis's test jar and embedded-redis on the class "
          + "path (bash limiter-bench/run.sh --classpath writes one), or give --server path/to/redis-server", e);
    }
  }

  /** The version a redis-server binary reports ({@code redis-server --version}: "... v=6.2.11 ..."), or "". */
  static String serverVersion(String binary) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("v=([0-9][0-9.]*)").matcher(out);
    return m.find() ? m.group(1) : "";
  }

  /**
   * Starts a redis-server (no persistence) on a free loopback port and waits until it answers.
   *
   * @param option a path, or {@code auto} (see {@link #serverBinary})
   * @return the process; its URI is {@link #uri(Process)}
   */
  static Process startServer(String option) throws IOException, InterruptedException {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Process server = new ProcessBuilder(serverBinary(option), "--bind", "127.0.0.1", "--port", Integer.toString(port),
        "--save", "", "--appendonly", "no").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    PORTS.put(server.pid(), port);
    awaitPing(uri(server));
    return server;
  }

  private static final Map<Long, Integer> PORTS = new java.util.concurrent.ConcurrentHashMap<>();

  /** @return the URI of a server {@link #startServer} started */
  static String uri(Process server) {
    return "redis://127.0.0.1:" + PORTS.get(server.pid());
  }

  static void awaitPing(String uri) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      RedisClient client = RedisClient.create(uri);
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        c.sync().ping();
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server did not answer at " + uri + " within 10 s", e);
        }
        Thread.sleep(50);
      } finally {
        client.shutdown();
      }
    }
  }

  /**
   * Measures uncontended decisions of one target: one thread, one decision at a time on one key.
   *
   * @param uri the Redis URI
   * @param name the target name
   * @param decisions how many to measure (as many again warm up first)
   * @return the percentiles
   */
  public static Latency latency(String uri, String name, int decisions) {
    Function<String, Target> factory = TARGETS.get(name);
    if (factory == null) {
      throw new IllegalArgumentException("unknown target " + name + "; known: " + TARGETS.keySet());
    }
    long[] nanos = new long[decisions];
    try (Target target = factory.apply(uri)) {
      for (int i = 0; i < decisions; i++) {
        target.decide("bench:hot");
      }
      for (int i = 0; i < decisions; i++) {
        long start = System.nanoTime();
        target.decide("bench:hot");
        nanos[i] = System.nanoTime() - start;
      }
    }
    java.util.Arrays.sort(nanos);
    return new Latency(name, decisions, micros(nanos, 0.5), micros(nanos, 0.99), micros(nanos, 0.999),
        nanos[decisions - 1] / 1000.0);
  }

  private static double micros(long[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1000.0;
  }

  private static List<Integer> parseInts(String csv) {
    List<Integer> list = new ArrayList<>();
    for (String s : csv.split(",")) {
      list.add(Integer.parseInt(s.trim()));
    }
    return list;
  }

  /**
   * Runs every combination once; see {@link #run(String, List, List, List, int, int, int)}.
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
    return run(uri, targets, keyCounts, modes, seconds, warmup, 1);
  }

  /**
   * Runs every combination, interleaved: for each key count and mode, every target one after the other (all
   * targets stay open meanwhile), so that a ratio of two targets compares measurements a few seconds apart, not
   * minutes, on a machine whose load changes. With several rounds the whole sequence repeats; a row then holds the
   * samples of every round. After the run the ratio of each target to {@code get} (when measured) is printed per
   * round.
   *
   * @param uri the Redis URI
   * @param targets target names
   * @param keyCounts key set sizes
   * @param modes {@code syncN} / {@code asyncN}
   * @param seconds measured seconds per combination
   * @param warmup warm-up seconds per combination
   * @param rounds how many times to repeat the whole sequence
   * @return the rows, one per target, key count and mode
   * @throws InterruptedException if interrupted
   */
  public static List<Row> run(String uri, List<String> targets, List<Integer> keyCounts, List<String> modes,
      int seconds, int warmup, int rounds) throws InterruptedException {
    Map<String, Target> open = new LinkedHashMap<>();
    Map<String, List<Row>> measured = new LinkedHashMap<>(); // "target keys mode" -> one row per round
    RedisClient statsClient = RedisClient.create(uri);
    try {
      stats = statsClient.connect();
      for (String name : targets) {
        Function<String, Target> factory = TARGETS.get(name);
        if (factory == null) {
          throw new IllegalArgumentException("unknown target " + name + "; known: " + TARGETS.keySet());
        }
        open.put(name, factory.apply(uri));
      }
      for (int round = 1; round <= rounds; round++) {
        for (int keyCount : keyCounts) {
          String[] keys = new String[keyCount];
          for (int i = 0; i < keyCount; i++) {
            keys[i] = keyCount == 1 ? "bench:hot" : "bench:k:" + i;
          }
          for (String mode : modes) {
            for (Map.Entry<String, Target> target : open.entrySet()) {
              Row row = measure(target.getKey(), target.getValue(), keys, mode, seconds, warmup);
              System.out.printf(Locale.ROOT, "%s%-14s keys=%-6d %-8s %,12.0f ± %,8.0f decisions/s  rejected=%d "
                  + "errors=%d  CPU per decision: client %.1f µs, server %.1f µs; server commands %.2f µs (%s)%s%n",
                  rounds > 1 ? "round " + round + " " : "", row.target(), row.keys(), mode, row.mean(), row.stdev(),
                  row.rejected(), row.errors(), row.clientCpuMicros(), row.serverCpuMicros(), row.commandMicros(),
                  row.commands(), perScriptCall(row.commands()));
              measured.computeIfAbsent(row.target() + " " + keyCount + " " + mode, k -> new ArrayList<>()).add(row);
            }
          }
        }
      }
    } finally {
      open.values().forEach(Target::close);
      stats = null;
      statsClient.shutdown();
    }
    printRatios(measured, targets, keyCounts, modes);
    List<Row> rows = new ArrayList<>();
    measured.values().forEach(perRound -> rows.add(merge(perRound)));
    return rows;
  }

  /**
   * How many decisions one script call carried on average (a coalesced vector, or 1 without coalescing), from the
   * commands per decision of a row: {@code "; 3.2 decisions per EVALSHA"}, or "" if the row ran no script.
   */
  static String perScriptCall(String commands) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|, )evalsha ([0-9.]+)").matcher(commands);
    if (!m.find() || Double.parseDouble(m.group(1)) <= 0) {
      return "";
    }
    return String.format(Locale.ROOT, "; %.2f decisions per EVALSHA", 1 / Double.parseDouble(m.group(1)));
  }

  /** Prints each target's throughput and server CPU per decision over {@code get}'s, per round (same run). */
  private static void printRatios(Map<String, List<Row>> measured, List<String> targets, List<Integer> keyCounts,
      List<String> modes) {
    if (!targets.contains("get")) {
      return;
    }
    for (int keyCount : keyCounts) {
      for (String mode : modes) {
        List<Row> get = measured.get("get " + keyCount + " " + mode);
        for (String name : targets) {
          List<Row> rows = measured.get(name + " " + keyCount + " " + mode);
          if (name.equals("get") || rows == null || get == null) {
            continue;
          }
          StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-14s ÷ get  keys=%-6d %-8s",
              name, keyCount, mode));
          for (int r = 0; r < rows.size(); r++) {
            line.append(String.format(Locale.ROOT, "  %.2f× (server CPU µs/decision %.1f vs %.1f, commands %.2f vs %.2f)",
                rows.get(r).mean() / get.get(r).mean(), rows.get(r).serverCpuMicros(), get.get(r).serverCpuMicros(),
                rows.get(r).commandMicros(), get.get(r).commandMicros()));
          }
          System.out.println(line);
        }
      }
    }
  }

  /** One row of the samples of every round (CPU per decision: the mean of the rounds'). */
  private static Row merge(List<Row> rounds) {
    if (rounds.size() == 1) {
      return rounds.get(0);
    }
    Row first = rounds.get(0);
    List<Long> samples = new ArrayList<>();
    long rejected = 0;
    long errors = 0;
    for (Row r : rounds) {
      samples.addAll(r.samples());
      rejected += r.rejected();
      errors += r.errors();
    }
    double mean = samples.stream().mapToLong(Long::longValue).average().orElse(0);
    double var = samples.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, samples.size() - 1);
    return new Row(first.target(), first.keys(), first.mode(), first.concurrency(), samples, mean, Math.sqrt(var),
        rejected, errors, rounds.stream().mapToDouble(Row::clientCpuMicros).average().orElse(-1),
        rounds.stream().mapToDouble(Row::serverCpuMicros).average().orElse(-1),
        rounds.stream().mapToDouble(Row::commandMicros).average().orElse(-1), first.commands());
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
    long first = last;
    Map<String, long[]> statsBefore = commandStats();
    long clientCpu = clientCpuNanos();
    long serverCpu = serverCpuNanos();
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
    double clientPer = perDecision(clientCpu, clientCpuNanos(), last - first);
    double serverPer = perDecision(serverCpu, serverCpuNanos(), last - first);
    Map<String, long[]> statsAfter = commandStats();
    long decisions = last - first;
    double commandMicros = -1;
    StringBuilder commands = new StringBuilder();
    if (!statsAfter.isEmpty() && decisions > 0) {
      long usec = 0;
      for (Map.Entry<String, long[]> e : statsAfter.entrySet()) {
        long[] before = statsBefore.getOrDefault(e.getKey(), new long[2]);
        long calls = e.getValue()[0] - before[0];
        if (calls <= 0 || e.getKey().equals("info")) {
          continue;
        }
        if (e.getKey().startsWith("eval") || e.getKey().equals("get") && name.equals("get")) {
          usec += e.getValue()[1] - before[1]; // a script's time includes the commands it ran
        }
        commands.append(commands.length() == 0 ? "" : ", ").append(e.getKey())
            .append(String.format(Locale.ROOT, " %.3f", (double) calls / decisions));
      }
      commandMicros = (double) usec / decisions;
    }
    for (Thread thread : threads) {
      thread.join();
    }
    double mean = samples.stream().mapToLong(Long::longValue).average().orElse(0);
    double var = samples.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, samples.size() - 1);
    return new Row(name, keys.length, async ? "async" : "sync", concurrency, samples, mean, Math.sqrt(var),
        rejected.sum() - rejectedBefore, errors.sum() - errorsBefore, clientPer, serverPer, commandMicros,
        commands.toString());
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

    LimiterTarget(String uri, boolean coalesce) {
      store = open(uri, coalesce);
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

    private static RateLimitStore open(String uri, boolean coalesce) {
      try {
        Class<?> type = Class.forName(STORE, true, RedisLoad.class.getClassLoader());
        Object builder = type.getMethod("builder").invoke(null);
        builder = builder.getClass().getMethod("uri", String.class).invoke(builder, uri);
        // a loaded 2-core machine can stall a round trip beyond the default 100 ms; measure, don't fail over
        builder = builder.getClass().getMethod("commandTimeout", Duration.class).invoke(builder,
            Duration.ofSeconds(2));
        // and wait for the first connection: a store that starts unconnected decides by its failure mode meanwhile
        builder = builder.getClass().getMethod("connectTimeout", Duration.class).invoke(builder,
            Duration.ofSeconds(30));
        builder = builder.getClass().getMethod("coalesce", boolean.class).invoke(builder, coalesce);
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
