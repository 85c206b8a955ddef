package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.bench.overload.Measures;
import io.limiter.bench.overload.OverloadReport;
import io.limiter.examples.springboot.demo.OverloadDemo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the Boot example's overload runner from rotting: the smoke scenario (five quarter-second phases at a quarter
 * of the load) against the real application over HTTP, and the bench's report written. Shape only, never performance:
 * the machine may be busy.
 */
class OverloadDemoIT {

  @TempDir
  Path out;

  @Test
  void theBenchScenarioRunsAgainstTheExampleAndTheReportIsWritten() throws Exception {
    OverloadReport report = OverloadDemo.run(OverloadDemo.Options.parse("--smoke", "--out", out.toString()));

    assertThat(report.measures()).containsOnlyKeys("boot-example");
    Measures m = report.measures().get("boot-example").get(0);
    assertThat(m.windowOffered()).isNotEmpty();
    for (int p = 0; p < 5; p++) {
      assertThat(m.phaseRejected()[p]).isBetween(0.0, 1.0);
      assertThat(m.phaseLostShare()[p]).isBetween(0.0, 1.0);
    }
    // the simulated service answered through the example's filter (a wrong path would be all 404, counted as lost)
    assertThat(Arrays.stream(m.phaseLostShare()).min().orElse(1)).isLessThan(1.0);
    assertThat(Arrays.stream(m.windowP95Millis()).filter(p95 -> !Double.isNaN(p95)).count()).isPositive();
    String md = Files.readString(out.resolve("overload.md"));
    assertThat(md).startsWith("The Boot example (`OverloadDemo`): seed 17").contains("| boot-example |");
    assertThat(out.resolve("overload.csv")).exists();
    assertThat(out.resolve("overload.png")).exists();
    assertThat(out.resolve("step-throttling-overload-drop.png")).exists();
  }
}
