package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.Ticker;
import io.limiter.core.internal.step.ControllerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The controller's answers to overload (issue 17): a step down sized by how far over its target the latency is and
 * taken at once when it is far over, a failed probe reverted at once and backed off, fast recovery while the latency
 * is far below its target; and the settings that turn each off (the controller as it was before).
 */
class StepControllerOverloadTest {

  private static final long SECOND = 1_000_000_000L;
  private static final String BEFORE = "fast-down=off; step-down=one; fast-up=off; probe-backoff=1; probe-revert=off";

  private final Ticker.Manual ticker = Ticker.manual();
  private final List<StepChange> changes = new ArrayList<>();
  private long now;

  private StepController controller(String extra) {
    String spec = "latency=p95 100ms; min-samples=20; down-after=3; up-after=4; cooldown=2s; ignored-keys=1"
        + (extra.isEmpty() ? "" : "; " + extra);
    // the spec parser behind StepController.parse, on a builder with the test's clock
    StepController c = ControllerSpec.parse(StepController.builder("api").ticker(ticker), spec, "test", Map.of());
    c.addListener(changes::add);
    return c;
  }

  /** One interval of one second: {@code calls} calls of each client taking {@code millis}, then a tick. */
  private void interval(StepController c, long millis, String... clients) {
    for (String client : clients) {
      for (int i = 0; i < 20; i++) {
        ticker.set(now);
        long token = c.callStarted();
        ticker.set(now + millis * 1_000_000L);
        c.callFinished(token, false, client + i % 5, 0);
      }
    }
    now += SECOND;
    ticker.set(now);
    c.tick(now);
  }

  private static final String[] CLIENTS = {"a", "b"};

  @Test
  void farOverTheTargetStepsAtOnceAndFromFourTimesByHowFar() {
    StepController c = controller("");
    interval(c, 80, CLIENTS);
    assertThat(c.level()).isZero();

    interval(c, 300, CLIENTS); // about 3 times the target: at once, one level
    assertThat(c.level()).isEqualTo(1);
    assertThat(changes.get(0).reason()).startsWith("latency at least 200% of the target: latency p95");

    StepController far = controller("");
    interval(far, 900, CLIENTS); // about 9 times: three levels, to 25%
    assertThat(far.level()).isEqualTo(3);
    assertThat(changes.get(1).reason()).startsWith("latency at least 200% of the target, 3 levels for a latency ");

    StepController farther = controller("");
    interval(farther, 1_800, CLIENTS); // about 18 times: four levels, to 10%
    assertThat(farther.level()).isEqualTo(4);
  }

  @Test
  void duringTheCooldownOnlyALatencyThatDoubledStepsAgain() {
    StepController c = controller("");
    interval(c, 300, CLIENTS);
    assertThat(c.level()).isEqualTo(1);
    interval(c, 700, CLIENTS); // in the cooldown, twice as bad as what caused the step (5 to 7 times the target)
    assertThat(c.level()).isEqualTo(3);
    assertThat(changes.get(1).reason()).startsWith("latency doubled during the cooldown, 2 levels: latency p95");

    StepController worse = controller("");
    interval(worse, 300, CLIENTS);
    interval(worse, 500, CLIENTS); // in the cooldown, worse but not twice as bad: the step gets time to take effect
    assertThat(worse.level()).isEqualTo(1);

    StepController once = controller("step-down=one");
    interval(once, 300, CLIENTS);
    interval(once, 900, CLIENTS);
    assertThat(once.level()).as("step-down=one: one more level").isEqualTo(2);

    StepController before = controller(BEFORE);
    for (int i = 0; i < 3; i++) {
      interval(before, 300, CLIENTS);
    }
    assertThat(before.level()).isEqualTo(1);
    interval(before, 900, CLIENTS);
    assertThat(before.level()).isEqualTo(1);
  }

  @Test
  void slightlyOverTheTargetWaitsForDownAfterAndStepsOneLevel() {
    StepController c = controller("");
    interval(c, 150, CLIENTS);
    interval(c, 150, CLIENTS);
    assertThat(c.level()).isZero();
    interval(c, 150, CLIENTS);
    assertThat(c.level()).isEqualTo(1);
    assertThat(changes.get(0).reason()).startsWith("3 unhealthy intervals: latency p95");
  }

  @Test
  void theControllerAsBeforeStepsOneLevelAfterDownAfterWhateverTheLatency() {
    StepController c = controller(BEFORE);
    interval(c, 900, CLIENTS);
    interval(c, 900, CLIENTS);
    assertThat(c.level()).isZero();
    interval(c, 900, CLIENTS);
    assertThat(c.level()).isEqualTo(1);
  }

