package io.limiter.bench.overload;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The overload comparison: plays one seeded scenario ({@link LoadCurve}) against the {@link SimulatedService} behind
 * every {@link Contender}, over HTTP, and writes {@code overload.md} (the tables), {@code overload.csv} (per window)
 * and {@code overload.png} (the charts) into {@code --out}; with {@code --docs <file>} it also replaces the region
 * between {@code <!-- overload:begin -->} and {@code <!-- overload:end -->} of that markdown file with the tables and
 * copies the chart next to it as {@code step-throttling-overload.png}.
 *
 * <p>The contenders run interleaved: repeat 1 runs them in order, repeat 2 in the reverse order, and so on, so that a
 * busy neighbour on a shared machine does not always hit the same contender.
 *
 * <pre>
 * Options: --phase-seconds 8 --scale 0.25 --repeats 1 --seed 17 --rate 200 --target-ms 150 --out target/overload
 *          --contenders none,static,... --docs docs/step-throttling.md --smoke
 *          --variant 'steps-conc-x=step-down=proportional; fast-down=105%' (repeatable)
 * </pre>
 *
 * {@code --variant NAME=SETTINGS} adds a contender {@code NAME} built as {@code steps-conc} with the controller
 * settings {@code SETTINGS} instead of its tuned ones (durations in them are scaled like the cooldown), run interleaved
 * with the others: how a change of the controller or its settings is compared in one run.
 *
 * {@code --scale} multiplies the step controller's time settings (interval 1 s and cooldown 10 s by default): the
 * phases are {@code --phase-seconds} long, and 0.25 plays the scenario four times faster than real time. The service's
 * latencies and the latency target stay real. {@code --smoke} is a run of a few seconds for the build (quarter-second
 * phases, a quarter of the load, small charts): it checks the harness end to end and measures nothing.
 */
public final class OverloadBenchmark {

  private OverloadBenchmark() {
  }

