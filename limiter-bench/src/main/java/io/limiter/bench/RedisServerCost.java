package io.limiter.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Where the Redis server's time per decision goes: what the {@code redis-server} process spends (CPU time from
 * /proc, network and protocol included) and what its commands take ({@code INFO commandstats}) for one operation of
 * each probe, one operation at a time from one thread, so that every operation is a call of its own (no pipelining
 * shares the server's reads and writes between them):
 * <ul>
 *   <li>plain commands: {@code GET}, {@code MGET} of 8 keys, {@code SET … PX}, and {@code EVALSHA} of scripts that
 *       do nothing, read {@code TIME}, or {@code GET} and {@code SET} one key: the floors a decision is made of;</li>
 *   <li>{@code limiter burst B}: B decisions of Limiter's Redis store (coalescing on; a one-limit token bucket that
 *       never rejects) sent at once by async callers, then awaited: the first finds the connection idle and goes out
 *       alone, the other B-1 go out together as one vector when it answers (the commands per operation show it:
 *       {@code evalsha 2.00}). On one hot key, or on B distinct keys. The vector's own cost is derived from the
 *       difference to a burst of 1 (just the lone call).</li>
 * </ul>
 * Usage: {@code RedisServerCost (--server path/to/redis-server|auto | --uri redis://host:port --server-pid PID)
 * [--seconds 2] [--bursts 1,2,5,9,17,33,65]}. Prints a markdown table. Not reentrant.
 */
public final class RedisServerCost {

  private RedisServerCost() {
  }

  /**
   * One probe's cost per operation.
   *
   * @param name the probe
   * @param decisions decisions per operation (0 for plain commands)
   * @param opsPerSecond operations per second, one at a time from one thread
   * @param serverCpuMicros CPU time of the redis-server process per operation, µs
   * @param commandMicros the probe's own commands' {@code usec} per operation (a script's includes what it runs)
   * @param commands the commands the server counted per operation
   */
  record Probe(String name, int decisions, double opsPerSecond, double serverCpuMicros, double commandMicros,
      String commands) {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    double seconds = Double.parseDouble(opts.getOrDefault("seconds", "2"));
    List<Integer> bursts = new ArrayList<>();
    for (String b : opts.getOrDefault("bursts", "1,2,5,9,17,33,65").split(",")) {
      bursts.add(Integer.parseInt(b.trim()));
    }
    Process server = null;
    String uri = opts.get("uri");
    if (uri == null) {
      server = RedisLoad.startServer(opts.getOrDefault("server", "auto"));
      uri = RedisLoad.uri(server);
      RedisLoad.serverProcess = server.toHandle();
    } else if (opts.containsKey("server-pid")) {
      RedisLoad.serverProcess = ProcessHandle.of(Long.parseLong(opts.get("server-pid"))).orElseThrow();
    }
    try {
      print(run(uri, seconds, bursts));
    } finally {
      if (server != null) {
        server.destroy();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static List<Probe> run(String uri, double seconds, List<Integer> bursts) {
    RedisClient client = RedisClient.create(uri);
    List<Probe> probes = new ArrayList<>();
    try (StatefulRedisConnection<String, String> connection = client.connect();
        StatefulRedisConnection<String, String> statsConnection = client.connect()) {
      RedisLoad.stats = statsConnection;
      RedisCommands<String, String> redis = connection.sync();
      String[] eight = new String[8];
      for (int i = 0; i < eight.length; i++) {
        eight[i] = "cost:k:" + i;
        redis.set(eight[i], "0123456789abcdef0123456789");
      }
      String nothing = redis.scriptLoad("return 1");
      String time = redis.scriptLoad("local t = redis.call('TIME') return 1");
      String getSet = redis.scriptLoad("local v = redis.call('GET', KEYS[1]) "
          + "redis.call('SET', KEYS[1], 'g1:0123456789abcdef', 'PX', 60000) return 1");
      String[] hot = {"cost:hot"};
      SetArgs px = SetArgs.Builder.px(60_000);
      probes.add(measure("GET", 0, seconds, "get", i -> redis.get("cost:hot")));
      probes.add(measure("MGET 8 keys", 0, seconds, "mget", i -> redis.mget(eight)));
      probes.add(measure("SET … PX", 0, seconds, "set", i -> redis.set("cost:hot", "g1:0123456789abcdef", px)));
      probes.add(measure("EVALSHA: return 1", 0, seconds, "evalsha",
          i -> redis.evalsha(nothing, ScriptOutputType.INTEGER)));
      probes.add(measure("EVALSHA: TIME", 0, seconds, "evalsha", i -> redis.evalsha(time, ScriptOutputType.INTEGER)));
      probes.add(measure("EVALSHA: GET + SET … PX", 0, seconds, "evalsha",
          i -> redis.evalsha(getSet, ScriptOutputType.INTEGER, hot)));
      try (RedisLoad.LimiterTarget limiter = new RedisLoad.LimiterTarget(uri, true)) {
        for (int b : bursts) {
          probes.add(measure("limiter burst " + b + ", hot key", b, seconds, "evalsha", i -> burst(limiter, b, -1)));
        }
        for (int b : bursts) {
          probes.add(measure("limiter burst " + b + ", " + b + " keys", b, seconds, "evalsha",
              i -> burst(limiter, b, i)));
        }
      }
    } finally {
      RedisLoad.stats = null;
      client.shutdown();
    }
    return probes;
  }

  /** B async decisions at once, awaited; on the hot key (op < 0), else on B keys of 10,000 (their turn by op). */
  private static void burst(RedisLoad.LimiterTarget limiter, int b, int op) {
    CompletableFuture<?>[] decisions = new CompletableFuture<?>[b];
    for (int j = 0; j < b; j++) {
      String key = op < 0 ? "bench:hot" : "bench:k:" + Math.floorMod(op * b + j, 10_000);
      decisions[j] = limiter.decideAsync(key).toCompletableFuture();
    }
    CompletableFuture.allOf(decisions).join();
  }

  /** Runs {@code op} one at a time for a warm-up and then {@code seconds}, and takes the server's cost per op. */
  private static Probe measure(String name, int decisions, double seconds, String command, IntConsumer op) {
    long warm = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
    int i = 0;
    while (System.nanoTime() < warm) {
      op.accept(i++);
    }
    Map<String, long[]> before = RedisLoad.commandStats();
    long cpu = RedisLoad.serverCpuNanos();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long ops = 0;
    while (System.nanoTime() < end) {
      op.accept(i++);
      ops++;
    }
    long elapsed = System.nanoTime() - start;
    long cpuAfter = RedisLoad.serverCpuNanos();
    Map<String, long[]> after = RedisLoad.commandStats();
    StringBuilder counted = new StringBuilder();
    long usec = 0;
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] was = before.getOrDefault(e.getKey(), new long[2]);
      long calls = e.getValue()[0] - was[0];
      if (calls <= 0 || e.getKey().equals("info")) {
        continue;
      }
      if (e.getKey().equals(command)) {
        usec += e.getValue()[1] - was[1];
      }
      counted.append(counted.length() == 0 ? "" : ", ").append(e.getKey())
          .append(String.format(Locale.ROOT, " %.2f", (double) calls / ops));
    }
    double cpuPerOp = cpu < 0 || cpuAfter < 0 ? -1 : (cpuAfter - cpu) / 1000.0 / ops;
    return new Probe(name, decisions, ops * 1e9 / elapsed, cpuPerOp, (double) usec / ops, counted.toString());
  }

  private static void print(List<Probe> probes) {
    System.out.println("| probe | ops/s | server CPU µs per op | per decision | commands µs per op | per decision "
        + "| commands per op |");
    System.out.println("|---|---|---|---|---|---|---|");
    Map<String, Probe> lone = new LinkedHashMap<>();
    for (Probe p : probes) {
      String perDecision = p.decisions() > 0 ? String.format(Locale.ROOT, "%.1f", p.serverCpuMicros() / p.decisions())
          : "";
      String commandPerDecision = p.decisions() > 0
          ? String.format(Locale.ROOT, "%.1f", p.commandMicros() / p.decisions()) : "";
      System.out.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %s | %.1f | %s | %s |%n", p.name(), p.opsPerSecond(),
          p.serverCpuMicros(), perDecision, p.commandMicros(), commandPerDecision, p.commands());
      String shape = p.name().endsWith("hot key") ? "hot key" : "keys";
      if (p.decisions() == 1) {
        lone.put(shape, p);
      }
    }
    System.out.println();
    System.out.println("A vector of n = B - 1 decisions (a burst of B less a burst of 1: the lone call):");
    System.out.println("| vector | server CPU µs per vector | per decision | script µs per vector | per decision |");
    System.out.println("|---|---|---|---|---|");
    for (Probe p : probes) {
      String shape = p.name().endsWith("hot key") ? "hot key" : "keys";
      Probe one = lone.get(shape);
      if (p.decisions() > 1 && one != null) {
        int n = p.decisions() - 1;
        double cpu = p.serverCpuMicros() - one.serverCpuMicros();
        double script = p.commandMicros() - one.commandMicros();
        System.out.printf(Locale.ROOT, "| %d, %s | %.1f | %.1f | %.1f | %.2f |%n", n,
            shape.equals("hot key") ? "hot key" : n + " keys", cpu, cpu / n, script, script / n);
      }
    }
  }
}