  @Test
  void oneClientCannotMakeTheStepBiggerOrFaster() {
    StepController c = controller("");
    // the others are 30% over the target; one client's calls take 5 s
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < 40; i++) {
        ticker.set(now);
        long token = c.callStarted();
        ticker.set(now + (i < 30 ? 130 : 5_000) * 1_000_000L);
        c.callFinished(token, false, i < 30 ? "other" + i : "evil", 0);
      }
      now += SECOND;
      c.tick(now);
      assertThat(c.level()).as("not at once").isZero();
    }
    interval(c, 130, CLIENTS);
    assertThat(c.level()).as("one level after down-after").isEqualTo(1);
  }

  @Test
  void aFailedProbeStepsBackAtOnceAndTheNextProbeWaitsLonger() {
    StepController c = controller("fast-up=off");
    c.pin(2, "start at 50%");
    c.unpin("go");
    changes.clear();
    for (int i = 0; i < 4; i++) {
      interval(c, 50, CLIENTS);
    }
    assertThat(c.level()).as("probe after up-after healthy intervals").isEqualTo(1);
    interval(c, 150, CLIENTS);
    assertThat(c.level()).as("a bad interval on probation steps back at once").isEqualTo(2);
    assertThat(changes.get(1).reason()).startsWith("probe of 75% failed: latency p95");

    // one interval in the cooldown (2 s from the change), then 8 healthy intervals instead of 4
    for (int i = 0; i < 1 + 7; i++) {
      interval(c, 50, CLIENTS);
    }
    assertThat(c.level()).isEqualTo(2);
    interval(c, 50, CLIENTS);
    assertThat(c.level()).isEqualTo(1);
    assertThat(changes.get(2).reason()).startsWith("8 healthy intervals (probe backed off to 8 after 1 failed)");

    // on probation, healthy intervals count at once: this probe holds after up-after of them, which resets the
    // backoff, and the next probe waits the usual up-after
    for (int i = 0; i < 4; i++) {
      interval(c, 50, CLIENTS);
    }
    assertThat(c.level()).isZero();
    assertThat(changes).extracting(StepChange::cause, StepChange::toLevel).containsExactly(
        tuple(StepChange.Cause.UP, 1), tuple(StepChange.Cause.DOWN, 2), tuple(StepChange.Cause.UP, 1),
        tuple(StepChange.Cause.UP, 0));
  }

  @Test
  void withoutProbeRevertABadIntervalInTheCooldownCountsForNothing() {
    StepController c = controller(BEFORE);
    c.pin(2, "start at 50%");
    c.unpin("go");
    for (int i = 0; i < 4; i++) {
      interval(c, 50, CLIENTS);
    }
    assertThat(c.level()).isEqualTo(1);
    interval(c, 150, CLIENTS);
    assertThat(c.level()).isEqualTo(1);
  }

  @Test
  void farBelowTheTargetEachHealthyIntervalCountsTwice() {
    StepController c = controller("");
    c.pin(2, "start at 50%");
    c.unpin("go");
    interval(c, 20, CLIENTS);
    interval(c, 20, CLIENTS);
    assertThat(c.level()).isEqualTo(1);
    assertThat(changes.get(changes.size() - 1).reason()).startsWith("2 healthy intervals: latency p95");

    StepController slow = controller("");
    slow.pin(2, "start at 50%");
    slow.unpin("go");
    for (int i = 0; i < 3; i++) {
      interval(slow, 80, CLIENTS);
    }
    assertThat(slow.level()).as("near the target: up-after intervals").isEqualTo(2);
    interval(slow, 80, CLIENTS);
    assertThat(slow.level()).isEqualTo(1);
  }

  @Test
  void theNewSettingsAreValidatedAtStartupWithTheirSource() {
    assertThatThrownBy(() -> StepController.parse("api", "latency=p95 100ms; fast-down=90%; step-down=two; "
        + "fast-up=120%; probe-backoff=9; probe-revert=maybe", "init-param adaptive.api", Map.of()))
        .isInstanceOf(RateLimitConfigException.class)
        .satisfies(e -> assertThat(((RateLimitConfigException) e).problems()).hasSize(5).allSatisfy(
            p -> assertThat(p).startsWith("init-param adaptive.api: invalid controller spec")))
        .hasMessageContaining("fast-down must be above 100% of the latency target but was 90%")
        .hasMessageContaining("expected scaled, one or proportional but found \"two\"")
        .hasMessageContaining("fast-up must be below 100% of the latency target but was 120%")
        .hasMessageContaining("probe-backoff must be between 1 and 8 but was 9")
        .hasMessageContaining("expected on or off but found \"maybe\"");

    StepController c = StepController.fromProperties("api", Map.of("latency", "p95 100ms", "fastDown", "150%",
        "step_down", "one", "fast-up", "off", "probe-backoff", "4", "probe-revert", "off"), "property x.", Map.of());
    assertThat(c.name()).isEqualTo("api");
  }
}
