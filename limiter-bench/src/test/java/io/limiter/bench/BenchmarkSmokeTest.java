package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import io.limiter.core.LimitSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Keeps the benchmark suite from rotting without running it: every JMH benchmark runs in-process for a few
 * milliseconds (its setup checks that each library allows or denies as the path requires), the memory probe runs on a
 * few thousand keys, every HTTP target serves and rejects, and the report is generated from these results. Nothing
 * here measures speed.
 */
class BenchmarkSmokeTest {

  @TempDir
  static Path results;

  private static Collection<RunResult> oneKey;
  private static Collection<RunResult> manyKeys;

  @BeforeAll
  static void runEveryBenchmarkBriefly() throws Exception {
    oneKey = jmh(OneKeyBenchmark.class, "p1.json");
    manyKeys = jmh(ManyKeysBenchmark.class, "p3.json");
  }

  private static Collection<RunResult> jmh(Class<?> benchmark, String json) throws Exception {
    Options options = new OptionsBuilder()
        .include(benchmark.getName() + "\\.")
        .forks(0)
        .threads(2)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(20))
        .param("keys", "1000")
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .resultFormat(ResultFormatType.JSON)
        .result(results.resolve(json).toString())
        .build();
    return new Runner(options).run();
  }

  @Test
  void everyOneKeyBenchmarkRunsOnBothPaths() {
    assertThat(measured(oneKey)).containsExactlyInAnyOrderElementsOf(expected(BenchmarkReport.ONE_KEY.keySet()));
    assertThat(oneKey).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
  }

  @Test
  void everyManyKeysBenchmarkRunsOnBothPaths() {
    assertThat(measured(manyKeys)).containsExactlyInAnyOrderElementsOf(expected(BenchmarkReport.MANY_KEYS.keySet()));
    assertThat(manyKeys).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
  }

  private static Set<String> measured(Collection<RunResult> results) {
    Set<String> names = new TreeSet<>();
    for (RunResult r : results) {
      String benchmark = r.getParams().getBenchmark();
      names.add(benchmark.substring(benchmark.lastIndexOf('.') + 1) + "/" + r.getParams().getParam("path"));
    }
    return names;
  }

  private static Set<String> expected(Set<String> methods) {
    Set<String> names = new TreeSet<>();
    for (String m : methods) {
      names.add(m + "/allow");
      names.add(m + "/deny");
    }
    return names;
  }

  @Test
  void floodLatencyHarnessRunsAndTheFloodFreesNoExhaustedClient() throws Exception {
    for (String kind : List.of("memory", "caffeine")) {
      String table = FloodLatency.run(20_000, 2, 1, kind, new java.util.LinkedHashMap<>());
      assertThat(table).contains("| existing key", "| new key", "exhausted clients admitted: 0");
    }
  }

  @Test
  void memoryProbeCountsEveryContender() {
    List<MemoryFootprint.Row> rows = MemoryFootprint.measure(4000, 2000);
    assertThat(rows).extracting(MemoryFootprint.Row::name)
        .containsExactlyElementsOf(BenchmarkReport.MEMORY.keySet());
    assertThat(rows).allSatisfy(row -> {
      assertThat(row.jolWithoutKeys()).isPositive();
      if (row.name().equals("limiterInMemory")) { // keeps a hash, not the key strings: all in is the same
        // 2,000 keys of the default bound (1M) sit mostly one per stripe, each paying its stripe's lock and first
        // array (docs/core.md); the 48 bytes per key hold once the store fills, which run.sh's P4 measures
        assertThat(row.jolWithKeys()).isEqualTo(row.jolWithoutKeys()).isLessThanOrEqualTo(256);
      } else {
        assertThat(row.jolWithKeys()).isGreaterThan(row.jolWithoutKeys());
      }
      assertThat(row.heapWithoutKeys()).isFinite();
    });
  }

  @Test
  void everyHttpTargetServesAndEveryFilterRejectsTheExhaustedPath() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    for (String variant : HttpTarget.VARIANTS.keySet()) {
      try (HttpTarget target = HttpTarget.start(variant, 0)) {
        HttpResponse<String> hello = get(client, target, "/hello");
        assertThat(hello.statusCode()).as(variant).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello\n");
        int first = get(client, target, "/limited").statusCode();
        int second = get(client, target, "/limited").statusCode();
        assertThat(first).as(variant + " first /limited").isEqualTo(200);
        assertThat(second).as(variant + " second /limited").isEqualTo(variant.equals("bare") ? 200 : 429);
      }
    }
    assertThat(HttpTarget.runs()).contains("bare:open").doesNotContain("bare:half");
  }

  @Test
  void springTargetServesBothEndpointsAndRateLimitsOnlyTheAnnotatedOne() throws Exception {
    assertThat(LimitSpec.parse(SpringTarget.NEVER_REACHED).limits())
        .containsExactlyElementsOf(LimitShape.BOTTOMLESS.policy().limits());
    HttpClient client = HttpClient.newHttpClient();
    try (ConfigurableApplicationContext context = SpringTarget.start(0)) {
      int port = SpringTarget.port(context);
      HttpResponse<String> plain = get(client, port, SpringTarget.path("spring"));
      HttpResponse<String> rated = get(client, port, SpringTarget.path("spring-ratelimit"));
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.body()).isEqualTo("hello\n");
      assertThat(plain.headers().firstValue("RateLimit")).isEmpty();
      assertThat(rated.statusCode()).isEqualTo(200);
      assertThat(rated.body()).isEqualTo("hello\n");
      assertThat(rated.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).startsWith("\"rated\""));
    }
    assertThat(HttpTarget.runs()).contains("spring:open", "spring-ratelimit:open");
  }

  private static HttpResponse<String> get(HttpClient client, HttpTarget target, String path) throws Exception {
    return get(client, target.port(), path);
  }

  private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void aMemoryRunWithoutJolSamplesWritesReadableJson(@TempDir Path dir) throws Exception {
    // run.sh's 10,000,000-key run takes no JOL sample (0 keys): its JOL columns are NaN, which JSON cannot hold
    MemoryFootprint.main(new String[] {"2000", "0", dir.resolve("memory-10m.json").toString(), "limiterInMemory"});
    LoadResults read = LoadResults.read(dir);
    assertThat(read.memoryLarge).singleElement().satisfies(row -> {
      assertThat(row.jolWithKeys()).isNaN();
      assertThat(row.heapWithKeys()).isFinite();
    });
  }

  @Test
  void reportIsGeneratedFromTheResults(@TempDir Path docs) throws Exception {
    MemoryFootprint.main(new String[] {"2000", "1000", results.resolve("memory.json").toString()});
    FloodLatency.main(new String[] {"20000", "2", "1", "caffeine", results.resolve("flood-caffeine.json").toString()});
    Path previous = docs.resolve("previous.md");
    Files.writeString(previous, "# Benchmarks\n\n## P4 — memory per tracked key\n\nold table\n\n"
        + "## Measured by hand\n\n<!-- command -->\n```\n## not a heading\n```\n\n## P5 — HTTP\n\nold\n");
    BenchmarkReport.generate(results, docs, "smoke test", true, previous);

    String page = Files.readString(docs.resolve("benchmarks.md"), StandardCharsets.UTF_8);
    assertThat(page).doesNotContain("{{")
        .contains("Quick mode")
        .contains("| Limiter `forKey(k).tryAcquire()` |")
        .contains("| Bucket4j buckets in Caffeine |")
        .contains("| Resilience4j `RateLimiter` per key in ConcurrentHashMap |")
        .contains("| P1 | one key, 1 thread, allow: Limiter bound ÷ Bucket4j |")
        .contains("not measured") // P5-P7 did not run here
        .contains("| P8 | Limiter Caffeine store under a flood of new keys: new key p99.9")
        .contains("| new key (insert past the bound) |")
        .contains("all in, 2,000 keys")
        .doesNotContain("old table");
    // the hand-written section is kept, whole, after the section it followed
    assertThat(page).containsSubsequence("## P4 — memory per tracked key", "## Measured by hand",
        "<!-- command -->\n```\n## not a heading\n```\n", "## P8 — decisions during a flood");
    BufferedImage chart = ImageIO.read(docs.resolve("benchmarks.png").toFile());
    assertThat(chart.getWidth()).isGreaterThan(1000);
    assertThat(chart.getHeight()).isGreaterThan(1000);
  }
}
