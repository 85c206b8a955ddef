package io.limiter.examples.springboot.demo;

import io.limiter.examples.springboot.ExampleApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The demonstration of adaptive steps: starts the example (or connects to one with {@code --url}), offers rising then
 * falling open-loop load to {@code GET /work} with {@code java.net.http} (asynchronous, at most
 * {@code --concurrency} requests in flight; a request that would exceed it is counted as dropped), samples the level
 * of the {@code work-health} controller from the actuator endpoint, and writes {@code step-throttling-demo.csv} and
 * {@code step-throttling-demo.png} into {@code --out}.
 *
 * <pre>
 * mvn -q -pl examples/spring-boot -am -Pstep-demo -DskipTests verify      (about 100 s; writes target/step-demo)
 * </pre>
 *
 * Options: {@code --seconds 100 --low 40 --peak 400 --concurrency 256 --out target/step-demo --url http://...
 * --target-ms 150} (the latency target drawn in the chart; the controller's own is in application.properties).
 */
public final class StepDemo {

  /** The CSV's file name. */
  public static final String CSV = "step-throttling-demo.csv";
  /** The chart's file name. */
  public static final String PNG = "step-throttling-demo.png";

  private static final Pattern LEVEL = Pattern.compile(
      "\"work-health\":\\{\"level\":(\\d+),\"factor\":\"([0-9.]+)%\"");
  private static final Pattern BASE_LIMIT = Pattern.compile("\"work\":\\{\"limits\":\"(\\d+)/second\"");

  private StepDemo() {
  }

  /**
   * What to run.
   *
   * @param seconds the duration of the load
   * @param low the offered requests per second at the start and the end
   * @param peak the offered requests per second on the plateau
   * @param concurrency the most requests in flight
   * @param out where the CSV and the PNG go
   * @param url the running example, or null to start one
   * @param targetMillis the latency target drawn in the chart
   */
  public record Options(int seconds, double low, double peak, int concurrency, Path out, String url, double targetMillis) {
    /**
     * @param args see the class comment
     * @return the options
     */
    public static Options parse(String... args) {
      int seconds = 100;
      double low = 40;
      double peak = 400;
      int concurrency = 256;
      Path out = Path.of("target", "step-demo");
      String url = null;
      double target = 150;
      for (int i = 0; i + 1 < args.length; i += 2) {
        String value = args[i + 1];
        switch (args[i]) {
          case "--seconds" -> seconds = Integer.parseInt(value);
          case "--low" -> low = Double.parseDouble(value);
          case "--peak" -> peak = Double.parseDouble(value);
          case "--concurrency" -> concurrency = Integer.parseInt(value);
          case "--out" -> out = Path.of(value);
          case "--url" -> url = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
          case "--target-ms" -> target = Double.parseDouble(value);
          default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --seconds, --low, "
              + "--peak, --concurrency, --out, --url, --target-ms");
        }
      }
      if (args.length % 2 != 0) {
        throw new IllegalArgumentException("option " + args[args.length - 1] + " has no value");
      }
      return new Options(seconds, low, peak, concurrency, out, url, target);
    }
  }

  /**
   * What a run produced.
   *
   * @param rows the timeline, one row per second
   * @param csv the CSV file
   * @param png the chart
   */
  public record Result(List<Timeline.Row> rows, Path csv, Path png) {
  }

  /**
   * @param args see the class comment
   * @throws Exception if the run fails
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Result result = run(Options.parse(args));
    System.out.println("wrote " + result.csv().toAbsolutePath() + " and " + result.png().toAbsolutePath());
  }

  /**
   * Runs the demonstration.
   *
   * @param options what to run
   * @return the timeline and the files written
   * @throws Exception if the app does not start or a file cannot be written
   */
  public static Result run(Options options) throws Exception {
    ConfigurableApplicationContext app = null;
    String base = options.url();
    if (base == null) {
      app = new SpringApplicationBuilder(ExampleApplication.class)
          .properties("server.port=0", "spring.main.banner-mode=off", "logging.level.root=WARN",
              "logging.level.io.limiter.core.step=INFO")
          .run();
      base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }
    try {
      return drive(options, base);
    } finally {
      if (app != null) {
        app.close();
      }
    }
  }

  private static Result drive(Options options, String base) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String limits = get(client, base + "/actuator/ratelimits");
    double baseLimit = find(BASE_LIMIT, limits, "the work policy's limit", 1);
    LoadProfile profile = new LoadProfile(options.seconds(), options.low(), options.peak());
    Timeline timeline = new Timeline(options.seconds());
    Semaphore inFlight = new Semaphore(options.concurrency());
    HttpRequest work = HttpRequest.newBuilder(URI.create(base + "/work")).timeout(Duration.ofSeconds(10)).build();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(options.seconds());

    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> sampleLevel(client, base, timeline, start), 0, 200, TimeUnit.MILLISECONDS);
    System.out.printf(Locale.ROOT, "offering %.0f -> %.0f -> %.0f requests/s to %s/work for %d s%n", options.low(),
        options.peak(), options.low(), base, options.seconds());
    double credit = 0;
    long previous = start;
    long lastReport = -1;
    try {
      for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
        double t = (now - start) / 1e9;
        credit += profile.rateAt(t) * (now - previous) / 1e9;
        previous = now;
        int second = (int) t;
        for (; credit >= 1; credit--) {
          timeline.offered(second);
          if (!inFlight.tryAcquire()) {
            timeline.dropped(second);
            continue;
          }
          long sent = System.nanoTime();
          client.sendAsync(work, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            inFlight.release();
            long done = System.nanoTime();
            timeline.answered((int) ((done - start) / 1_000_000_000L), failure == null ? response.statusCode() : -1,
                done - sent);
          });
        }
        if (second != lastReport && second % 10 == 0) {
          lastReport = second;
          System.out.printf(Locale.ROOT, "  t=%3d s offering %.0f requests/s%n", second, profile.rateAt(t));
        }
        LockSupport.parkNanos(1_000_000);
      }
      // let the last requests finish (they count in the seconds they complete, within the run or not at all)
      inFlight.tryAcquire(options.concurrency(), 15, TimeUnit.SECONDS);
    } finally {
      sampler.shutdownNow();
      sampler.awaitTermination(5, TimeUnit.SECONDS);
    }
    List<Timeline.Row> rows = timeline.rows(baseLimit);
    Files.createDirectories(options.out());
    Path csv = options.out().resolve(CSV);
    Path png = options.out().resolve(PNG);
    Timeline.writeCsv(rows, csv);
    TimelineChart.write(rows, options.targetMillis(), String.format(Locale.ROOT, "Adaptive steps: GET /work limited to %.0f/s × "
        + "level of controller work-health (latency = 20 ms + 4 ms × calls in flight)", baseLimit), png);
    return new Result(rows, csv, png);
  }

  private static void sampleLevel(HttpClient client, String base, Timeline timeline, long start) {
    try {
      String body = get(client, base + "/actuator/ratelimits");
      Matcher m = LEVEL.matcher(body);
      if (m.find()) {
        int second = (int) ((System.nanoTime() - start) / 1_000_000_000L);
        timeline.level(second, Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)) / 100);
      }
    } catch (RuntimeException e) {
      // a missed sample keeps the previous level in the timeline
    }
  }

  private static String get(HttpClient client, String url) {
    try {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET " + url + " answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + url + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static double find(Pattern pattern, String body, String what, int group) {
    Matcher m = pattern.matcher(body);
    if (!m.find()) {
      throw new IllegalStateException("the actuator endpoint does not show " + what + ": " + body);
    }
    return Double.parseDouble(m.group(group));
  }
}
