package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.limiter.core.LimitSpec;
import io.limiter.core.PolicyChange;
import io.limiter.core.step.TickScheduler;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch of the filter's {@code config-file}, without a container and without time passing: the checks run when the
 * test ticks the filter's scheduler by hand. The limits are per hour or per day, so the milliseconds the test takes
 * refill nothing and every count is exact.
 */
class ConfigFileWatchTest {

  /** The filter's scheduler, ticked by hand. */
  static final class ManualScheduler implements TickScheduler {
    Runnable task;
    Duration period;
    final ScheduledFuture<?> future = mock(ScheduledFuture.class);

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
      this.task = task;
      this.period = period;
      return future;
    }

    @Override
    public void execute(Runnable task) {
      task.run(); // the watch samples nothing; a custom health signal would run here, inline
    }

    void tick() {
      task.run();
    }

    /** Two checks: new contents are taken once two checks in a row read them unchanged. */
    void ticks() {
      tick();
      tick();
    }
  }

  @TempDir
  Path dir;

  private Path file;
  private final ManualScheduler scheduler = new ManualScheduler();
  private final RateLimitFilter filter = new RateLimitFilter(scheduler);
  private final List<ConfigReload> reloads = new ArrayList<>();

  private static final String BASE = """
      default-key = header:X-Client
      rule.api.paths = /api/*
      rule.api.limits = %s
      rule.other.paths = /other
      rule.other.policy = shared
      policy.shared.limits = 5/hour
      """;

  private void write(String contents) throws Exception {
    Files.writeString(file, contents, StandardCharsets.UTF_8);
  }

  @BeforeEach
  void start() throws Exception {
    file = dir.resolve("limits.properties");
    write(BASE.formatted("3/hour"));
    Map<String, String> params = new LinkedHashMap<>();
    params.put("config-file", "file:" + file);
    params.put("config-file.reload-interval", "1s");
    filter.init(FilterSettingsTest.config(params));
    filter.addConfigReloadListener(reloads::add);
  }

  @AfterEach
  void stop() {
    filter.destroy();
  }

  /** Sends requests from one client until the first rejection (at most {@code max}); returns how many passed. */
  private int admitted(String path, String client, int max) throws Exception {
    for (int i = 0; i < max; i++) {
      HttpServletRequest request = RateLimitFilterTest.request(path);
      when(request.getHeader("X-Client")).thenReturn(client);
      RateLimitFilterTest.Recorded r = new RateLimitFilterTest.Recorded();
      filter.doFilter(request, r.response, (req, resp) -> { });
      if (r.status != 200) {
        assertThat(r.status).isEqualTo(429);
        return i;
      }
    }
    return max;
  }

  private ConfigReload.Counts counts() {
    return filter.configReloads().orElseThrow();
  }

  @Test
  void raisedLimitsApplyOnTheSecondCheckAndKeepEachClientsState() throws Exception {
    assertThat(scheduler.period).isEqualTo(Duration.ofSeconds(1));
    assertThat(admitted("/api/x", "a", 10)).isEqualTo(3);
    assertThat(admitted("/api/x", "b", 1)).isEqualTo(1);

    write(BASE.formatted("6/hour"));
    scheduler.tick();
    assertThat(counts().applied()).as("seen once: may be half-written").isZero();
    assertThat(admitted("/api/x", "fresh1", 10)).as("still 3/hour").isEqualTo(3);
    scheduler.tick();

    assertThat(counts().applied()).isEqualTo(1);
    assertThat(reloads).singleElement().satisfies(r -> {
      assertThat(r.outcome()).isEqualTo(ConfigReload.Outcome.APPLIED);
      assertThat(r.file()).isEqualTo("file:" + file);
      assertThat(r.changes()).singleElement().satisfies(c -> {
        assertThat(c.name()).isEqualTo("api");
        assertThat(c.previous().spec()).isEqualTo(LimitSpec.parse("3/hour"));
        assertThat(c.current().spec()).isEqualTo(LimitSpec.parse("6/hour"));
        assertThat(c.stateKept()).isTrue();
      });
    });
    assertThat(admitted("/api/x", "fresh2", 10)).as("a new client: 6/hour").isEqualTo(6);
    // GCRA keeps the time until the bucket is full again: a drained client stays drained, one that used 1 of 3 (a
    // third) has two thirds of the new 6 left
    assertThat(admitted("/api/x", "a", 10)).isZero();
    assertThat(admitted("/api/x", "b", 10)).isEqualTo(4);
    assertThat(admitted("/other", "a", 10)).as("the other rule, unchanged").isEqualTo(5);

    scheduler.ticks();
    assertThat(counts().applied()).as("the same contents again: nothing to do").isEqualTo(1);
  }

  @Test
  void anotherShapeStartsEveryClientFresh() throws Exception {
    assertThat(admitted("/api/x", "a", 10)).isEqualTo(3);
    write(BASE.formatted("6/day").replace("5/hour", "2/hour"));
    scheduler.ticks();
    assertThat(reloads).singleElement().satisfies(r -> assertThat(r.changes()).extracting(PolicyChange::name,
        PolicyChange::stateKept).containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("api", false),
        org.assertj.core.groups.Tuple.tuple("shared", true)));
    assertThat(admitted("/api/x", "a", 10)).as("fresh under 6/day").isEqualTo(6);
    assertThat(admitted("/other", "a", 10)).as("a named policy changes too").isEqualTo(2);
  }

  @Test
  void invalidContentsAreRefusedWholeWithTheStartupListingAndTheRunningLimitsStay() throws Exception {
    write(BASE.formatted("6/fortnight").replace("5/hour", "50/hour") + "rule.api.cost = 0\n");
    scheduler.ticks();

    assertThat(counts().applied()).isZero();
    assertThat(counts().refused()).isEqualTo(1);
    ConfigReload refused = counts().last();
    assertThat(refused.outcome()).isEqualTo(ConfigReload.Outcome.REFUSED);
    assertThat(refused.changes()).isEmpty();
    assertThat(refused.problems()).hasSize(2).allSatisfy(p -> assertThat(p).startsWith("property in file:" + file))
        .anySatisfy(p -> assertThat(p).contains("rule.api.limits=\"6/fortnight\""));
    assertThat(admitted("/api/x", "a", 10)).as("3/hour still").isEqualTo(3);
    assertThat(admitted("/other", "a", 60)).as("the valid part is not applied either").isEqualTo(5);

    scheduler.ticks();
    assertThat(reloads).as("reported once").hasSize(1);
    write(BASE.formatted("4/hour"));
    scheduler.ticks();
    assertThat(counts().applied()).as("a valid file after it applies").isEqualTo(1);
    assertThat(admitted("/api/x", "c", 10)).isEqualTo(4);
  }

  @Test
  void aChangeThatNeedsARestartIsRefusedNamingItAndNothingIsHalfApplied() throws Exception {
    write(BASE.formatted("9/hour").replace("/api/*", "/v2/*") + "rule.new.paths = /n\nrule.new.limits = 1/hour\n"
        + "header-mode = legacy\n");
    scheduler.ticks();

    ConfigReload refused = counts().last();
    assertThat(refused.outcome()).isEqualTo(ConfigReload.Outcome.REFUSED);
    assertThat(refused.problems()).hasSize(4).allSatisfy(p -> assertThat(p).contains("takes a restart"));
    assertThat(refused.problems().get(0)).startsWith("header-mode added (property in file:" + file
        + ": header-mode=\"legacy\")");
    assertThat(refused.problems()).anySatisfy(p -> assertThat(p).startsWith(
        "rule.api.paths changed from \"/api/*\" to \"/v2/*\" (property in file:" + file + ": rule.api.paths)"));
    assertThat(admitted("/api/x", "a", 20)).as("the limits did not change either").isEqualTo(3);
    assertThat(admitted("/v2/x", "a", 20)).as("nor the paths").isEqualTo(20);
  }

  @Test
  void contentsSeenHalfWrittenAreNeverApplied() throws Exception {
    write(BASE.formatted("6/ho"));
    scheduler.tick(); // caught while the writer is in the middle of the line
    write(BASE.formatted("6/hour"));
    scheduler.tick();
    assertThat(reloads).isEmpty();
    scheduler.tick();
    assertThat(reloads).singleElement().satisfies(r -> assertThat(r.outcome())
        .isEqualTo(ConfigReload.Outcome.APPLIED));
    assertThat(counts().refused()).isZero();
  }

  @Test
  void aMissingFileIsRefusedAndTheLimitsStayUntilItIsBack() throws Exception {
    Files.delete(file);
    scheduler.ticks();
    assertThat(counts().last().problems()).singleElement().asString()
        .isEqualTo("init-param config-file=\"file:" + file + "\": no such file; use /WEB-INF/<file> for a file in "
            + "the web application, classpath:<resource> or file:<path>");
    assertThat(admitted("/api/x", "a", 10)).isEqualTo(3);
    write(BASE.formatted("3/hour"));
    scheduler.ticks();
    assertThat(counts().refused()).isEqualTo(1);
    assertThat(counts().applied()).as("back as it was: nothing to apply").isZero();
  }

  @Test
  void destroyStopsTheWatch() {
    filter.destroy();
    verify(scheduler.future).cancel(false);
  }

  @Test
  void byDefaultTheWatchRunsEveryTenSecondsOnOneThreadOfTheFiltersWhichStopsInDestroy() throws Exception {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    RateLimitFilter real = new RateLimitFilter();
    real.init(FilterSettingsTest.config(Map.of("config-file", "file:" + file)));
    Thread watch;
    try {
      assertThat(real.configReloads()).hasValueSatisfying(c -> assertThat(c.applied()).isZero());
      watch = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("limiter-config-limits"))
          .filter(t -> !before.contains(t)).findFirst()
          .orElseThrow(() -> new AssertionError("no watch thread named after the filter"));
    } finally {
      real.destroy();
    }
    watch.join(30_000);
    assertThat(watch.isAlive()).as("the watch's thread stops in destroy()").isFalse();
  }

  @Test
  void theReloadIntervalIsAnInitParamOfAConfigFileAndZeroTurnsTheWatchOff() throws Exception {
    RateLimitFilter off = new RateLimitFilter();
    off.init(FilterSettingsTest.config(Map.of("config-file", "file:" + file, "config-file.reload-interval", "0")));
    try {
      assertThat(off.configReloads()).isEmpty();
    } finally {
      off.destroy();
    }
    assertThat(FilterSettingsTest.initFails(Map.of("config-file.reload-interval", "5s")).getMessage())
        .contains("init-param config-file.reload-interval=\"5s\": needs the init-param config-file");
    assertThat(FilterSettingsTest.initFails(Map.of("config-file", "file:" + file, "config-file.reload-interval",
        "-1s")).getMessage()).contains("init-param config-file.reload-interval=\"-1s\": ");
    write(BASE.formatted("3/hour") + "config-file.reload-interval = 1s\n");
    assertThat(FilterSettingsTest.initFails(Map.of("config-file", "file:" + file)).getMessage())
        .contains("property in file:" + file + ": config-file.reload-interval: an init-param only");
  }
}
