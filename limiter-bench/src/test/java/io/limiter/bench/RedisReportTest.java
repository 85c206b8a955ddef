package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BenchmarkReport --redis <dir>}, which run-redis.sh calls last: P6/P7's table and target rows from that
 * script's results alone ({@code redis.json}, {@code redis-benchmark.csv}), the GET floor being redis-benchmark's
 * {@code GET c=8} when it ran.
 */
class RedisReportTest {

  private static String row(String target, int keys, String mode, int concurrency, double mean) {
    return "{\"target\": \"" + target + "\", \"keys\": " + keys + ", \"mode\": \"" + mode + "\", \"concurrency\": "
        + concurrency + ", \"samples\": [" + mean + "], \"mean\": " + mean + ", \"stdev\": 0.0, \"rejected\": 0, "
        + "\"errors\": 0, \"clientCpuMicros\": 20.0, \"serverCpuMicros\": 10.0, \"commandMicros\": 5.0, "
        + "\"commands\": \"evalsha 0.25\"}";
  }

  @Test
  void theRedisTableAndP6P7TargetsComeFromRunRedisShResults(@TempDir Path results) throws Exception {
    Files.writeString(results.resolve("redis.json"), "{\"uri\": \"redis://127.0.0.1:1\", \"rows\": ["
        + String.join(", ", row("limiter", 1, "sync", 8, 40_000), row("limiter", 10_000, "sync", 8, 36_000),
            row("limiter", 1, "async", 64, 270_000), row("limiter", 10_000, "async", 64, 140_000),
            row("bucket4j", 1, "sync", 8, 4_000), row("get", 1, "sync", 8, 46_000))
        + "], \"latency\": []}", StandardCharsets.UTF_8);
    Files.writeString(results.resolve("redis-benchmark.csv"),
        "\"GET c=8\",\"50000.00\",\"0.1\",\"0.0\",\"0.1\",\"0.1\",\"0.1\",\"3.0\"\n", StandardCharsets.UTF_8);
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      BenchmarkReport.main(new String[] {"--redis", results.toString()});
    } finally {
      System.setOut(out);
    }
    String report = printed.toString(StandardCharsets.UTF_8);
    assertThat(report)
        .contains("| target | keys | sync8 | async64 |").contains("| Limiter Redis store | 1 | 40,000 | 270,000 |")
        .contains("GET c=8: 50,000 req/s")
        .contains("| P6 | Redis, one hot key, 8 threads sync: Limiter ÷ Bucket4j | 10.00× | ≥ 10× | met |")
        .contains("| P6 | Redis, one hot key, 8 threads sync: Limiter ÷ redis-benchmark GET (8 clients) | 0.80× | "
            + "≥ 1× | **missed** |")
        .contains("| P6 | Redis, 10,000 keys, 8 threads sync: Limiter ÷ redis-benchmark GET (8 clients) | 0.72× | ")
        .contains("| P7 | Redis async from one JVM, decisions/s (best of hot key / many keys) | 270,000 /s | "
            + "≥ 150,000 /s | met |");
  }
}
