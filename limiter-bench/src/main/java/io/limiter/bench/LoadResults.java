package io.limiter.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The non-JMH results of a suite run, read from the files the drivers write: {@code memory.json} and
 * {@code memory-10m.json} ({@link MemoryFootprint}), {@code flood-memory.json} and {@code flood-caffeine.json}
 * ({@link FloodLatency}), {@code http.tsv} ({@code run-http.sh}), {@code http-reactive.tsv} ({@code run-reactive.sh}),
 * {@code redis.json} ({@link RedisLoad}) and
 * {@code redis-benchmark.csv} ({@code run-redis.sh}). Missing files yield empty results. Immutable.
 */
final class LoadResults {

  /** One P4 row, bytes per key. */
  record Memory(String name, long keys, double heapWithoutKeys, double heapWithKeys, long jolKeys,
      double jolWithoutKeys, double jolWithKeys) {
  }

  /** One P8 run: a store flooded with new keys; rows in nanoseconds (existing key, new key, control). */
  record Flood(String store, long keys, int floodThreads, int seconds, int cores, List<FloodRow> rows,
      long lossyEvictions, long exhaustedAdmitted) {
    Optional<FloodRow> row(String name) {
      return rows.stream().filter(r -> r.name().equals(name)).findFirst();
    }
  }

  /** Calls and latency percentiles of one kind of decision, in nanoseconds. */
  record FloodRow(String name, long calls, long p50, long p99, long p999, long p9999, long max) {
  }

  /**
   * Requests per second over the repeats of one HTTP variant and load, and the CPU time per request of the server's
   * JVM and of its Redis (microseconds; empty where run-http.sh did not record it).
   */
  record Http(String variant, String load, Score requestsPerSecond, double rejectedShare, int runs,
      Optional<Score> serverCpuMicros, Optional<Score> redisCpuMicros) {
  }

  /** Decisions per second of one Redis configuration. */
  record Redis(String target, int keys, String mode, int concurrency, Score decisionsPerSecond, long rejected,
      long errors) {
  }

  final List<Memory> memory;
  /** P4 at the larger key count of {@code run.sh} (10M), if it ran. */
  final List<Memory> memoryLarge;
  final List<Flood> flood;
  final List<Http> http;
  /** P5-R: the reactive servers ({@link ReactiveTarget}), measured in a session of their own. */
  final List<Http> httpReactive;
  /** The lowest and highest one-minute load average seen after P5-R's {@code wrk} runs, if recorded. */
  final Optional<double[]> httpReactiveLoad;
  final List<Redis> redis;
  /** redis-benchmark test name (e.g. {@code GET c=8}) → requests per second. */
  final Map<String, Double> redisBenchmark;
  final String redisVersion;

  private LoadResults(List<Memory> memory, List<Memory> memoryLarge, List<Flood> flood, List<Http> http,
      List<Http> httpReactive, Optional<double[]> httpReactiveLoad, List<Redis> redis,
      Map<String, Double> redisBenchmark, String redisVersion) {
    this.memory = List.copyOf(memory);
    this.memoryLarge = List.copyOf(memoryLarge);
    this.flood = List.copyOf(flood);
    this.http = List.copyOf(http);
    this.httpReactive = List.copyOf(httpReactive);
    this.httpReactiveLoad = httpReactiveLoad;
    this.redis = List.copyOf(redis);
    this.redisBenchmark = Collections.unmodifiableMap(new LinkedHashMap<>(redisBenchmark)); // file order
    this.redisVersion = redisVersion;
  }

  static LoadResults read(Path dir) throws IOException {
    List<Flood> flood = new ArrayList<>();
    for (String store : List.of("memory", "caffeine")) {
      flood(dir.resolve("flood-" + store + ".json")).ifPresent(flood::add);
    }
    return new LoadResults(memory(dir.resolve("memory.json")), memory(dir.resolve("memory-10m.json")), flood,
        http(dir.resolve("http.tsv")), http(dir.resolve("http-reactive.tsv")), loadRange(dir.resolve("http-reactive.tsv")),
        redis(dir.resolve("redis.json")), redisBenchmark(dir.resolve("redis-benchmark.csv")),
        text(dir.resolve("redis-version.txt")).orElse(""));
  }

