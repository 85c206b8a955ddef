package io.limiter.examples.springboot.demo;

import io.limiter.bench.overload.LoadAverage;
import io.limiter.bench.overload.LoadCurve;
import io.limiter.bench.overload.LoadDriver;
import io.limiter.bench.overload.Measures;
import io.limiter.bench.overload.OverloadReport;
import io.limiter.bench.overload.SimulatedService;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.examples.springboot.ExampleApplication;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The overload comparison of {@code docs/step-throttling.md} against this example: starts the application (Tomcat, the
 * starter's filter, the {@code work-health} step controller exactly as {@code application.properties} configures it)
 * with the bench's {@link SimulatedService} on {@code GET /overload/work}, limited the way the comparison's
 * {@code steps-conc} contender is (a static {@code 200/second burst 20} and {@code 30 concurrent} stepped by
 * {@code work-health}, both {@code key=global}, as the properties below), plays the bench's seeded scenario
 * ({@link LoadCurve}: ramp, plateau, capacity drop, recovery, spike) with the bench's {@link LoadDriver} and writes the
 * bench's report ({@code overload.md}, CSV, charts) into {@code --out}.
 *
 * <pre>
 * mvn -q -pl examples/spring-boot -am -Poverload -DskipTests verify      (about three minutes; writes target/overload)
 * </pre>
 *
 * Options: {@code --phase-seconds 32 --rate 200 --seed 17 --out target/overload --smoke}. The controller runs in real
 * time (interval 1 s, cooldown 3 s), so the phases are four times as long as the bench's (which plays its controllers
 * four times faster). {@code --smoke} plays quarter-second phases at a quarter of the load: it checks the wiring, not
 * the numbers. Not thread-safe; one run at a time.
 */
public final class OverloadDemo {

  /** The path of the simulated service. */
  public static final String PATH = "/overload/work";

  /** The properties that put the simulated service under the comparison's limits, on top of the example's. */
  static final List<String> LIMITS = List.of(
      "limiter.policies.overload-rate.limits=200/second burst 20",
      "limiter.policies.overload-in-flight.limits=30 concurrent",
      "limiter.policies.overload-in-flight.adaptive=work-health",
      "limiter.filter.rules[1].paths=" + PATH,
      "limiter.filter.rules[1].policy=overload-rate",
      "limiter.filter.rules[1].key=global",
      "limiter.filter.rules[2].paths=" + PATH,
      "limiter.filter.rules[2].policy=overload-in-flight",
      "limiter.filter.rules[2].key=global");

  private OverloadDemo() {
  }

  /**
   * What to run.
   *
   * @param phaseSeconds the length of each phase
   * @param rate the nominal capacity, requests per second (the limits above assume 200)
   * @param seed the seed of the arrival schedule
   * @param out where the report goes
   * @param smoke whether this is the build's smoke run (small charts)
   */
  public record Options(double phaseSeconds, double rate, long seed, Path out, boolean smoke) {
    /**
     * @param args see the class comment
     * @return the options
     */
    public static Options parse(String... args) {
      double phase = 32;
      double rate = 200;
      long seed = 17;
      Path out = Path.of("target", "overload");
      boolean smoke = false;
      for (int i = 0; i < args.length; i++) {
        if (args[i].equals("--smoke")) {
          phase = 0.25;
          rate = 50;
          smoke = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + args[i] + " has no value");
        }
        String value = args[++i];
        switch (args[i - 1]) {
          case "--phase-seconds" -> phase = Double.parseDouble(value);
          case "--rate" -> rate = Double.parseDouble(value);
          case "--seed" -> seed = Long.parseLong(value);
          case "--out" -> out = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + args[i - 1] + "; options: "
              + "--phase-seconds, --rate, --seed, --out, --smoke");
        }
      }
      if (!(phase >= 0.25) || !(rate > 0)) {
        throw new IllegalArgumentException("phase-seconds must be >= 0.25 and rate > 0");
      }
      return new Options(phase, rate, seed, out, smoke);
    }
  }

  /** Registers the simulated service (20 ms plus 4 ms per call in flight, as the bench's) on {@link #PATH}. */
  @Configuration(proxyBeanMethods = false)
  static class SimulatedServiceConfiguration {
    @Bean
    SimulatedService simulatedService() {
      return new SimulatedService(20_000, 4_000);
    }

    @Bean
    ServletRegistrationBean<SimulatedService> simulatedServiceRegistration(SimulatedService service) {
      return new ServletRegistrationBean<>(service, PATH);
    }
  }

  /**
   * @param args see the class comment
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    OverloadReport report = run(Options.parse(args));
    System.out.println(report.markdown());
  }

  /**
   * Runs the scenario against the example and writes the report.
   *
   * @param options what to run
   * @return the report
   * @throws Exception if the application does not start, the run fails or a file cannot be written
   */
  public static OverloadReport run(Options options) throws Exception {
    LoadCurve curve = new LoadCurve(Math.round(options.phaseSeconds() * 1e9), options.rate(), options.seed());
    List<LoadCurve.Arrival> arrivals = curve.arrivals(32);
    LoadAverage load = new LoadAverage();
    load.sample();
    String[] properties = Stream.concat(Stream.of("server.port=0", "server.address=127.0.0.1",
        "spring.main.banner-mode=off", "logging.level.root=WARN", "logging.level.io.limiter.core.step=INFO",
        "server.tomcat.threads.max=600"), LIMITS.stream()).toArray(String[]::new);
    ConfigurableApplicationContext app = new SpringApplicationBuilder(ExampleApplication.class,
        SimulatedServiceConfiguration.class).properties(properties).run();
    LoadDriver.Recording recording;
    try {
      SimulatedService service = app.getBean(SimulatedService.class);
      LoadDriver.StepRecorder steps = new LoadDriver.StepRecorder();
      app.getBean(StepControllerRegistry.class).controller("work-health").addListener(steps);
      URI uri = URI.create("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + PATH);
      recording = LoadDriver.drive("boot-example", uri, curve, arrivals, service::capacity, 512, steps);
    } finally {
      app.close();
    }
    load.sample();
    OverloadReport report = new OverloadReport(curve, 150, curve.windowNanos())
        .chartScale(options.smoke() ? 0.4 : 1);
    Measures m = report.add(recording);
    report.write(options.out(), String.format(Locale.ROOT, "The Boot example (`OverloadDemo`): seed %d, %d requests "
        + "in five phases of %.1f s, nominal capacity %.0f requests/s, latency target p95 150 ms, the `work-health` "
        + "controller of application.properties in real time, 1 run; %s.%n%n", options.seed(), arrivals.size(),
        options.phaseSeconds(), options.rate(), load));
    System.err.printf(Locale.ROOT, "boot-example goodput %.0f/s, %.1f s over target, peak p95 %.0f ms, rejected "
        + "%.0f%%, %d level changes; report in %s%n", m.goodput(), m.overSeconds(), m.peakP95Millis(),
        100 * m.rejected(), recording.steps().size(), options.out().toAbsolutePath());
    return report;
  }
}
