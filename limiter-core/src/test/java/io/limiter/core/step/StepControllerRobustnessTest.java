package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A controller that never freezes or dies, and judges evidence honestly: hung and throwing signals, restarts, missed
 * ticks, unknown intervals, and risky settings.
 */
class StepControllerRobustnessTest {

  private static final long SECOND = 1_000_000_000L;

  private final Ticker.Manual ticker = Ticker.manual();

  /** A signal that blocks until released, ignoring interrupts (the worst case). */
  private static final class HungSignal implements HealthSignal {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String name() {
      return "db";
    }

    @Override
    public Health sample() {
      entered.countDown();
      while (true) {
        try {
          release.await();
          return Health.healthy("db back");
        } catch (InterruptedException e) {
          // ignore: a badly written signal
        }
      }
    }
  }

  @Test
  void aHungSignalBlocksNeitherTheOperatorNorCloseAndIsUnknown() throws Exception {
    HungSignal hung = new HungSignal();
    StepController c = StepController.builder("api").ticker(ticker).signal(hung)
        .signalTimeout(Duration.ofMillis(50)).build();
    try {
      CompletableFuture<Void> tick = CompletableFuture.runAsync(() -> c.tick(SECOND));
      assertThat(hung.entered.await(30, TimeUnit.SECONDS)).isTrue();
      // while the signal hangs: the operator's calls return at once
      CompletableFuture<Void> operator = CompletableFuture.runAsync(() -> {
        c.running();
        c.pin(3, "incident");
        c.unpin("over");
      });
      operator.get(30, TimeUnit.SECONDS);
      tick.get(30, TimeUnit.SECONDS);
      assertThat(c.lastHealth()).isEqualTo(Health.unknown("db did not answer within PT0.05S"));
      c.tick(2 * SECOND);
      assertThat(c.lastHealth().detail()).isEqualTo("db still running since an earlier interval (timeout PT0.05S)");
      assertThat(c.signalFailures()).isEqualTo(2);
      assertThat(c.level()).as("as the operator left it").isEqualTo(3);

      c.start();
      long closing = System.nanoTime();
      c.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("close is not held up by the hung signal")
          .isLessThan(Duration.ofSeconds(5));
    } finally {
      hung.release.countDown();
    }
  }

  @Test
  void aSignalThrowingAnErrorIsCountedAndTheControllerKeepsTicking() throws Exception {
    AtomicInteger samples = new AtomicInteger();
    CountDownLatch threeTicks = new CountDownLatch(5); // 1 manual tick, then at least 4 scheduled samples
    HealthSignal broken = new HealthSignal() {
      @Override
      public String name() {
        return "db";
      }

      @Override
      public Health sample() {
        samples.incrementAndGet();
        threeTicks.countDown();
        throw new NoClassDefFoundError("com/example/DbPool");
      }
    };
    StepController manual = StepController.builder("api").ticker(ticker).signal(broken).build();
    manual.tick(SECOND);
    assertThat(manual.lastHealth()).isEqualTo(Health.unknown("db failed: java.lang.NoClassDefFoundError: "
        + "com/example/DbPool"));
    assertThat(manual.signalFailures()).isEqualTo(1);

    StepController scheduled = StepController.builder("scheduled").interval(Duration.ofMillis(5)).signal(broken)
        .build();
    try {
      scheduled.start();
      assertThat(threeTicks.await(30, TimeUnit.SECONDS)).as("it kept ticking after the Error").isTrue();
      assertThat(scheduled.running()).isTrue();
      assertThat(scheduled.signalFailures()).isGreaterThanOrEqualTo(2);
    } finally {
      scheduled.close();
    }
  }

