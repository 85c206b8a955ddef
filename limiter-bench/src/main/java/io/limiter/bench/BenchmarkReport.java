package io.limiter.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Regenerates {@code docs/benchmarks.md} and {@code docs/benchmarks.png} from one suite run's results: the JMH JSON
 * files ({@code p1.json}: one thread, {@code p2.json}: two threads, {@code p3.json} / {@code p3-t2.json}: many keys)
 * and the {@link LoadResults load results}. The page's prose is the template {@code benchmarks.md.template} next to
 * this class; every table, the target verdicts, the environment and the chart are generated. A section of the page
 * being replaced whose {@code ## } heading the template does not have is hand-written (for example measurements of a
 * part the suite cannot run on every machine) and is carried over, after the section it followed.
 *
 * <p>Usage: {@code BenchmarkReport --results <dir> --out <docs-dir> --command "<command line>" [--previous <page>]
 * [--quick]} ({@code --previous}: the page whose hand-written sections are kept, default the one in the out directory). Stateless
 * between calls of {@link #generate}; not meant for concurrent use on the same output directory.
 */
public final class BenchmarkReport {

  /** P1/P2 contenders in table order, with their labels. */
  static final Map<String, String> ONE_KEY = labels(
      "limiterBound", "Limiter `forKey(k).tryAcquire()`",
      "limiterKeyed", "Limiter `tryAcquire(k)`",
      "limiterBoundDecision", "Limiter `forKey(k).acquire()` → `Decision`",
      "bucket4j", "Bucket4j lock-free `tryConsume(1)`",
      "resilience4j", "Resilience4j `AtomicRateLimiter`",
      "guava", "Guava `tryAcquire()`",
      "atomicGcra", "AtomicLong GCRA (reference)",
      "nanoTime", "`System.nanoTime()` alone");

  /** P3 contenders. */
  static final Map<String, String> MANY_KEYS = labels(
      "limiterInMemory", "Limiter in-memory store (default: key hashes in primitive arrays)",
      "limiterInMemoryKeyStrings", "Limiter in-memory store keeping key strings",
      "limiterCaffeine", "Limiter Caffeine store",
      "bucket4jCaffeine", "Bucket4j buckets in Caffeine",
      "bucket4jMap", "Bucket4j buckets in ConcurrentHashMap",
      "keyPickOnly", "random key pick alone");

  /** P4 contenders. */
  static final Map<String, String> MEMORY = labels(
      "limiterInMemory", "Limiter in-memory store (default: key hashes in primitive arrays)",
      "limiterInMemoryKeyStrings", "Limiter in-memory store keeping key strings",
      "limiterCaffeine", "Limiter Caffeine store",
      "bucket4jMap", "Bucket4j buckets in ConcurrentHashMap",
      "bucket4jCaffeine", "Bucket4j buckets in Caffeine",
      "resilience4jMap", "Resilience4j `RateLimiter` per key in ConcurrentHashMap",
      "referenceAtomicLongMap", "ConcurrentHashMap + `AtomicLong` (reference)");

  /** P8 stores, by {@link FloodLatency}'s store argument. */
  static final Map<String, String> FLOOD = labels(
      "memory", "Limiter in-memory store (default)",
      "caffeine", "Limiter Caffeine store");

  /** P5 variants and loads. */
  static final Map<String, String> HTTP = labels(
      "bare:open", "Jetty servlet, no filter",
      "limiter:open", "+ Limiter filter, limit never reached",
      "limiter:half", "+ Limiter filter, 50% rejected",
      "bucket4j:open", "+ per-IP Bucket4j filter, limit never reached",
      "bucket4j:half", "+ per-IP Bucket4j filter, 50% rejected",
      "spring:open", "Spring MVC endpoint, no `@RateLimit`",
      "spring-ratelimit:open", "Spring MVC endpoint with `@RateLimit`");

  /** P5-R variants ({@link ReactiveTarget}). */
  static final Map<String, String> HTTP_REACTIVE = labels(
      "webflux", "WebFlux endpoint on Netty, no filter",
      "webflux-limiter", "+ Limiter `WebFilter`, limit never reached (in-memory store)",
      "gateway-redis", "Gateway route, the gateway's `RedisRateLimiter`, limit never reached",
      "gateway-limiter", "Gateway route, Limiter's `LimiterRateLimiter` on its Redis store, limit never reached");

  /** Redis targets. */
  static final Map<String, String> REDIS = labels(
      "limiter", "Limiter Redis store",
      "limiter-single", "Limiter Redis store, coalescing off",
      "bucket4j", "Bucket4j Lettuce (CAS) proxy manager",
      "get", "plain Lettuce `GET`, same harness and threads (floor)");

  private final Optional<JmhResults> p1;
  private final Optional<JmhResults> p2;
  private final Optional<JmhResults> p3;
  private final Optional<JmhResults> p3t2;
  private final LoadResults load;
  private final Map<String, String> environment;

  private BenchmarkReport(Path results) throws IOException {
    this.p1 = JmhResults.read(results.resolve("p1.json"));
    this.p2 = JmhResults.read(results.resolve("p2.json"));
    this.p3 = JmhResults.read(results.resolve("p3.json"));
    this.p3t2 = JmhResults.read(results.resolve("p3-t2.json"));
    this.load = LoadResults.read(results);
    this.environment = readProperties(results.resolve("environment.txt"));
  }

  /**
   * @param args {@code --results <dir> --out <docs-dir> --command "<command>" [--previous <page>] [--quick]}; or
   *     {@code --p5r <dir>} / {@code --redis <dir>}: print P5-R's or P6/P7's table and target rows from the results
   *     of {@code run-reactive.sh} / {@code run-redis.sh} alone
   * @throws IOException if results cannot be read or the page cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length == 2 && args[0].equals("--p5r")) {
      // run-reactive.sh: P5-R's table and target rows from one results directory, for a session of P5-R alone
      BenchmarkReport report = new BenchmarkReport(Path.of(args[1]));
      System.out.println(report.httpReactive());
      System.out.println();
      System.out.println(report.reactiveTargets(new StringBuilder("| # | measure | this run | target | verdict |\n"
          + "|---|---|---|---|---|\n")));
      return;
    }
    if (args.length == 2 && args[0].equals("--redis")) {
      // run-redis.sh alone: P6/P7's table and target rows from its results directory, for a session of P6/P7 alone
      BenchmarkReport report = new BenchmarkReport(Path.of(args[1]));
      System.out.println(report.redis());
      System.out.println();
      System.out.println(report.redisTargets(new StringBuilder("| # | measure | this run | target | verdict |\n"
          + "|---|---|---|---|---|\n")));
      return;
    }
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        opts.put("quick", "true");
      } else if (i + 1 < args.length) {
        opts.put(args[i].substring(2), args[++i]);
      }
    }
    Path results = Path.of(opts.getOrDefault("results", "limiter-bench/target/results"));
    Path out = Path.of(opts.getOrDefault("out", "docs"));
    generate(results, out, opts.getOrDefault("command", "bash limiter-bench/run.sh"), opts.containsKey("quick"),
        Path.of(opts.getOrDefault("previous", out.resolve("benchmarks.md").toString())));
    System.out.println("wrote " + out.resolve("benchmarks.md") + " and " + out.resolve("benchmarks.png"));
  }

  /**
   * Writes {@code benchmarks.md} and {@code benchmarks.png} into {@code out}.
   *
   * @param results the suite's result directory
   * @param out the docs directory
   * @param command the command that ran the suite, as stated on the page
   * @param quick whether the run used the quick (harness check) settings
   * @throws IOException if reading or writing fails
   */
  public static void generate(Path results, Path out, String command, boolean quick) throws IOException {
    generate(results, out, command, quick, out.resolve("benchmarks.md"));
  }

  /**
   * As {@link #generate(Path, Path, String, boolean)}, carrying the hand-written sections over from {@code previous}
   * (the page being replaced; a missing file has none).
   *
   * @param previous the page whose hand-written sections the new page keeps
   * @throws IOException if reading or writing fails
   */
  public static void generate(Path results, Path out, String command, boolean quick, Path previous)
      throws IOException {
    BenchmarkReport report = new BenchmarkReport(results);
    Files.createDirectories(out);
    Map<String, String> sections = new LinkedHashMap<>();
    sections.put("environment", report.environment(command, quick));
    String targets = report.targets();
    sections.put("targets", targets);
    sections.put("p1", report.oneKey(report.p1));
    sections.put("p2", report.oneKey(report.p2));
    sections.put("p3", report.manyKeys());
    sections.put("p4", report.memory());
    sections.put("p8", report.flood());
    sections.put("p5", report.http());
    sections.put("p5r", report.httpReactive());
    sections.put("redis", report.redis());
    String page = template();
    for (Map.Entry<String, String> e : sections.entrySet()) {
      page = page.replace("{{" + e.getKey() + "}}", e.getValue().strip());
    }
    if (Files.isRegularFile(previous)) {
      page = keepHandWritten(page, Files.readString(previous, StandardCharsets.UTF_8));
    }
    Files.writeString(out.resolve("benchmarks.md"), page, StandardCharsets.UTF_8);
    new ReportChart(report.p1, report.p2, report.p3, report.load).write(out.resolve("benchmarks.png"));
  }

  /**
   * The generated page with every section of {@code previous} whose heading it lacks, each after the section it
   * followed there (or, if none of those is left, at the end).
   */
  static String keepHandWritten(String page, String previous) {
    List<String[]> old = sections(previous);
    List<String[]> sections = sections(page);
    List<String> headings = new ArrayList<>();
    sections.forEach(sec -> headings.add(sec[0]));
    String after = null; // the heading of the last generated section seen in the old page
    int inserted = 0; // hand-written sections already inserted after it
    for (String[] sec : old) {
      if (sec[0].isEmpty() || headings.contains(sec[0])) {
        after = sec[0].isEmpty() ? null : sec[0];
        inserted = 0;
        continue;
      }
      int at = after == null ? sections.size() : indexOf(sections, after) + 1 + inserted;
      sections.add(Math.min(at, sections.size()), sec);
      inserted++;
    }
    StringBuilder sb = new StringBuilder();
    sections.forEach(sec -> sb.append(sec[1]));
    return sb.toString();
  }

  private static int indexOf(List<String[]> sections, String heading) {
    for (int i = 0; i < sections.size(); i++) {
      if (sections.get(i)[0].equals(heading)) {
        return i;
      }
    }
    return sections.size() - 1;
  }

  /** The page cut before each {@code ## } heading: {heading, text}; the text before the first has heading "". */
  private static List<String[]> sections(String page) {
    List<String[]> sections = new ArrayList<>();
    String heading = "";
    StringBuilder text = new StringBuilder();
    boolean fenced = false;
    for (String line : page.split("(?<=\n)")) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      }
      if (!fenced && line.startsWith("## ")) {
        sections.add(new String[] {heading, text.toString()});
        heading = line.strip();
        text.setLength(0);
      }
      text.append(line);
    }
    sections.add(new String[] {heading, text.toString()});
    return sections;
  }

  private static String template() throws IOException {
    try (InputStream in = BenchmarkReport.class.getResourceAsStream("benchmarks.md.template")) {
      if (in == null) {
        throw new IllegalStateException("benchmarks.md.template is missing from the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Map<String, String> readProperties(Path file) throws IOException {
    Map<String, String> map = new LinkedHashMap<>();
    if (Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          map.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    }
    return map;
  }

  // ---- sections --------------------------------------------------------------------------------------------------

  private boolean empty() {
    return p1.isEmpty() && p2.isEmpty() && p3.isEmpty() && p3t2.isEmpty() && load.memory.isEmpty()
        && load.memoryLarge.isEmpty() && load.flood.isEmpty() && load.http.isEmpty() && load.httpReactive.isEmpty() && load.redis.isEmpty() && load.redisBenchmark.isEmpty();
  }

  private String environment(String command, boolean quick) {
    if (empty()) {
      return "**No results yet.** Run `bash limiter-bench/run.sh` on an otherwise idle machine to fill every table"
          + " below and the chart.";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("| | |\n|---|---|\n");
    row(sb, "date", environment.getOrDefault("date",
        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)));
    row(sb, "command", "`" + command + "`");
    row(sb, "machine", environment.getOrDefault("nproc", String.valueOf(Runtime.getRuntime().availableProcessors()))
        + " cores (`nproc`), " + environment.getOrDefault("cpu", cpuModel()) + ", "
        + environment.getOrDefault("memory", "?") + " memory");
    row(sb, "load average before / after", environment.getOrDefault("loadBefore", "?") + " / "
        + environment.getOrDefault("loadAfter", "?"));
    row(sb, "JDK", p1.map(JmhResults::jvm).orElse(System.getProperty("java.vm.name") + " "
        + System.getProperty("java.version")));
    row(sb, "OS", environment.getOrDefault("os", System.getProperty("os.name") + " " + System.getProperty("os.version")));
    if (!load.redisVersion.isEmpty()) {
      row(sb, "Redis", load.redisVersion + " on loopback");
    }
    if (environment.containsKey("wrk")) {
      row(sb, "wrk", environment.get("wrk"));
    }
    if (quick) {
      sb.append("\n**Quick mode: every benchmark ran for a fraction of a second to check the harness. These numbers"
          + " are not results; run the command without `--quick` to publish.**\n");
    }
    if (environment.containsKey("skipped")) {
      sb.append("\nNot run: ").append(environment.get("skipped")).append('\n');
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, String name, String value) {
    sb.append("| ").append(name).append(" | ").append(value).append(" |\n");
  }

  /** The target table: each target's ratio from this run, and whether it is met. */
  String targets() {
    StringBuilder sb = new StringBuilder("| # | measure | this run | target | verdict |\n|---|---|---|---|---|\n");
    Function<String, Optional<Score>> one = m -> p1.flatMap(r -> r.score(m, "allow"));
    target(sb, "P1", "one key, 1 thread, allow: Limiter bound ÷ Bucket4j",
        ratio(one.apply("limiterBound"), one.apply("bucket4j")), 1.3, true, "×");
    target(sb, "P1", "one key, 1 thread, allow: Limiter bound ÷ AtomicLong GCRA",
        ratio(one.apply("limiterBound"), one.apply("atomicGcra")), 0.9, true, "×");
    Function<String, Optional<Score>> two = m -> p2.flatMap(r -> r.score(m, "allow"));
    target(sb, "P2", "one key, 2 threads, allow: Limiter bound ÷ Bucket4j",
        ratio(two.apply("limiterBound"), two.apply("bucket4j")), 3, true, "×");
    Function<String, Optional<Score>> many = m -> p3.flatMap(r -> r.score(m, "allow"));
    target(sb, "P3", "100k keys, 1 thread: Limiter Caffeine store ÷ Bucket4j in Caffeine",
        ratio(many.apply("limiterCaffeine"), many.apply("bucket4jCaffeine")), 2, true, "×");
    target(sb, "P3", "100k keys, 1 thread: Limiter in-memory store ÷ Bucket4j in ConcurrentHashMap",
        ratio(many.apply("limiterInMemory"), many.apply("bucket4jMap")), 1.5, true, "×");
    List<LoadResults.Memory> largest = load.memoryLarge.isEmpty() ? load.memory : load.memoryLarge;
    long largestKeys = largest.isEmpty() ? 10_000_000 : largest.get(0).keys();
    Function<String, Optional<Score>> allIn = m -> largest.stream().filter(r -> r.name().equals(m)).findFirst()
        .map(r -> new Score(r.heapWithKeys(), 0));
    target(sb, "P4", String.format(Locale.ROOT, "bytes per key all in at %,d keys: in-memory store (default)",
        largestKeys), allIn.apply("limiterInMemory"), 48, false, "B");
    target(sb, "P4", String.format(Locale.ROOT, "bytes per key all in at %,d keys: Caffeine store (no target; "
        + "stated)", largestKeys), allIn.apply("limiterCaffeine"), Double.NaN, false, "B");
    Optional<Score> bare = load.http("bare", "open").map(LoadResults.Http::requestsPerSecond);
    Optional<Score> ours = load.http("limiter", "open").map(LoadResults.Http::requestsPerSecond);
    Optional<Score> b4j = load.http("bucket4j", "open").map(LoadResults.Http::requestsPerSecond);
    target(sb, "P5", "HTTP, limit not reached: Limiter filter ÷ no filter", ratio(ours, bare), 0.95, true, "×");
    target(sb, "P5", "HTTP, limit not reached: Limiter filter ÷ Bucket4j filter", ratio(ours, b4j), 1.0, true, "×");
    reactiveTargets(sb);
    redisTargets(sb);
    for (Map.Entry<String, String> store : FLOOD.entrySet()) {
      Optional<LoadResults.Flood> flood = load.flood(store.getKey());
      String control = flood.flatMap(f -> f.row("control"))
          .map(c -> String.format(Locale.ROOT, " (control p99.9: %s)", micros(c.p999()))).orElse("");
      target(sb, "P8", store.getValue() + " under a flood of new keys: existing key p99.9" + control,
          flood.flatMap(f -> f.row("existing")).map(r -> new Score(r.p999() / 1000.0, 0)), 50, false, "µs");
      target(sb, "P8", store.getValue() + " under a flood of new keys: new key p99.9" + control,
          flood.flatMap(f -> f.row("new")).map(r -> new Score(r.p999() / 1000.0, 0)), 1000, false, "µs");
    }
    return sb.toString();
  }

  private long memoryKeys() {
    return load.memory.isEmpty() ? 1_000_000 : load.memory.get(0).keys();
  }

  private static Optional<Score> ratio(Optional<Score> a, Optional<Score> b) {
    return a.isPresent() && b.isPresent() ? Optional.of(a.get().over(b.get())) : Optional.empty();
  }

  private static void target(StringBuilder sb, String id, String measure, Optional<Score> value, double threshold,
      boolean higherIsBetter, String unit) {
    String shown;
    String verdict;
    if (value.isEmpty()) {
      shown = "not measured";
      verdict = "—";
    } else {
      Score s = value.get();
      int decimals = unit.equals("×") ? 2 : 0;
      shown = unit.equals("×") ? s.format(decimals) + "×" : s.format(decimals) + " " + unit;
      if (Double.isNaN(threshold)) {
        verdict = "—";
      } else {
        boolean met = higherIsBetter ? s.value() >= threshold : s.value() <= threshold;
        verdict = met ? "met" : "**missed**";
      }
    }
    String goal = Double.isNaN(threshold) ? "—" : (higherIsBetter ? "≥ " : "≤ ")
        + (unit.equals("×") ? trim(threshold) + "×" : String.format(Locale.ROOT, "%,.0f %s", threshold, unit));
    sb.append("| ").append(id).append(" | ").append(measure).append(" | ").append(shown).append(" | ")
        .append(goal).append(" | ").append(verdict).append(" |\n");
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private String oneKey(Optional<JmhResults> results) {
    if (results.isEmpty()) {
      return "_Not measured in this run._";
    }
    JmhResults r = results.get();
    StringBuilder sb = new StringBuilder();
    sb.append("Throughput in ").append(r.unit()).append(" (all threads together, ").append(r.threads())
        .append(r.threads() == 1 ? " thread" : " threads")
        .append("); ± is JMH's 99.9% confidence half-width. Ratios are to the same path's row.\n\n");
    sb.append("| contender | allow | deny | allow ÷ Bucket4j | allow ÷ GCRA ref | deny ÷ Bucket4j |\n");
    sb.append("|---|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, String> c : ONE_KEY.entrySet()) {
      Optional<Score> allow = r.score(c.getKey(), "allow");
      Optional<Score> deny = r.score(c.getKey(), "deny");
      if (allow.isEmpty() && deny.isEmpty()) {
        continue;
      }
      sb.append("| ").append(c.getValue()).append(" | ").append(fmt(allow, 2)).append(" | ").append(fmt(deny, 2))
          .append(" | ").append(fmtRatio(ratio(allow, r.score("bucket4j", "allow"))))
          .append(" | ").append(fmtRatio(ratio(allow, r.score("atomicGcra", "allow"))))
          .append(" | ").append(fmtRatio(ratio(deny, r.score("bucket4j", "deny")))).append(" |\n");
    }
    return sb.toString();
  }

  private String manyKeys() {
    if (p3.isEmpty() && p3t2.isEmpty()) {
      return "_Not measured in this run._";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Throughput in ").append(p3.or(() -> p3t2).get().unit())
        .append("; ± is JMH's 99.9% confidence half-width. The ratio column compares each Limiter store with the"
            + " Bucket4j structure of the same kind (Caffeine ÷ Caffeine, in-memory ÷ ConcurrentHashMap).\n\n");
    sb.append("| contender | 1 thread allow | 1 thread deny | 2 threads allow | 2 threads deny"
        + " | 1 thread allow ratio |\n");
    sb.append("|---|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, String> c : MANY_KEYS.entrySet()) {
      String m = c.getKey();
      Optional<Score> a1 = p3.flatMap(r -> r.score(m, "allow"));
      String peer = m.equals("limiterCaffeine") ? "bucket4jCaffeine" : m.equals("limiterInMemory") ? "bucket4jMap"
          : null;
      String ratio = peer == null ? "" : fmtRatio(ratio(a1, p3.flatMap(r -> r.score(peer, "allow"))));
      sb.append("| ").append(c.getValue())
          .append(" | ").append(fmt(a1, 3))
          .append(" | ").append(fmt(p3.flatMap(r -> r.score(m, "deny")), 3))
          .append(" | ").append(fmt(p3t2.flatMap(r -> r.score(m, "allow")), 3))
          .append(" | ").append(fmt(p3t2.flatMap(r -> r.score(m, "deny")), 3))
          .append(" | ").append(ratio).append(" |\n");
    }
    return sb.toString();
  }

  private String memory() {
    if (load.memory.isEmpty() && load.memoryLarge.isEmpty()) {
      return "_Not measured in this run._";
    }
    Optional<LoadResults.Memory> first = load.memory.stream().findFirst();
    Optional<LoadResults.Memory> large = load.memoryLarge.stream().findFirst();
    String small = first.map(m -> String.format(Locale.ROOT, "%,d keys", m.keys())).orElse("—");
    String big = large.map(m -> String.format(Locale.ROOT, "%,d keys", m.keys())).orElse("(not run)");
    long jolKeys = first.map(LoadResults.Memory::jolKeys).orElse(0L);
    StringBuilder sb = new StringBuilder();
    sb.append("Bytes per tracked key. **All in**: used heap after a full GC, full minus empty, key strings included"
        + " where the store keeps them (the default in-memory store keeps a 128-bit hash, so the caller's strings are"
        + " garbage after the decision). Without key strings: the same delta, the strings not counted. JOL: the"
        + " reachable object graph, full minus empty, all in.\n\n");
    sb.append("| contender | all in, ").append(small).append(" | all in, ").append(big)
        .append(" | without key strings, ").append(small).append(" | JOL all in, ")
        .append(jolKeys > 0 ? String.format(Locale.ROOT, "%,d keys", jolKeys) : "—").append(" |\n");
    sb.append("|---|---:|---:|---:|---:|\n");
    for (Map.Entry<String, String> c : MEMORY.entrySet()) {
      Optional<LoadResults.Memory> m = load.memory(c.getKey());
      Optional<LoadResults.Memory> l = load.memoryLarge(c.getKey());
      if (m.isEmpty() && l.isEmpty()) {
        continue;
      }
      sb.append("| ").append(c.getValue())
          .append(" | ").append(m.map(x -> one(x.heapWithKeys())).orElse("—"))
          .append(" | ").append(l.map(x -> one(x.heapWithKeys())).orElse("—"))
          .append(" | ").append(m.map(x -> one(x.heapWithoutKeys())).orElse("—"))
          .append(" | ").append(m.map(x -> one(x.jolWithKeys())).orElse("—")).append(" |\n");
    }
    return sb.toString();
  }

  private static String one(double bytes) {
    return Double.isNaN(bytes) ? "—" : String.format(Locale.ROOT, "%.1f", bytes);
  }

  private String flood() {
    if (load.flood.isEmpty()) {
      return "_Not measured in this run._";
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> store : FLOOD.entrySet()) {
      load.flood(store.getKey()).ifPresent(f -> {
        sb.append(String.format(Locale.ROOT, "**%s**: %,d keys, %d flooding threads, %d s measured on %d cores;"
            + " lossy evictions %,d; exhausted clients admitted: %d (must be 0).%n%n", store.getValue(), f.keys(),
            f.floodThreads(), f.seconds(), f.cores(), f.lossyEvictions(), f.exhaustedAdmitted()));
        sb.append("| decision | calls | p50 | p99 | p99.9 | p99.99 | max |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (LoadResults.FloodRow r : f.rows()) {
          String what = switch (r.name()) {
            case "existing" -> "existing key (exhausted client)";
            case "new" -> "new key (insert past the bound)";
            case "control" -> "control: arithmetic as long as a median new-key decision (the machine's tail)";
            default -> r.name();
          };
          sb.append("| ").append(what).append(String.format(Locale.ROOT, " | %,d", r.calls()));
          for (long nanos : new long[] {r.p50(), r.p99(), r.p999(), r.p9999()}) {
            // FloodLatency counts up to its last bucket: a percentile there is at least that long
            sb.append(" | ").append(nanos >= FloodLatency.Recorder.LIMIT && r.max() > nanos ? "≥ " : "")
                .append(micros(nanos));
          }
          sb.append(" | ").append(micros(r.max()));
          sb.append(" |\n");
        }
        sb.append('\n');
      });
    }
    return sb.toString();
  }

  private static String micros(long nanos) {
    return String.format(Locale.ROOT, "%,.1f µs", nanos / 1000.0);
  }

  private String http() {
    if (load.http.isEmpty()) {
      return "_Not measured in this run._";
    }
    Optional<Score> bare = load.http("bare", "open").map(LoadResults.Http::requestsPerSecond);
    Optional<Score> spring = load.http("spring", "open").map(LoadResults.Http::requestsPerSecond);
    StringBuilder sb = new StringBuilder();
    int runs = load.http.get(0).runs();
    sb.append("Requests per second, mean ± standard deviation over ").append(runs)
        .append(runs == 1 ? " run" : " runs").append(" of `wrk`, each on a freshly started server, the variants taking "
            + "turns. Rejected: share of non-2xx responses.\n\n");
    sb.append("| server | req/s | ÷ same server without limiter | rejected |\n|---|---:|---:|---:|\n");
    for (Map.Entry<String, String> c : HTTP.entrySet()) {
      String[] k = c.getKey().split(":");
      load.http(k[0], k[1]).ifPresent(h -> {
        Optional<Score> base = k[0].startsWith("spring") ? spring : bare;
        sb.append("| ").append(c.getValue()).append(" | ").append(h.requestsPerSecond().format(0)).append(" | ")
            .append(fmtRatio(ratio(Optional.of(h.requestsPerSecond()), base))).append(" | ")
            .append(String.format(Locale.ROOT, "%.0f%%", h.rejectedShare() * 100)).append(" |\n");
      });
    }
    return sb.toString();
  }

  /** Appends P6's and P7's targets (those measured) to a target table. */
  private String redisTargets(StringBuilder sb) {
    Optional<Score> ourHot = load.redis("limiter", 1, "sync", 8).map(LoadResults.Redis::decisionsPerSecond);
    Optional<Score> ourMany = load.redis("limiter", 10_000, "sync", 8).map(LoadResults.Redis::decisionsPerSecond);
    Optional<Score> b4jHot = load.redis("bucket4j", 1, "sync", 8).map(LoadResults.Redis::decisionsPerSecond);
    target(sb, "P6", "Redis, one hot key, 8 threads sync: Limiter ÷ Bucket4j", ratio(ourHot, b4jHot), 10, true, "×");
    // the GET floor: redis-benchmark's (8 clients) when it ran, else the harness's own GET with the same client stack
    // and the same 8 threads (run-redis.sh measures it interleaved with the other targets)
    Optional<Score> benchmarkGet = Optional.ofNullable(load.redisBenchmark.get("GET c=8")).map(v -> new Score(v, 0));
    String floor = benchmarkGet.isPresent() ? "redis-benchmark GET (8 clients)" : "Lettuce GET, same harness";
    target(sb, "P6", "Redis, one hot key, 8 threads sync: Limiter ÷ " + floor, ratio(ourHot, benchmarkGet.or(() ->
        load.redis("get", 1, "sync", 8).map(LoadResults.Redis::decisionsPerSecond))), 1.0, true, "×");
    target(sb, "P6", "Redis, 10,000 keys, 8 threads sync: Limiter ÷ " + floor, ratio(ourMany, benchmarkGet.or(() ->
        load.redis("get", 10_000, "sync", 8).map(LoadResults.Redis::decisionsPerSecond))), 1.0, true, "×");
    Optional<Score> async = load.redis.stream()
        .filter(r -> r.target().equals("limiter") && r.mode().equals("async"))
        .map(LoadResults.Redis::decisionsPerSecond)
        .max((a, b) -> Double.compare(a.value(), b.value()));
    target(sb, "P7", "Redis async from one JVM, decisions/s (best of hot key / many keys)", async, 150_000, true,
        "/s");
    return sb.toString();
  }

  /** Appends P5-R's two targets (when measured) to a target table. */
  private String reactiveTargets(StringBuilder sb) {
    Function<String, Optional<Score>> rps = v -> load.httpReactive(v).map(LoadResults.Http::requestsPerSecond);
    if (load.httpReactive.isEmpty()) {
      return sb.toString();
    }
    target(sb, "P5-R", "WebFlux on Netty, limit not reached: Limiter `WebFilter` ÷ no filter",
        ratio(rps.apply("webflux-limiter"), rps.apply("webflux")), 0.95, true, "×");
    target(sb, "P5-R", "Gateway route on Redis, limit not reached: `LimiterRateLimiter` ÷ gateway's `RedisRateLimiter`",
        ratio(rps.apply("gateway-limiter"), rps.apply("gateway-redis")), 1.0, true, "×");
    return sb.toString();
  }

  private String httpReactive() {
    if (load.httpReactive.isEmpty()) {
      return "_Not measured in this run._";
    }
    StringBuilder sb = new StringBuilder();
    int runs = load.httpReactive.get(0).runs();
    sb.append("Requests per second, mean ± standard deviation over ").append(runs)
        .append(runs == 1 ? " run" : " runs").append(" of `wrk`, each on a freshly started server, the variants taking "
            + "turns");
    load.httpReactiveLoad.ifPresent(l -> sb.append(String.format(Locale.ROOT,
        "; one-minute load average %.1f to %.1f after the runs", l[0], l[1])));
    sb.append(". CPU per request: user + system CPU time of the server's JVM (the gateway's backend included) and of "
        + "`redis-server` during a run, divided by the requests it answered; a busy machine changes it far less than "
        + "the rate. Baseline: the endpoint without filter for the WebFlux rows, the gateway's own `RedisRateLimiter` "
        + "for the gateway rows. Rejected: share of non-2xx responses.\n\n");
    sb.append("| server | req/s | ÷ baseline | CPU per request: server | Redis | CPU (server + Redis) ÷ baseline "
        + "| rejected |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, String> c : HTTP_REACTIVE.entrySet()) {
      load.httpReactive(c.getKey()).ifPresent(h -> {
        String base = c.getKey().startsWith("gateway") ? "gateway-redis" : "webflux";
        Optional<LoadResults.Http> b = load.httpReactive(base);
        sb.append("| ").append(c.getValue()).append(" | ").append(h.requestsPerSecond().format(0)).append(" | ")
            .append(fmtRatio(ratio(Optional.of(h.requestsPerSecond()), b.map(LoadResults.Http::requestsPerSecond))))
            .append(" | ").append(h.serverCpuMicros().map(m -> m.format(1) + " µs").orElse("–"))
            .append(" | ").append(h.redisCpuMicros().map(m -> m.format(1) + " µs").orElse("–"))
            .append(" | ").append(fmtRatio(ratio(cpu(Optional.of(h)), cpu(b))))
            .append(" | ").append(String.format(Locale.ROOT, "%.0f%%", h.rejectedShare() * 100)).append(" |\n");
      });
    }
    return sb.toString();
  }

  /** CPU per request of a P5-R row: the server's plus its Redis's, where recorded. */
  private static Optional<Score> cpu(Optional<LoadResults.Http> row) {
    return row.flatMap(LoadResults.Http::serverCpuMicros)
        .map(server -> row.flatMap(LoadResults.Http::redisCpuMicros).map(server::plus).orElse(server));
  }

  private String redis() {
    if (load.redis.isEmpty() && load.redisBenchmark.isEmpty()) {
      return "_Not measured in this run._";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Decisions per second, mean ± standard deviation of one-second samples. `syncN`: N threads, one"
        + " blocking decision each; `asyncN`: one thread keeping N decisions in flight.\n\n");
    List<String> modes = new ArrayList<>();
    for (LoadResults.Redis r : load.redis) {
      String mode = r.mode() + r.concurrency();
      if (!modes.contains(mode)) {
        modes.add(mode);
      }
    }
    sb.append("| target | keys |");
    modes.forEach(m -> sb.append(' ').append(m).append(" |"));
    sb.append("\n|---|---:|");
    modes.forEach(m -> sb.append("---:|"));
    sb.append('\n');
    for (Map.Entry<String, String> t : REDIS.entrySet()) {
      for (int keys : new int[] {1, 10_000}) {
        if (load.redis.stream().noneMatch(r -> r.target().equals(t.getKey()) && r.keys() == keys)) {
          continue;
        }
        sb.append("| ").append(t.getValue()).append(" | ").append(String.format(Locale.ROOT, "%,d", keys))
            .append(" |");
        for (String mode : modes) {
          String kind = mode.startsWith("async") ? "async" : "sync";
          int n = Integer.parseInt(mode.substring(kind.length()));
          sb.append(' ').append(load.redis(t.getKey(), keys, kind, n)
              .map(r -> r.decisionsPerSecond().format(0) + (r.errors() > 0 ? " (" + r.errors() + " errors)" : ""))
              .orElse("—")).append(" |");
        }
        sb.append('\n');
      }
    }
    if (load.redisBenchmark.isEmpty()) {
      sb.append("\n`redis-benchmark` was not installed: the GET floor of the P6 targets is the plain Lettuce `GET` "
          + "rows above, measured by the same harness with the same client stack and thread counts, interleaved with "
          + "the other targets.\n");
    } else {
      sb.append("\n`redis-benchmark` on the same server, without pipelining (`GET`, and `EVALSHA` of Limiter's "
          + "token-bucket script on one hot key, the most decisions one Redis server makes): ");
      List<String> parts = new ArrayList<>();
      load.redisBenchmark.forEach((k, v) -> parts.add(String.format(Locale.ROOT, "%s: %,.0f req/s", k, v)));
      sb.append(String.join("; ", parts)).append(".\n");
    }
    return sb.toString();
  }

  private static String fmt(Optional<Score> s, int decimals) {
    return s.map(x -> x.format(decimals)).orElse("—");
  }

  private static String fmtRatio(Optional<Score> s) {
    return s.map(x -> x.format(2) + "×").orElse("—");
  }

  private static Map<String, String> labels(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux: fall through
    }
    return System.getProperty("os.arch");
  }
}
