package io.limiter.bench.overload;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import jakarta.servlet.Filter;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the overload comparison from rotting, in a few seconds: a concurrency limiter and Limiter's adaptive steps on
 * a concurrency limit play the smoke scenario (five quarter-second phases at a
 * quarter of the load) over real HTTP, and the report, CSV, charts and docs region are written; every contender's
 * filter is built. It checks structure and sanity only, never performance: the machine may be busy.
 */
class OverloadSmokeTest {

  @TempDir
  Path out;

  @Test
  void twoContendersPlayTheScenarioAndTheReportIsWritten() throws Exception {
    Path docs = out.resolve("page.md");
    Files.writeString(docs, "# page\n\n<!-- overload:begin -->\nold\n<!-- overload:end -->\n\nafter\n");

    List<String> names = List.of("vegas", "steps-conc");
    OverloadReport report = OverloadBenchmark.run(OverloadBenchmark.Options.parse("--smoke", "--out",
        out.resolve("report").toString(), "--docs", docs.toString(), "--contenders", String.join(",", names)));

    assertThat(report.measures().keySet()).containsExactlyElementsOf(names);
    for (Map.Entry<String, List<Measures>> e : report.measures().entrySet()) {
      Measures m = e.getValue().get(0);
      assertThat(m.phaseGoodput()).as(e.getKey()).hasSize(5);
      for (int p = 0; p < 5; p++) {
        assertThat(m.phaseRejected()[p]).as(e.getKey()).isBetween(0.0, 1.0);
        assertThat(m.phaseLostShare()[p]).as(e.getKey()).isBetween(0.0, 1.0);
        assertThat(m.phaseSettleSeconds()[p]).as(e.getKey()).isBetween(0.0, 1.0);
        assertThat(m.phaseGoodput()[p]).as(e.getKey()).isGreaterThanOrEqualTo(0.0);
      }
      assertThat(m.fairness()).as(e.getKey()).isBetween(0.5, 1.0);
      // the service answered: some requests were admitted and served, whatever the latency
      assertThat(m.windowOffered()).as(e.getKey()).isNotEmpty();
    }

    String md = Files.readString(out.resolve("report/overload.md"));
    for (String name : names) {
      assertThat(md).contains("| " + name + " |");
    }
    assertThat(md).contains("| contender | goodput (req/s) | seconds p95 > target");
    assertThat(Files.readAllLines(out.resolve("report/overload.csv")).get(0))
        .isEqualTo("contender,repeat,second,offered_per_s,goodput_per_s,rejected_per_s,p95_ms");
    BufferedImage png = ImageIO.read(out.resolve("report/overload.png").toFile());
    assertThat(png.getWidth()).isPositive();
    String page = Files.readString(docs);
    assertThat(page).startsWith("# page\n\n<!-- overload:begin -->\nScenario: seed 17").endsWith(
        "<!-- overload:end -->\n\nafter\n").doesNotContain("old");
    assertThat(out.resolve("step-throttling-overload.png")).exists();
    for (String phase : LoadCurve.PHASES) {
      assertThat(out.resolve("step-throttling-overload-" + phase + ".png")).exists();
      assertThat(page).contains("](step-throttling-overload-" + phase + ".png)");
    }
    assertThat(page).containsPattern("\\d+ cores, (one-minute load average [0-9.]+ to [0-9.]+ during the runs|load "
        + "average not available)");
  }

  @Test
  void everyContendersFilterIsBuilt() throws Exception {
    Contender.Settings settings = new Contender.Settings(200, 150, 0.25);
    for (Contender c : Contender.all()) {
      Filter filter = c.filter().create(settings, change -> { });
      if (c.name().equals("none")) {
        assertThat(filter).isNull();
        continue;
      }
      // building the filter validates its rules and the step controller's settings
      assertThat(filter).as(c.name()).isNotNull();
    }
    assertThat(Contender.all().stream().map(Contender::name)).doesNotHaveDuplicates()
        .contains("none", "static", "aimd", "vegas", "gradient2", "steps", "steps-conc");
  }

  @Test
  void theScheduleIsTheSameForEverySeedAndDiffersBetweenSeeds() {
    LoadCurve curve = new LoadCurve(1_000_000_000L, 100, 5);
    assertThat(curve.arrivals(8)).isEqualTo(new LoadCurve(1_000_000_000L, 100, 5).arrivals(8));
    assertThat(curve.arrivals(8)).isNotEqualTo(new LoadCurve(1_000_000_000L, 100, 6).arrivals(8));
    // offered: 20 .. 150 (ramp), 150, 150, 150, 300 then 75: about 666 arrivals over the five seconds
    assertThat(curve.arrivals(8)).hasSizeBetween(550, 780);
    assertThat(curve.capacity(2_500_000_000L)).isEqualTo(0.5);
    assertThat(curve.capacity(3_500_000_000L)).isEqualTo(1.0);
  }
}
