package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * P5-R's rows on the generated page come from run-reactive.sh's {@code http-reactive.tsv}: each variant's mean and
 * standard deviation over its runs, its ratio to the same server without Limiter, the CPU per request of the server
 * and its Redis and their ratio, the load average range, and the two P5-R targets in the target table.
 */
class ReactiveReportTest {

  @Test
  void theP5rSectionAndTargetsComeFromHttpReactiveTsv(@TempDir Path results, @TempDir Path docs) throws Exception {
    Files.writeString(results.resolve("http-reactive.tsv"), String.join("\n",
        "variant\tload\trun\trequests_per_second\tnon_2xx\trequests\tload1\tserver_cpu_us\tredis_cpu_us",
        "webflux\topen\t1.1\t10000\t0\t100000\t3.5\t40.0\t",
        "webflux-limiter\topen\t1.1\t9000\t0\t90000\t4.0\t44.0\t",
        "gateway-redis\topen\t1.1\t4000\t0\t40000\t2.5\t150.0\t30.0",
        "gateway-limiter\topen\t1.1\t5000\t0\t50000\t3.0\t120.0\t20.0",
        "webflux\topen\t2.1\t12000\t0\t120000\t3.0\t40.0\t",
        "webflux-limiter\topen\t2.1\t11000\t0\t110000\t3.1\t44.0\t",
        "gateway-redis\topen\t2.1\t4000\t0\t40000\t2.9\t150.0\t30.0",
        "gateway-limiter\topen\t2.1\t5000\t0\t50000\t3.3\t120.0\t20.0") + "\n", StandardCharsets.UTF_8);
    BenchmarkReport.generate(results, docs, "test", true);
    String page = Files.readString(docs.resolve("benchmarks.md"), StandardCharsets.UTF_8);
    assertThat(page)
        .contains("## P5-R — reactive HTTP: WebFlux and Spring Cloud Gateway")
        .contains("over 2 runs of `wrk`")
        .contains("one-minute load average 2.5 to 4.0 after the runs")
        .contains("| WebFlux endpoint on Netty, no filter | 11,000 ± 1,414 | 1.00 ± 0.18× | 40.0 µs | – | 1.00× | 0% |")
        .contains("| + Limiter `WebFilter`, limit never reached (in-memory store) | 10,000 ± 1,414 | 0.91 ± 0.17× | "
            + "44.0 µs | – | 1.10× | 0% |")
        .contains("| Gateway route, Limiter's `LimiterRateLimiter` on its Redis store, limit never reached | 5,000 | "
            + "1.25× | 120.0 µs | 20.0 µs | 0.78× | 0% |")
        .containsPattern("\\| P5-R \\| WebFlux on Netty, limit not reached: Limiter `WebFilter` ÷ no filter \\| "
            + "0\\.91 ± [0-9.]+× \\| ≥ 0\\.95× \\| \\*\\*missed\\*\\* \\|")
        .contains("| P5-R | Gateway route on Redis, limit not reached: `LimiterRateLimiter` ÷ gateway's "
            + "`RedisRateLimiter` | 1.25× | ≥ 1× | met |");
  }
}
