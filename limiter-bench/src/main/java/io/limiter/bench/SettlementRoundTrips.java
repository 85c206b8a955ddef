package io.limiter.bench;

import io.limiter.core.Claim;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.redis.RedisRateLimitStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What settlement and a request's several policies cost on Redis, in round trips and in time: one thread deciding one
 * request after the other (uncontended, so coalescing never applies), every variant measured in each round one after
 * the other (interleaved), so that a busy machine slows them alike. Variants:
 * <ul>
 *   <li>{@code acquire}: a plain decision (one call);
 *   <li>{@code reserve+commit}: settled at the reserved cost (one call: a commit sends nothing);
 *   <li>{@code reserve+settle}: settled to less (two calls: the settle script);
 *   <li>{@code 3 policies, each}: three policies reserved one after the other (three calls);
 *   <li>{@code 3 policies, reserveAll}: the same three in one {@code Claim.reserveAll} (one call);
 *   <li>{@code rejected, each}: the third policy rejects: three reservations and two refunds (five calls);
 *   <li>{@code rejected, reserveAll}: the same request in one call (no refund).
 * </ul>
 * The variants take turns every 50 requests, so that a busy moment slows them alike; the first round warms up.
 * Usage: {@code SettlementRoundTrips (--uri redis://host:port | --server path/to/redis-server|auto) [--requests 5000]
 * [--rounds 3]} ({@code requests} per variant and round, a multiple of 50); prints a markdown table: the
 * {@code EVALSHA} calls per request (counted by the server, {@code INFO commandstats}), p50 and p99 µs, and the p50
 * as a multiple of {@code acquire}'s.
 */
public final class SettlementRoundTrips {

  private SettlementRoundTrips() {
  }

  /** One request of a variant, on its own key space (a key per request number, so nothing runs dry). */
  @FunctionalInterface
  private interface Variant {
    void run(int i);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int requests = Math.max(BLOCK, Integer.parseInt(opts.getOrDefault("requests", "5000")) / BLOCK * BLOCK);
    int rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
    Process server = null;
    String uri = opts.get("uri");
    if (uri == null) {
      server = RedisLoad.startServer(opts.getOrDefault("server", "auto"));
      uri = RedisLoad.uri(server);
    }
    io.lettuce.core.RedisClient admin = io.lettuce.core.RedisClient.create(uri);
    try (RedisRateLimitStore store = RedisRateLimitStore.builder().uri(uri).commandTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(10)).build();
        io.lettuce.core.api.StatefulRedisConnection<String, String> info = admin.connect()) {
      java.util.regex.Pattern evalsha = java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+),");
      java.util.function.LongSupplier calls = () -> {
        java.util.regex.Matcher m = evalsha.matcher(info.sync().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
      };
      print(measure(store, calls, requests, rounds));
    } finally {
      admin.shutdown();
      if (server != null) {
        server.destroy();
      }
    }
  }

  private static Map<String, Row> measure(RedisRateLimitStore store, java.util.function.LongSupplier evalshaCalls,
      int requests, int rounds) {
    // limits no request can drain: every request is decided, and admitted, by Redis
    RateLimiter a = RateLimiter.of(LimitPolicy.of("rt-a", "1000000000/hour"), store);
    RateLimiter b = RateLimiter.of(LimitPolicy.of("rt-b", "1000000000/hour"), store);
    RateLimiter c = RateLimiter.of(LimitPolicy.builder("rt-c").limits("1000000000/day")
        .algorithm(io.limiter.core.Algorithm.FIXED_WINDOW).build(), store);
    RateLimiter exhausted = RateLimiter.of(LimitPolicy.of("rt-none", "1/day"), store);
    exhausted.acquire("k");
    Map<String, Variant> variants = new LinkedHashMap<>();
    variants.put("acquire", i -> a.acquire("k" + i, 2));
    variants.put("reserve+commit", i -> a.reserve("k" + i, 2).commit());
    variants.put("reserve+settle", i -> a.reserve("k" + i, 2).settle(1));
    variants.put("3 policies, each", i -> {
      a.reserve("k" + i, 1);
      b.reserve("k" + i, 1);
      c.reserve("k" + i, 1);
    });
    variants.put("3 policies, reserveAll", i -> Claim.reserveAll(List.of(a.claim("k" + i, 1), b.claim("k" + i, 1),
        c.claim("k" + i, 1))));
    variants.put("rejected, each", i -> {
      Reservation first = a.reserve("k" + i, 1);
      Reservation second = b.reserve("k" + i, 1);
      if (exhausted.reserve("k", 1).decision().rejected()) {
        first.refund();
        second.refund();
      }
    });
    variants.put("rejected, reserveAll", i -> Claim.reserveAll(List.of(a.claim("k" + i, 1), b.claim("k" + i, 1),
        exhausted.claim("k", 1))));
    Map<String, long[]> samples = new LinkedHashMap<>();
    Map<String, Long> calls = new LinkedHashMap<>();
    variants.keySet().forEach(name -> {
      samples.put(name, new long[requests * rounds]);
      calls.put(name, 0L);
    });
    // blocks of BLOCK requests, the variants taking turns block by block: a busy moment slows them alike
    int blocks = requests * (rounds + 1) / BLOCK;
    int warmUp = requests / BLOCK; // the first round's blocks warm up and are dropped
    for (int block = 0; block < blocks; block++) {
      boolean kept = block >= warmUp;
      int index = 0;
      for (Map.Entry<String, Variant> v : variants.entrySet()) {
        long[] nanos = samples.get(v.getKey());
        long before = kept ? evalshaCalls.getAsLong() : 0;
        for (int i = 0; i < BLOCK; i++) {
          int request = (block * BLOCK + i) * variants.size() + index; // a key of its own
          long start = System.nanoTime();
          v.getValue().run(request);
          long took = System.nanoTime() - start;
          if (kept) {
            nanos[(block - warmUp) * BLOCK + i] = took;
          }
        }
        if (kept) {
          calls.merge(v.getKey(), evalshaCalls.getAsLong() - before, Long::sum);
        }
        index++;
      }
    }
    Map<String, Row> rows = new LinkedHashMap<>();
    samples.forEach((name, nanos) -> rows.put(name, new Row(nanos, calls.get(name) / (double) nanos.length)));
    return rows;
  }

  /** Requests per block: the variants take turns every this many requests. */
  private static final int BLOCK = 50;

  /** A variant's times (ns) and its EVALSHA calls per request. */
  private record Row(long[] nanos, double callsPerRequest) {
    double percentile(double p) {
      long[] sorted = nanos.clone();
      java.util.Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))] / 1000.0;
    }
  }

  private static void print(Map<String, Row> rows) {
    double acquire = rows.get("acquire").percentile(0.5);
    System.out.println("| variant | EVALSHA per request | p50 µs | p99 µs | p50 ÷ acquire's |");
    System.out.println("|---|---:|---:|---:|---:|");
    rows.forEach((name, row) -> System.out.printf(Locale.ROOT, "| %s | %.2f | %.1f | %.1f | %.2f× |%n", name,
        row.callsPerRequest(), row.percentile(0.5), row.percentile(0.99), row.percentile(0.5) / acquire));
  }
}