  private static Optional<String> text(Path file) throws IOException {
    return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim())
        : Optional.empty();
  }

  private static List<Memory> memory(Path file) throws IOException {
    List<Memory> rows = new ArrayList<>();
    Optional<String> json = text(file);
    if (json.isPresent()) {
      for (JsonElement e : JsonParser.parseString(json.get()).getAsJsonObject().getAsJsonArray("rows")) {
        JsonObject r = e.getAsJsonObject();
        rows.add(new Memory(r.get("name").getAsString(), r.get("keys").getAsLong(),
            r.get("heapWithoutKeys").getAsDouble(), r.get("heapWithKeys").getAsDouble(), r.get("jolKeys").getAsLong(),
            doubleOrNaN(r, "jolWithoutKeys"), doubleOrNaN(r, "jolWithKeys")));
      }
    }
    return rows;
  }

  private static Optional<Flood> flood(Path file) throws IOException {
    Optional<String> json = text(file);
    if (json.isEmpty()) {
      return Optional.empty();
    }
    JsonObject o = JsonParser.parseString(json.get()).getAsJsonObject();
    List<FloodRow> rows = new ArrayList<>();
    for (JsonElement e : o.getAsJsonArray("rows")) {
      JsonObject r = e.getAsJsonObject();
      rows.add(new FloodRow(r.get("name").getAsString(), r.get("calls").getAsLong(), r.get("p50").getAsLong(),
          r.get("p99").getAsLong(), r.get("p999").getAsLong(), r.get("p9999").getAsLong(), r.get("max").getAsLong()));
    }
    return Optional.of(new Flood(o.get("store").getAsString(), o.get("keys").getAsLong(),
        o.get("floodThreads").getAsInt(), o.get("seconds").getAsInt(), o.get("cores").getAsInt(), rows,
        o.get("lossyEvictions").getAsLong(), o.get("exhaustedAdmitted").getAsLong()));
  }

  private static double doubleOrNaN(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
  }

  private static List<Http> http(Path file) throws IOException {
    Optional<String> tsv = text(file);
    if (tsv.isEmpty()) {
      return List.of();
    }
    Map<String, List<double[]>> runs = new LinkedHashMap<>();
    String[] lines = tsv.get().split("\n");
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split("\t");
      if (f.length < 6 || f[3].isEmpty()) {
        continue;
      }
      double requests = Double.parseDouble(f[5]);
      runs.computeIfAbsent(f[0] + "\t" + f[1], k -> new ArrayList<>())
          .add(new double[] {Double.parseDouble(f[3]), requests == 0 ? 0 : Double.parseDouble(f[4]) / requests,
              column(f, 7), column(f, 8)});
    }
    List<Http> rows = new ArrayList<>();
    runs.forEach((key, samples) -> {
      String[] k = key.split("\t");
      double[] rps = samples.stream().mapToDouble(s -> s[0]).toArray();
      double rejected = samples.stream().mapToDouble(s -> s[1]).average().orElse(0);
      rows.add(new Http(k[0], k[1], meanAndStdev(rps), rejected, rps.length, meanOfRecorded(samples, 2),
          meanOfRecorded(samples, 3)));
    });
    return rows;
  }

  /** A numeric column of a row, NaN where the row has none (files of older runs) or it is empty. */
  private static double column(String[] row, int index) {
    return index < row.length && !row[index].isBlank() ? Double.parseDouble(row[index]) : Double.NaN;
  }

  /** Mean and standard deviation of one measure over the samples, if every sample recorded it. */
  private static Optional<Score> meanOfRecorded(List<double[]> samples, int measure) {
    double[] values = samples.stream().mapToDouble(s -> s[measure]).toArray();
    for (double v : values) {
      if (Double.isNaN(v)) {
        return Optional.empty();
      }
    }
    return Optional.of(meanAndStdev(values));
  }

  /** The lowest and highest value of run-http.sh's {@code load1} column (the 7th), if any row has one. */
  private static Optional<double[]> loadRange(Path file) throws IOException {
    Optional<String> tsv = text(file);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    if (tsv.isPresent()) {
      String[] lines = tsv.get().split("\n");
      for (int i = 1; i < lines.length; i++) {
        String[] f = lines[i].split("\t");
        if (f.length >= 7 && !f[6].isEmpty()) {
          double load = Double.parseDouble(f[6]);
          min = Math.min(min, load);
          max = Math.max(max, load);
        }
      }
    }
    return min <= max ? Optional.of(new double[] {min, max}) : Optional.empty();
  }

  static Score meanAndStdev(double[] xs) {
    double mean = 0;
    for (double x : xs) {
      mean += x / xs.length;
    }
    double var = 0;
    for (double x : xs) {
      var += (x - mean) * (x - mean);
    }
    return new Score(mean, xs.length > 1 ? Math.sqrt(var / (xs.length - 1)) : 0);
  }

  private static List<Redis> redis(Path file) throws IOException {
    List<Redis> rows = new ArrayList<>();
    Optional<String> json = text(file);
    if (json.isPresent()) {
      for (JsonElement e : JsonParser.parseString(json.get()).getAsJsonObject().getAsJsonArray("rows")) {
        JsonObject r = e.getAsJsonObject();
        rows.add(new Redis(r.get("target").getAsString(), r.get("keys").getAsInt(), r.get("mode").getAsString(),
            r.get("concurrency").getAsInt(), new Score(r.get("mean").getAsDouble(), r.get("stdev").getAsDouble()),
            r.get("rejected").getAsLong(), r.get("errors").getAsLong()));
      }
    }
    return rows;
  }

  private static Map<String, Double> redisBenchmark(Path file) throws IOException {
    Map<String, Double> rows = new LinkedHashMap<>();
    Optional<String> csv = text(file);
    if (csv.isPresent()) {
      for (String line : csv.get().split("\n")) {
        String[] f = line.split(",");
        if (f.length >= 2) {
          rows.put(f[0].replace("\"", ""), Double.parseDouble(f[1].replace("\"", "")));
        }
      }
    }
    return rows;
  }

  Optional<Http> http(String variant, String load) {
    return http.stream().filter(h -> h.variant().equals(variant) && h.load().equals(load)).findFirst();
  }

  Optional<Http> httpReactive(String variant) {
    return httpReactive.stream().filter(h -> h.variant().equals(variant) && h.load().equals("open")).findFirst();
  }

  Optional<Redis> redis(String target, int keys, String mode, int concurrency) {
    return redis.stream().filter(r -> r.target().equals(target) && r.keys() == keys && r.mode().equals(mode)
        && r.concurrency() == concurrency).findFirst();
  }

  Optional<Memory> memory(String name) {
    return memory.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  Optional<Memory> memoryLarge(String name) {
    return memoryLarge.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  Optional<Flood> flood(String store) {
    return flood.stream().filter(f -> f.store().equals(store)).findFirst();
  }
}
