package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitConfigException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StepControllerSpecTest {

  private static final HealthSignal QUEUE = HealthSignal.threshold("queue-depth", () -> 3, 100);

  @Test
  void aFullSpecConfiguresEverything() {
    StepController c = StepController.parse("api-health",
        "levels=100%, 80%, 60%, 40%, 20%, 5%; interval=500ms; down-after=2; up-after=7; cooldown=30s; floor=20%; "
            + "ceiling=80%; latency=p99 < 250ms; latency-severe=2s; error-ratio=5%; error-ratio-severe=50%; "
            + "in-flight=200; in-flight-severe=400; cpu=85%; cpu-severe=98%; min-samples=50; signals=queue-depth",
        "init-param limiter.adaptive.api-health", Map.of("queue-depth", QUEUE));
    assertThat(c.levels()).containsExactly(1.0, 0.8, 0.6, 0.4, 0.2, 0.05);
    assertThat(c.interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.floor()).isEqualTo(4);
    assertThat(c.ceiling()).isEqualTo(1);
    assertThat(c.level()).isEqualTo(1);
    assertThat(c.signals()).extracting(HealthSignal::name)
        .containsExactly("latency", "errors", "in-flight", "cpu", "queue-depth");
  }

  @Test
  void defaultsNeedNothingButAName() {
    StepController c = StepController.parse("plain", "latency=250ms", null, Map.of());
    assertThat(c.levels()).isEqualTo(StepController.DEFAULT_LEVELS);
    assertThat(c.interval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.floor()).isEqualTo(4);
    assertThat(c.signals()).extracting(HealthSignal::name).containsExactly("latency");
  }

  @Test
  void everyProblemIsReportedWithSourceValueAndPosition() {
    String spec = "levels=100%,50%,75%; down-after=0; cooldown=10 fortnights; latency=p95 fast; colour=blue; "
        + "signals=queue-depth, db-pool";
    assertThatThrownBy(() -> StepController.parse("api", spec, "init-param limiter.adaptive.api",
        Map.of("queue-depth", QUEUE)))
        .isInstanceOf(RateLimitConfigException.class)
        .satisfies(e -> assertThat(((RateLimitConfigException) e).problems()).containsExactly(
            "init-param limiter.adaptive.api: invalid controller spec \"" + spec + "\" at position 7: levels must "
                + "decrease strictly from the highest rate to the lowest, but level 2 (75%) is not below level 1 (50%)",
            "init-param limiter.adaptive.api: invalid controller spec \"" + spec + "\" at position 32: must be >= 1 "
                + "but was 0",
            "init-param limiter.adaptive.api: invalid controller spec \"" + spec + "\" at position 47: unknown "
                + "duration unit \"fortnights\"; expected ms, s, m, h, d, w, mo, y (or a word such as seconds)",
            "init-param limiter.adaptive.api: invalid controller spec \"" + spec + "\" at position 71: expected a "
                + "duration such as 250ms, 10s, 5m, 1h, 1w or PT10S but found \"fast\"",
            "init-param limiter.adaptive.api: invalid controller spec \"" + spec + "\" at position 77: unknown "
                + "setting \"colour\"; expected one of levels, interval, down-after, up-after, cooldown, floor, "
                + "ceiling, latency, latency-severe, error-ratio, error-ratio-severe, in-flight, in-flight-severe, "
                + "cpu, cpu-severe, min-samples, max-window, ignored-keys, signal-timeout, unknown, risky, signals, "
                + "fast-down, step-down, fast-up, probe-backoff, probe-revert, percentiles",
            "init-param limiter.adaptive.api: invalid controller spec \"" + spec + "\" at position 111: unknown "
                + "health signal \"db-pool\"; known signals: queue-depth"))
        .hasMessageStartingWith("Invalid rate limit configuration (6 problems):\n - init-param");
  }

  @Test
  void combinationProblemsNameTheSource() {
    assertThatThrownBy(() -> StepController.parse("api", "floor=75%; ceiling=50%", "property limiter.adaptive.api",
        Map.of()))
        .isInstanceOf(RateLimitConfigException.class)
        .hasMessage("property limiter.adaptive.api: step controller api: floor 75% is above ceiling 50%");
  }

  @Test
  void propertiesAreReadOneByOneWithRelaxedNames() {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("down-after", "2");
    props.put("upAfter", "4");
    props.put("latency", "p90 100ms");
    props.put("error_ratio", "10%");
    StepController c = StepController.fromProperties("api", props, "property limiter.adaptive.api.", Map.of());
    assertThat(c.signals()).extracting(HealthSignal::name).containsExactly("latency", "errors");

    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("down-after", "two");
    bad.put("min-samples", "");
    bad.put("flavour", "x");
    bad.put("floor", "30%");
    assertThatThrownBy(() -> StepController.fromProperties("api", bad, "property limiter.adaptive.api.", Map.of()))
        .isInstanceOf(RateLimitConfigException.class)
        .satisfies(e -> assertThat(((RateLimitConfigException) e).problems()).containsExactly(
            "property limiter.adaptive.api.down-after: invalid value \"two\" at position 0: expected a whole number "
                + "but found \"two\"",
            "property limiter.adaptive.api.min-samples: invalid value \"\": expected a value",
            "property limiter.adaptive.api.flavour: invalid value \"x\": unknown setting \"flavour\"; expected one of "
                + "levels, interval, down-after, up-after, cooldown, floor, ceiling, latency, latency-severe, "
                + "error-ratio, error-ratio-severe, in-flight, in-flight-severe, cpu, cpu-severe, min-samples, "
                + "max-window, ignored-keys, signal-timeout, unknown, risky, signals, fast-down, step-down, fast-up, "
                + "probe-backoff, probe-revert, percentiles"));
  }

  @Test
  void propertiesWithACombinationProblemNameThePrefix() {
    assertThatThrownBy(() -> StepController.fromProperties("api", Map.of("floor", "30%"),
        "property limiter.adaptive.api.", Map.of()))
        .hasMessage("property limiter.adaptive.api: step controller api: floor 30% is not one of the levels 100%, "
            + "75%, 50%, 25%, 10%");
  }

  @Test
  void repeatedKeysAreErrors() {
    assertThatThrownBy(() -> StepController.parse("api", "down-after=2; downAfter=3", null, Map.of()))
        .hasMessage("invalid controller spec \"down-after=2; downAfter=3\" at position 14: downAfter is given twice; "
            + "expected it once");
  }

  @Test
  void thresholdSignalsJudgeAGauge() {
    double[] value = {10};
    HealthSignal pool = HealthSignal.threshold("db-pool", () -> value[0], 0.8, 0.95);
    value[0] = 0.5;
    assertThat(pool.sample()).isEqualTo(Health.healthy("db-pool 0.5 <= 0.8"));
    value[0] = 0.9;
    assertThat(pool.sample()).isEqualTo(Health.unhealthy("db-pool 0.9 > 0.8"));
    value[0] = 0.96;
    assertThat(pool.sample()).isEqualTo(Health.severe("db-pool 0.96 > severe 0.95"));
    value[0] = Double.NaN;
    assertThat(pool.sample()).isEqualTo(Health.healthy("db-pool unavailable"));
    assertThatThrownBy(() -> HealthSignal.threshold("x", () -> 1, 5, 5))
        .hasMessage("severeAbove of signal x must be greater than unhealthyAbove 5 but was 5");
  }

  @Test
  void theProcessCpuSignalReadsTheOperatingSystemBean() {
    HealthSignal cpu = HealthSignal.processCpu(0.999, 1.0);
    assertThat(cpu.name()).isEqualTo("cpu");
    Health health = cpu.sample();
    // this test JVM is HotSpot, which has com.sun.management: the load is known and far below 99.9%
    assertThat(health.detail()).matches("cpu [0-9.]+% <= 99.9%");
    assertThat(List.of(Health.Status.HEALTHY)).contains(health.status());
  }
}