  /**
   * What to run.
   *
   * @param phaseSeconds the length of each phase
   * @param scale the time scale of the step controller
   * @param repeats how often every contender runs
   * @param seed the seed of the arrival schedule
   * @param rate the nominal capacity, requests per second
   * @param targetMillis the latency target
   * @param out where the report goes
   * @param contenders the contenders' names, all when empty
   * @param docs a markdown file whose overload region is replaced, or null
   * @param maxInFlight the most outstanding requests of the load generator
   * @param smoke whether this is the build's smoke run (small charts)
   * @param variants extra {@code steps-conc} contenders: name to controller settings, in the order given
   */
  public record Options(double phaseSeconds, double scale, int repeats, long seed, double rate, long targetMillis,
      Path out, List<String> contenders, Path docs, int maxInFlight, boolean smoke, Map<String, String> variants) {

    /**
     * @param args see the class comment
     * @return the options
     */
    public static Options parse(String... args) {
      double phase = 8;
      double scale = 0.25;
      int repeats = 1;
      long seed = 17;
      double rate = 200;
      long target = 150;
      Path out = Path.of("target", "overload");
      List<String> contenders = List.of();
      Path docs = null;
      int maxInFlight = 512;
      boolean smoke = false;
      Map<String, String> variants = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--smoke")) {
          phase = 0.25;
          rate = 50;
          smoke = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " has no value");
        }
        String v = args[++i];
        switch (a) {
          case "--phase-seconds" -> phase = Double.parseDouble(v);
          case "--scale" -> scale = Double.parseDouble(v);
          case "--repeats" -> repeats = Integer.parseInt(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--rate" -> rate = Double.parseDouble(v);
          case "--target-ms" -> target = Long.parseLong(v);
          case "--out" -> out = Path.of(v);
          case "--contenders" -> contenders = List.of(v.split(","));
          case "--docs" -> docs = Path.of(v);
          case "--max-in-flight" -> maxInFlight = Integer.parseInt(v);
          case "--variant" -> {
            int eq = v.indexOf('=');
            if (eq <= 0 || v.substring(0, eq).isBlank()) {
              throw new IllegalArgumentException("--variant expects NAME=SETTINGS but was \"" + v + "\"");
            }
            if (variants.put(v.substring(0, eq).strip(), v.substring(eq + 1).strip()) != null) {
              throw new IllegalArgumentException("--variant " + v.substring(0, eq).strip() + " is given twice");
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + a + "; options: --phase-seconds, --scale, "
              + "--repeats, --seed, --rate, --target-ms, --out, --contenders, --docs, --max-in-flight, --smoke, "
              + "--variant");
        }
      }
      if (repeats < 1 || !(scale > 0) || !(phase >= 0.25)) {
        throw new IllegalArgumentException("repeats must be >= 1, scale > 0 and phase-seconds >= 0.25");
      }
      return new Options(phase, scale, repeats, seed, rate, target, out, contenders, docs, maxInFlight, smoke,
          java.util.Collections.unmodifiableMap(variants));
    }
  }

  /**
   * @param args see the class comment
   * @throws Exception if a run fails
   */
  public static void main(String[] args) throws Exception {
    OverloadReport report = run(Options.parse(args));
    System.out.println(report.markdown());
  }

  /**
   * Runs the comparison and writes the report.
   *
   * @param o what to run
   * @return the report
   * @throws Exception if a run fails
   */
  static OverloadReport run(Options o) throws Exception {
    long phaseNanos = Math.round(o.phaseSeconds() * 1e9);
    LoadCurve curve = new LoadCurve(phaseNanos, o.rate(), o.seed());
    long window = curve.windowNanos();
    List<LoadCurve.Arrival> arrivals = curve.arrivals(32);
    Contender.Settings settings = new Contender.Settings(o.rate(), o.targetMillis(), o.scale());
    List<Contender> contenders = new ArrayList<>();
    for (Contender c : Contender.all()) {
      if (o.contenders().isEmpty() || o.contenders().contains(c.name())) {
        contenders.add(c);
      }
    }
    for (Map.Entry<String, String> v : o.variants().entrySet()) {
      if (contenders.stream().anyMatch(c -> c.name().equals(v.getKey()))
          || Contender.all().stream().anyMatch(c -> c.name().equals(v.getKey()))) {
        throw new IllegalArgumentException("--variant " + v.getKey() + " has the name of a contender");
      }
      contenders.add(Contender.stepsConc(v.getKey(), v.getValue()));
    }
    if (contenders.isEmpty()) {
      throw new IllegalArgumentException("no contender named " + o.contenders() + "; known: "
          + Contender.all().stream().map(Contender::name).toList());
    }
    OverloadReport report = new OverloadReport(curve, o.targetMillis(), window).chartScale(o.smoke() ? 0.4 : 1);
    // the base latencies: 20 ms alone, 4 ms more per call in flight, so 250 calls a second at most at full capacity
    SimulatedService service = new SimulatedService(20_000, 4_000);
    // the machine's load, as the page records it: sampled before every run (one-minute load average)
    LoadAverage load = new LoadAverage();
    for (int r = 0; r < o.repeats(); r++) {
      List<Contender> order = new ArrayList<>(contenders);
      if (r % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (Contender c : order) {
        load.sample();
        LoadDriver.Recording rec = OverloadRun.run(c, settings, curve, arrivals, service, o.maxInFlight());
        Measures m = report.add(rec);
        System.err.printf(Locale.ROOT, "repeat %d %-13s goodput %.0f/s, %.1f s over target, peak p95 %.0f ms, "
            + "rejected %.0f%%, %d level changes%n", r + 1, c.name(), m.goodput(), m.overSeconds(),
            m.peakP95Millis(), 100 * m.rejected(), rec.steps().size());
      }
    }
    load.sample();
    String md = report.write(o.out(), header(o, curve, arrivals.size(), load));
    if (o.docs() != null) {
      splice(o.docs(), md);
      Files.copy(o.out().resolve("overload.png"), o.docs().resolveSibling("step-throttling-overload.png"),
          StandardCopyOption.REPLACE_EXISTING);
      for (String phase : LoadCurve.PHASES) {
        String chart = OverloadReport.PHASE_CHART + "-" + phase + ".png";
        Files.copy(o.out().resolve(chart), o.docs().resolveSibling(chart), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return report;
  }

  private static String header(Options o, LoadCurve curve, int requests, LoadAverage load) {
    return String.format(Locale.ROOT, "Scenario: seed %d, %d requests in five phases of %.1f s, nominal capacity %.0f "
        + "requests/s, latency target p95 %d ms, controller time scale %.2f, %d repeat%s (contenders interleaved); "
        + "%s.%n%n", o.seed(), requests, curve.phaseNanos() / 1e9, o.rate(), o.targetMillis(), o.scale(),
        o.repeats(), o.repeats() == 1 ? "" : "s", load);
  }

  private static void splice(Path docs, String md) throws java.io.IOException {
    String text = Files.readString(docs);
    String begin = "<!-- overload:begin -->";
    String end = "<!-- overload:end -->";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalStateException(docs + " has no " + begin + " ... " + end + " region");
    }
    Files.writeString(docs, text.substring(0, b + begin.length()) + "\n" + md + text.substring(e));
  }
}
