package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.Ticker;
import io.limiter.core.internal.step.ControllerSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code step-down=proportional} (a step down lands on the highest level at most the current one times the target
 * over the measured latency) and {@code percentiles=interpolated} (the latency percentile read inside its histogram
 * bucket rather than as the bucket's upper bound), on a fake clock; the defaults stay {@code scaled} and
 * {@code upper-bound}.
 */
class StepControllerProportionalTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final String LEVELS = "levels=100%, 75%, 60%, 55%, 50%, 25%, 10%";

  private final Ticker.Manual ticker = Ticker.manual();
  private final List<StepChange> changes = new ArrayList<>();
  private long now;

  private StepController controller(String extra) {
    return controller("latency=p95 100ms; down-after=3", extra);
  }

  private StepController controller(String latency, String extra) {
    String spec = latency + "; min-samples=20; up-after=4; cooldown=2s; ignored-keys=1; " + LEVELS
        + (extra.isEmpty() ? "" : "; " + extra);
    // the spec parser behind StepController.parse, on a builder with the test's clock
    StepController c = ControllerSpec.parse(StepController.builder("api").ticker(ticker), spec, "test", Map.of());
    c.addListener(changes::add);
    return c;
  }

  /** One interval of one second: 20 calls of each of two clients taking {@code nanos} each, then a tick. */
  private void interval(StepController c, long nanos) {
    for (String client : new String[] {"a", "b"}) {
      for (int i = 0; i < 20; i++) {
        ticker.set(now);
        long token = c.callStarted();
        ticker.set(now + nanos);
        c.callFinished(token, false, client + i % 5, 0);
      }
    }
    now += SECOND;
    ticker.set(now);
    c.tick(now);
  }

  /** One interval whose 40 calls take 81, 82, ..., 120 ms: the p95 (nearest rank) is 118 ms. */
  private void spreadInterval(StepController c) {
    for (int i = 1; i <= 40; i++) {
      ticker.set(now);
      long token = c.callStarted();
      ticker.set(now + (80 + i) * MS);
      c.callFinished(token, false, (i % 2 == 0 ? "a" : "b") + i % 5, 0);
    }
    now += SECOND;
    ticker.set(now);
    c.tick(now);
  }

  @Test
  void oneStepLandsWhereTheLatencySaysTheLoadFits() {
    // 190 ms is in the bucket [180.224, 196.608) ms: the signal's ratio (the highest bound, in eighths of an octave,
    // that the p95 is over without the set-aside client) is 1.8, so 100% / 1.8 = 55.5% -> 55%
    StepController c = controller("step-down=proportional; fast-down=105%");
    interval(c, 190 * MS);
    assertThat(c.level()).isEqualTo(3);
    assertThat(c.factor()).isEqualTo(0.55);
    assertThat(changes).singleElement().satisfies(change -> assertThat(change.reason())
        .startsWith("latency at least 105% of the target, 3 levels for a latency 1.8 times the target: latency p95"));

    // the same interval under the default (scaled) steps one level, and under one one level too
    StepController scaled = controller("fast-down=105%");
    interval(scaled, 190 * MS);
    assertThat(scaled.level()).isEqualTo(1);
  }

  @Test
  void fromALowerLevelTheStepIsAShareOfThatLevel() {
    StepController c = controller("step-down=proportional; fast-down=105%");
    c.pin(1, "start at 75%");
    c.unpin("go");
    changes.clear();
    // 140 ms: a ratio of 1.35, 75% / 1.35 = 55.5% -> 55%
    interval(c, 140 * MS);
    assertThat(c.factor()).isEqualTo(0.55);
    assertThat(changes).extracting(StepChange::fromLevel, StepChange::toLevel).containsExactly(tuple(1, 3));
  }

  @Test
  void alwaysAtLeastOneLevelAndNeverBelowTheFloor() {
    // 110 ms: a ratio of 1.05, 100% / 1.05 = 95% has no level; the next one down
    StepController near = controller("step-down=proportional; fast-down=105%");
    interval(near, 110 * MS);
    assertThat(near.factor()).isEqualTo(0.75);

    // 5 s: 100% / 52 is under every level; the floor (25% here), not 10%
    StepController far = controller("step-down=proportional; fast-down=105%; floor=25%");
    interval(far, 5_000 * MS);
    assertThat(far.factor()).isEqualTo(0.25);

    // without fast-down the step waits for down-after intervals, then is proportional as well
    StepController slow = controller("step-down=proportional");
    interval(slow, 190 * MS);
    interval(slow, 190 * MS);
    assertThat(slow.level()).isZero();
    interval(slow, 190 * MS);
    assertThat(slow.factor()).isEqualTo(0.55);
    assertThat(changes.get(changes.size() - 1).reason()).startsWith("3 unhealthy intervals, 3 levels for a latency "
        + "1.8 times the target");
  }

  @Test
  void aLatencyThatDoubledDuringTheCooldownStepsProportionallyFromWhereItIs() {
    StepController c = controller("step-down=proportional");
    interval(c, 220 * MS); // a ratio of 2.1: at once (fast-down 200%), 100% / 2.1 = 47.6% -> 25%
    assertThat(c.factor()).isEqualTo(0.25);
    interval(c, 500 * MS); // in the cooldown, 4.8: twice what caused the step; 25% / 4.8 -> 10% (the floor)
    assertThat(c.factor()).isEqualTo(0.1);
    assertThat(changes.get(1).reason()).startsWith("latency doubled during the cooldown: latency p95");
  }

  @Test
  void oneClientCannotMakeAProportionalStepBigger() {
    // 30 calls of other clients take 130 ms, one client's 10 calls take 5 s: the p95 of all is that client's, but the
    // step is sized by the others' 1.3 times the target (100% / 1.3 -> 75%), not by 50 times (-> the floor)
    StepController c = controller("step-down=proportional; fast-down=105%; percentiles=interpolated");
    for (int i = 0; i < 40; i++) {
      ticker.set(now);
      long token = c.callStarted();
      ticker.set(now + (i < 30 ? 130 : 5_000) * MS);
      c.callFinished(token, false, i < 30 ? "other" + i : "evil", 0);
    }
    now += SECOND;
    c.tick(now);
    assertThat(c.factor()).isEqualTo(0.75);
  }

  @Test
  void otherSignalsStillStepOneLevel() {
    // the in-flight signal (sampled on the tick's thread): two calls stay in flight over a maximum of one
    StepController c = StepController.builder("api").ticker(ticker).levels(1.0, 0.75, 0.6, 0.55, 0.5, 0.25, 0.1)
        .stepDown(StepController.StepDown.PROPORTIONAL).inFlight(1).build();
    c.callStarted();
    c.callStarted();
    for (int i = 0; i < 3; i++) {
      now += SECOND;
      c.tick(now);
    }
    assertThat(c.lastHealth().detail()).isEqualTo("in-flight peak 2 > 1");
    assertThat(c.level()).isEqualTo(1);
  }

  @Test
  void interpolatedPercentilesReadAP95UnderTheTargetAsUnderIt() {
    // 40 calls of 81 .. 120 ms against a 120 ms target: the true p95 (the 38th) is 118 ms, in the bucket
    // [114.688, 122.88) ms; read as its upper bound the interval is over the target, interpolated it is within it
    String target = "latency=p95 120ms; down-after=1";
    StepController upper = controller(target, "");
    spreadInterval(upper);
    assertThat(upper.level()).isEqualTo(1);
    assertThat(upper.lastHealth().detail()).startsWith("latency p95 122.880ms > 120ms (40 calls)");

    changes.clear();
    StepController interpolated = controller(target, "percentiles=interpolated");
    spreadInterval(interpolated);
    assertThat(interpolated.level()).isZero();
    assertThat(changes).isEmpty();
    // the 38th is the 4th of the bucket's 6 calls (115 .. 120 ms): 114.688 + 8.192 * 3.5 / 6
    assertThat(interpolated.lastHealth().detail()).startsWith("latency p95 119.467ms <= 120ms (40 calls)");
  }

  @Test
  void theNewValuesAreParsedInAnyCaseAndWrongOnesNamed() {
    StepController c = StepController.parse("api", "latency=p95 100ms; step-down=Proportional; "
        + "percentiles=INTERPOLATED", "init-param adaptive.api", Map.of());
    assertThat(c.name()).isEqualTo("api");
    StepController props = StepController.fromProperties("api", Map.of("latency", "p95 100ms", "stepDown",
        "proportional", "percentiles", "upper-bound"), "property x.", Map.of());
    assertThat(props.name()).isEqualTo("api");

    assertThatThrownBy(() -> StepController.parse("api", "latency=p95 100ms; step-down=proportionally; "
        + "percentiles=mean", "init-param adaptive.api", Map.of()))
        .isInstanceOf(RateLimitConfigException.class)
        .satisfies(e -> assertThat(((RateLimitConfigException) e).problems()).containsExactly(
            "init-param adaptive.api: invalid controller spec \"latency=p95 100ms; step-down=proportionally; "
                + "percentiles=mean\" at position 29: expected scaled, one or proportional but found "
                + "\"proportionally\"",
            "init-param adaptive.api: invalid controller spec \"latency=p95 100ms; step-down=proportionally; "
                + "percentiles=mean\" at position 57: expected interpolated or upper-bound but found \"mean\""));
  }
}