  @Test
  void aListenerThrowingAnErrorDoesNotStopTheSchedule() throws Exception {
    CountDownLatch ticks = new CountDownLatch(4);
    StepController c = StepController.builder("api").interval(Duration.ofMillis(5)).downAfter(1).upAfter(1)
        .cooldown(Duration.ZERO).signal(new HealthSignal() {
          private boolean bad;

          @Override
          public String name() {
            return "flip";
          }

          @Override
          public Health sample() {
            ticks.countDown();
            bad = !bad;
            return bad ? Health.unhealthy("bad") : Health.healthy("fine");
          }
        }).listener(change -> {
          throw new StackOverflowError("listener");
        }).build();
    try {
      c.start();
      assertThat(ticks.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(c.running()).isTrue();
    } finally {
      c.close();
    }
  }

  @Test
  void aClosedControllerStartsAgainWithItsLevel() throws Exception {
    CountDownLatch ticked = new CountDownLatch(1);
    StepController c = StepController.builder("api").interval(Duration.ofMillis(5)).signal(new HealthSignal() {
      @Override
      public String name() {
        return "probe";
      }

      @Override
      public Health sample() {
        ticked.countDown();
        return Health.healthy("fine");
      }
    }).build();
    c.start();
    c.pin(2, "before the restart");
    c.close();
    assertThat(c.running()).isFalse();
    c.start();
    try {
      assertThat(c.running()).isTrue();
      assertThat(ticked.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(c.level()).isEqualTo(2);
      assertThatThrownBy(c::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
    } finally {
      c.close();
    }
    StepControllerRegistry registry = new StepControllerRegistry();
    registry.register(c);
    registry.start();
    registry.close();
    registry.start(); // a Spring context stopped and started again
    assertThat(c.running()).isTrue();
    registry.close();
  }

  @Test
  void onTheHostsSchedulerTheControllerTicksThereAndCloseCancelsOnlyItsSchedule() throws Exception {
    CountDownLatch ticked = new CountDownLatch(2);
    List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    // a tick reads the clock on its thread (custom signals run on the controller's signal pool, guarded by a timeout)
    io.limiter.core.Ticker clock = () -> {
      threads.add(Thread.currentThread().getName());
      ticked.countDown();
      return System.nanoTime();
    };
    StepController c = StepController.builder("api").interval(Duration.ofMillis(5)).ticker(clock).build();
    java.util.concurrent.ScheduledThreadPoolExecutor host = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
        r -> new Thread(r, "host-scheduler"));
    try {
      StepControllerRegistry registry = new StepControllerRegistry();
      registry.register(c);
      registry.start(TickScheduler.of(host));
      assertThat(ticked.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(threads).contains("host-scheduler");
      assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
          .as("no thread of the controller's own").noneMatch(n -> n.equals("limiter-step-api"));
      registry.close();
      assertThat(c.running()).isFalse();
      assertThat(host.isShutdown()).as("the scheduler stays the host's").isFalse();
      int after = threads.size();
      host.submit(() -> { }).get(30, TimeUnit.SECONDS); // any tick scheduled before the cancel has run
      assertThat(threads.size()).isLessThanOrEqualTo(after + 1);
      assertThat(host.getQueue()).as("the schedule is cancelled")
          .allMatch(task -> ((java.util.concurrent.Future<?>) task).isCancelled());
      c.start(TickScheduler.of(host)); // restartable on the host's scheduler too
      assertThat(c.running()).isTrue();
      c.close();
    } finally {
      host.shutdownNow();
    }
  }

  @Test
  void missedTicksAfterAStallCoalesce() {
    List<StepChange> changes = new ArrayList<>();
    ScriptedSignal signal = new ScriptedSignal("db").then("UHU");
    StepController c = StepController.builder("api").ticker(ticker).downAfter(1).upAfter(1)
        .cooldown(Duration.ZERO).signal(signal).listener(changes::add).build();
    long t = 100 * SECOND;
    assertThat(c.scheduledTick(t)).isTrue();
    // the machine stalled for 3 intervals; the fixed-rate scheduler fires the missed ticks back to back
    assertThat(c.scheduledTick(t + 4 * SECOND)).isTrue();
    assertThat(c.scheduledTick(t + 4 * SECOND + 2_000_000)).as("a missed tick 2 ms later").isFalse();
    assertThat(c.scheduledTick(t + 4 * SECOND + 4_000_000)).isFalse();
    assertThat(c.scheduledTick(t + 5 * SECOND)).isTrue();
    assertThat(changes).extracting(StepChange::cause)
        .containsExactly(StepChange.Cause.DOWN, StepChange.Cause.UP, StepChange.Cause.DOWN);
  }

  @Test
  void unknownIntervalsHoldTheLevel() {
    // a database signal that fails while the level is at the floor
    ScriptedSignal db = new ScriptedSignal("db").then("S");
    HealthSignal failing = new HealthSignal() {
      @Override
      public String name() {
        return "db";
      }

      @Override
      public Health sample() {
        return db.sample(); // S once, then the script is exhausted and it throws
      }
    };
    StepController c = StepController.builder("api").ticker(ticker).upAfter(2).cooldown(Duration.ZERO)
        .signal(failing).build();
    for (int t = 1; t <= 40; t++) {
      c.tick(t * SECOND);
    }
    assertThat(c.level()).as("a failing signal does not walk the level back up").isEqualTo(4);

    StepController old = StepController.builder("old").ticker(ticker).upAfter(2).cooldown(Duration.ZERO)
        .holdWhenUnknown(false).signal(new HealthSignal() {
          private boolean first = true;

          @Override
          public String name() {
            return "db";
          }

          @Override
          public Health sample() {
            if (first) {
              first = false;
              return Health.severe("down");
            }
            return Health.unknown("db failed");
          }
        }).build();
    for (int t = 1; t <= 40; t++) {
      old.tick(t * SECOND);
    }
    assertThat(old.level()).as("unknown=healthy, as before").isZero();
  }

  @Test
  void anAlwaysSlowServerWithFewCallsStillStepsToTheFloor() {
    // a global 30/second limit on an always-slow server: each step down leaves fewer calls per interval
    StepController c = StepController.builder("api").ticker(ticker).latency(95, Duration.ofMillis(250))
        .cooldown(Duration.ZERO).build();
    long now = 0;
    for (int t = 1; t <= 200 && c.level() < 4; t++) {
      int calls = (int) (30 * c.factor());
      for (int i = 0; i < calls; i++) {
        long token = c.callStarted();
        now += 400_000_000L;
        ticker.set(now);
        c.callFinished(token, false, "client-" + i, 0);
      }
      c.tick(now);
      assertThat(c.lastHealth().status()).isNotEqualTo(Health.Status.HEALTHY);
    }
    assertThat(c.level()).as("at 10% (3 calls a second) the window pools intervals to judge").isEqualTo(4);
  }

  @Test
  void riskySettingsWarnOrAreRefused() {
    StepController flappy = StepController.parse("api", "down-after=1; up-after=1; cooldown=0; latency=p95 250ms",
        "init-param adaptive.api", Map.of());
    assertThat(flappy.warnings()).singleElement().asString().contains("flapping");
    assertThatThrownBy(() -> StepController.parse("api", "down-after=1; up-after=1; cooldown=0; risky=refuse",
        "init-param adaptive.api", Map.of()))
        .isInstanceOf(RateLimitConfigException.class)
        .hasMessageContaining("init-param adaptive.api: step controller api: down-after=1, up-after=1 and cooldown=0")
        .hasMessageContaining("(refused because risky=refuse)");
    assertThat(StepController.parse("api", "latency=p95 250ms; ignored-keys=0", null, Map.of()).warnings())
        .singleElement().asString().contains("ignored-keys=0 lets one client");
    assertThat(StepController.parse("api", "latency=p95 250ms", null, Map.of()).warnings()).isEmpty();
  }

  @Test
  void scheduleEntriesThatCanNeverApplyWarn() {
    assertThat(StepSchedule.parse("zone=UTC; Mon-Fri 08:00-20:00 = 200%; Mon 09:00-10:00 = 50%").warnings())
        .containsExactly("schedule entry \"Mon 09:00-10:00 = 50%\" never applies: entry \"Mon-Fri 08:00-20:00 = 200%\" "
            + "is checked first and matches whenever it does; reorder or narrow them");
    assertThat(StepSchedule.parse("zone=UTC; 2025-12-24..2025-12-26 = 10%; 2025-12-25 = 20%").warnings())
        .singleElement().asString().startsWith("schedule entry \"2025-12-25 = 20%\" never applies");
    assertThat(StepSchedule.parse("zone=UTC; --12-24..--01-01 = 10%; --12-31 = 20%; --01-01 = 30%").warnings())
        .hasSize(2);
    assertThat(StepSchedule.parse("zone=UTC; --02-29 = 50%").warnings()).containsExactly(
        "schedule entry \"--02-29 = 50%\" applies only in leap years (February 29 exists one year in four)");
    assertThat(StepSchedule.parse("zone=UTC; Mon 09:00-10:00 = 50%; Mon-Fri = 200%; 2025-12-24 = 10%").warnings())
        .as("narrower first, and dates are checked before days").isEmpty();
    SteppedRateLimiter<Object> api = SteppedRateLimiter.builder(LimitPolicy.of("api", "100/minute"),
        RateLimitStore.inMemory()).schedule("zone=UTC; weekdays = 50%; Mon = 20%", null).build();
    assertThat(api.warnings()).singleElement().asString().startsWith("policy api: schedule entry \"Mon = 20%\" never "
        + "applies");
  }

  @Test
  void levelsThatCollapseToTheSameLimitWarn() {
    StepController c = StepController.builder("api").build();
    SteppedRateLimiter<Object> one = SteppedRateLimiter.builder(LimitPolicy.of("tiny", "1/second"),
        RateLimitStore.inMemory()).controller(c).build();
    assertThat(one.warnings()).singleElement().asString().isEqualTo("policy tiny: levels 100% and 75% (1/second); "
        + "75% and 50% (1/second); 50% and 25% (1/second); 25% and 10% (1/second) of step controller api give the "
        + "same limits (scaling rounds down to whole permits, never below 1), so stepping between them throttles "
        + "nothing; use a limit with more permits per period (e.g. 60/minute instead of 1/second) or fewer levels");
    SteppedRateLimiter<Object> five = SteppedRateLimiter.builder(LimitPolicy.of("five", "5/minute"),
        RateLimitStore.inMemory()).controller(c).build();
    assertThat(five.warnings()).singleElement().asString().contains("25% and 10% (1/minute)");
    assertThat(SteppedRateLimiter.builder(LimitPolicy.of("fine", "100/minute"), RateLimitStore.inMemory())
        .controller(c).build().warnings()).isEmpty();
  }
}
