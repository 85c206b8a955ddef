package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.limiter.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class StepControllerTest {

  private static final long SECOND = 1_000_000_000L;

  private final Ticker.Manual ticker = Ticker.manual();
  private final List<StepChange> changes = new ArrayList<>();

  private StepController.Builder controller(HealthSignal... signals) {
    StepController.Builder b = StepController.builder("api-health").ticker(ticker).downAfter(3).upAfter(5)
        .cooldown(Duration.ofSeconds(10)).listener(changes::add);
    for (HealthSignal s : signals) {
      b.signal(s);
    }
    return b;
  }

  /** Ticks once per second from t=1s, one tick per script character; returns the level after each tick. */
  private static String run(StepController c, int ticks) {
    StringBuilder levels = new StringBuilder();
    for (int t = 1; t <= ticks; t++) {
      c.tick(t * SECOND);
      levels.append(c.level());
    }
    return levels.toString();
  }

  @Test
  void scriptedSignalsGiveTheExactLevelSequenceWithHysteresisCooldownAndEmergency() {
    String script = "UU" + "H" + "UUU" + "U".repeat(9) + "UUU" + "H".repeat(9) + "HHHHH" + "S" + "H".repeat(9)
        + "HHHHH";
    StepController c = controller(new ScriptedSignal("db").then(script)).build();

    String levels = run(c, script.length());

    assertThat(levels).isEqualTo("00000" + "1" + "1".repeat(11) + "2" + "2".repeat(13) + "1" + "4"
        + "4".repeat(13) + "3");
    assertThat(changes).extracting(StepChange::cause, StepChange::fromLevel, StepChange::toLevel,
            ch -> ch.atNanos() / SECOND)
        .containsExactly(
            tuple(StepChange.Cause.DOWN, 0, 1, 6L),
            tuple(StepChange.Cause.DOWN, 1, 2, 18L),
            tuple(StepChange.Cause.UP, 2, 1, 32L),
            tuple(StepChange.Cause.EMERGENCY, 1, 4, 33L),
            tuple(StepChange.Cause.UP, 4, 3, 47L));
    assertThat(changes.get(0).fromFactor()).isEqualTo(1.0);
    assertThat(changes.get(0).toFactor()).isEqualTo(0.75);
    assertThat(changes.get(0).reason()).isEqualTo("3 unhealthy intervals: db bad");
    assertThat(changes.get(3).reason()).isEqualTo("severe: db terrible");
    assertThat(changes.get(3).toString())
        .isEqualTo("step controller api-health: 75% -> 10% (level 1 -> 4, EMERGENCY): severe: db terrible");
    assertThat(c.factor()).isEqualTo(0.25);
    assertThat(c.lastChange()).isEqualTo(changes.get(4));
  }

  @Test
  void aHealthyIntervalBreaksTheUnhealthyStreakAndViceVersa() {
    StepController c = controller(new ScriptedSignal("s").then("UUHUUHUU" + "HHHHUHHHH")).cooldown(Duration.ZERO)
        .build();
    c.pin(2, "start low");
    c.unpin("go");
    changes.clear();
    assertThat(run(c, 17)).isEqualTo("22222222" + "222222222");
    assertThat(changes).isEmpty();
  }

  @Test
  void withoutCooldownEachFullStreakStepsAgain() {
    StepController c = controller(new ScriptedSignal("s").then("UUUUUUUUUUUU" + "UUU")).cooldown(Duration.ZERO)
        .build();
    assertThat(run(c, 15)).isEqualTo("001112223334444");
  }

  @Test
  void floorAndCeilingBoundTheLevelAndTheEmergencyJumpsToTheFloor() {
    StepController c = controller(new ScriptedSignal("s").then("UUU" + "U".repeat(12) + "HHHHH" + "S"))
        .cooldown(Duration.ZERO).floor(0.25).ceiling(0.75).build();
    assertThat(c.level()).as("starts at the ceiling").isEqualTo(1);
    assertThat(c.floor()).isEqualTo(3);
    assertThat(c.ceiling()).isEqualTo(1);
    assertThat(run(c, 21)).isEqualTo("112" + "223333333333" + "33332" + "3");
    assertThat(changes.get(changes.size() - 1).cause()).isEqualTo(StepChange.Cause.EMERGENCY);

    StepController up = controller(new ScriptedSignal("s").then("H".repeat(10))).cooldown(Duration.ZERO)
        .ceiling(0.75).build();
    assertThat(run(up, 10)).as("never above the ceiling").isEqualTo("1111111111");
  }

  @Test
  void aSevereSignalAtTheFloorCountsAsUnhealthyAndChangesNothing() {
    StepController c = controller(new ScriptedSignal("s").then("S" + "SSSS")).cooldown(Duration.ZERO).build();
    assertThat(run(c, 5)).isEqualTo("44444");
    assertThat(changes).hasSize(1);
  }

  @Test
  void signalsCombineByWorstWins() {
    ScriptedSignal a = new ScriptedSignal("a").then("HUUS");
    ScriptedSignal b = new ScriptedSignal("b").then("HHUH");
    StepController c = controller(a, b).build();
    List<Health> health = new ArrayList<>();
    for (int t = 1; t <= 4; t++) {
      c.tick(t * SECOND);
      health.add(c.lastHealth());
    }
    assertThat(health).containsExactly(
        Health.healthy("a fine; b fine"),
        Health.unhealthy("a bad"),
        Health.unhealthy("a bad; b bad"),
        Health.severe("a terrible"));
  }

  @Test
  void pinFixesTheLevelUntilUnpinAndBothAreEvents() {
    StepController c = controller(new ScriptedSignal("s").then("UUUUUU" + "UUU")).cooldown(Duration.ZERO).build();
    ticker.set(7 * SECOND);
    c.pin(3, "incident 42 (alice)");
    assertThat(c.pinned()).isTrue();
    assertThat(run(c, 6)).as("ticks change nothing while pinned").isEqualTo("333333");
    c.unpin("resolved (alice)");
    assertThat(c.pinned()).isFalse();
    assertThat(run(c, 3)).as("streaks start over after unpin").isEqualTo("334");
    assertThat(changes).extracting(StepChange::cause, StepChange::fromLevel, StepChange::toLevel)
        .containsExactly(
            tuple(StepChange.Cause.PIN, 0, 3),
            tuple(StepChange.Cause.UNPIN, 3, 3),
            tuple(StepChange.Cause.DOWN, 3, 4));
    assertThat(changes.get(0).reason()).isEqualTo("pinned: incident 42 (alice)");
    assertThat(changes.get(0).atNanos()).isEqualTo(7 * SECOND);
    assertThatThrownBy(() -> c.pin(5, "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("level must be between 0 and 4 but was 5 (levels of step controller api-health: 100%, 75%, 50%, "
            + "25%, 10%)");
  }

  @Test
  void unpinMovesALevelOutsideFloorAndCeilingToTheNearest() {
    StepController c = controller().floor(0.5).build();
    c.pin(4, "test");
    c.unpin("test");
    assertThat(c.level()).isEqualTo(2);
    c.unpin("again");
    assertThat(changes).hasSize(2);
  }

  @Test
  void aFailingSignalCountsAsHealthyAndAFailingListenerIsSwallowed() {
    HealthSignal broken = new HealthSignal() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public Health sample() {
        throw new IllegalStateException("boom");
      }
    };
    StepController c = controller(broken, new ScriptedSignal("s").then("UUU")).cooldown(Duration.ZERO).build();
    c.addListener(change -> {
      throw new IllegalStateException("listener boom");
    });
    assertThat(run(c, 3)).isEqualTo("001");
    assertThat(c.lastHealth().status()).isEqualTo(Health.Status.UNHEALTHY);
    assertThat(changes).hasSize(1);
  }

  @Test
  void builtInSignalsAreFedByCallStartedAndCallFinished() {
    StepController c = StepController.builder("calls").ticker(ticker).latency(95, Duration.ofMillis(250))
        .latencySevere(Duration.ofSeconds(2)).errorRatio(0.05).inFlight(2).minSamples(20).downAfter(1)
        .cooldown(Duration.ZERO).build();
    assertThat(c.signals()).extracting(HealthSignal::name).containsExactly("latency", "errors", "in-flight");

    for (int i = 0; i < 100; i++) {
      long token = c.callStarted();
      ticker.advance(Duration.ofMillis(i < 95 ? 10 : 1000));
      c.callFinished(token, false);
    }
    c.tick(ticker.read());
    assertThat(c.lastHealth()).isEqualTo(Health.healthy(
        "latency p95 10.240ms <= 250ms (100 calls); error ratio 0% (0 of 100 calls) <= 5%; in-flight peak 1 <= 2"));

    for (int i = 0; i < 100; i++) {
      long token = c.callStarted();
      ticker.advance(Duration.ofMillis(i < 90 ? 10 : 500));
      c.callFinished(token, i < 6);
    }
    c.tick(ticker.read());
    assertThat(c.lastHealth()).isEqualTo(Health.unhealthy(
        "latency p95 524.288ms > 250ms (100 calls); error ratio 6% (6 of 100 calls) > 5%"));
    assertThat(c.level()).isEqualTo(1);

    long a = c.callStarted();
    long b = c.callStarted();
    long d = c.callStarted();
    assertThat(c.inFlight()).isEqualTo(3);
    c.callFinished(a, false);
    c.callFinished(b, false);
    c.callFinished(d, false);
    assertThat(c.inFlight()).isZero();
    c.tick(ticker.read());
    assertThat(c.lastHealth()).isEqualTo(Health.unhealthy("in-flight peak 3 > 2"));

    for (int i = 0; i < 19; i++) {
      long token = c.callStarted();
      ticker.advance(Duration.ofSeconds(5));
      c.callFinished(token, true);
    }
    c.tick(ticker.read());
    assertThat(c.lastHealth()).as("too few calls in one interval: pooled with the 3 calls of the previous one")
        .isEqualTo(Health.severe("latency p95 5242.880ms > severe 2000ms (22 calls in 2 intervals)"));
  }

  @Test
  void aSevereLatencyJumpsToTheFloor() {
    StepController c = StepController.builder("calls").ticker(ticker).latency(99, Duration.ofMillis(100))
        .latencySevere(Duration.ofSeconds(1)).minSamples(1).build();
    long token = c.callStarted();
    ticker.advance(Duration.ofSeconds(3));
    c.callFinished(token, false);
    c.tick(ticker.read());
    assertThat(c.level()).isEqualTo(4);
    assertThat(c.lastChange().reason()).startsWith("severe: latency p99 3").endsWith("> severe 1000ms (1 calls)");
  }

  @Test
  void builderRejectsBadValuesAndCombinations() {
    assertThatThrownBy(() -> StepController.builder("x").levels(1.0, 0.5, 0.5))
        .hasMessage("levels must decrease strictly from the highest rate to the lowest, but level 2 (50%) is not "
            + "below level 1 (50%)");
    assertThatThrownBy(() -> StepController.builder("x").downAfter(0)).hasMessage("down-after must be >= 1 but was 0");
    assertThatThrownBy(() -> StepController.builder("x").floor(0.3).ceiling(0.2).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("step controller x: floor 30% is not one of the levels 100%, 75%, 50%, 25%, 10%; ceiling 20% is "
            + "not one of the levels 100%, 75%, 50%, 25%, 10%");
    assertThatThrownBy(() -> StepController.builder("x").floor(0.75).ceiling(0.5).build())
        .hasMessage("step controller x: floor 75% is above ceiling 50%");
    assertThatThrownBy(() -> StepController.builder("x").latency(95, Duration.ofMillis(250))
        .latencySevere(Duration.ofMillis(100)).errorRatioSevere(0.5).build())
        .hasMessage("step controller x: latency-severe 100ms must be greater than the latency target 250ms; "
            + "error-ratio-severe 50% needs an error-ratio");
    assertThatThrownBy(() -> StepController.builder(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void startTicksOnADaemonThreadUntilClose() throws Exception {
    CountDownLatch stepped = new CountDownLatch(1);
    List<String> threads = new ArrayList<>();
    StepController c = StepController.builder("scheduled").interval(Duration.ofMillis(5))
        .signal(new HealthSignal() {
          @Override
          public String name() {
            return "always-severe";
          }

          @Override
          public Health sample() {
            synchronized (threads) {
              threads.add(Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? " daemon" : ""));
            }
            return Health.severe("down");
          }
        })
        .listener(change -> stepped.countDown()).build();
    try {
      c.start();
      assertThat(c.running()).isTrue();
      assertThatThrownBy(c::start).isInstanceOf(IllegalStateException.class);
      assertThat(stepped.await(30, TimeUnit.SECONDS)).as("the scheduler ticked").isTrue();
      assertThat(c.level()).isEqualTo(4);
    } finally {
      c.close();
    }
    assertThat(c.running()).isFalse();
    c.close();
    synchronized (threads) {
      assertThat(threads.stream().distinct().collect(Collectors.toList()))
          .containsExactly("limiter-step-scheduled-signal daemon");
    }
  }

  @Test
  void registryLooksControllersUpByNameAndClosesThem() {
    StepControllerRegistry registry = new StepControllerRegistry();
    StepController a = registry.register(StepController.builder("a").build());
    assertThat(registry.controller("a")).isSameAs(a);
    assertThatThrownBy(() -> registry.controller("b")).hasMessage("unknown step controller \"b\"; known controllers: "
        + "[a]");
    assertThatThrownBy(() -> registry.register(StepController.builder("a").build()))
        .isInstanceOf(IllegalStateException.class);
    registry.start();
    assertThat(a.running()).isTrue();
    registry.close();
    assertThat(a.running()).isFalse();
  }
}
