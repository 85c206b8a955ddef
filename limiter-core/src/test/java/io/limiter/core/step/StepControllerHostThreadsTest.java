package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A controller started on the host's scheduler runs everything on the host's threads: its ticks and the samples of its
 * custom signals. No thread of its own is started, so none is left after {@link StepController#close()}, and a signal
 * that hangs holds one host thread, never the ticks.
 */
class StepControllerHostThreadsTest {

  private static ScheduledExecutorService ticks() {
    return Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "host-tick"));
  }

  private static ExecutorService samples(AtomicInteger started) {
    return Executors.newCachedThreadPool(r -> new Thread(r, "host-sample-" + started.incrementAndGet()));
  }

  private static HealthSignal signal(String name, Supplier<Health> sample) {
    return new HealthSignal() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Health sample() {
        return sample.get();
      }
    };
  }

  /** @return the names of the live threads the controller named would have started on its own */
  private static List<String> threadsOfTheController(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("limiter-step-" + name)).toList();
  }

  @Test
  void customSignalsAreSampledOnTheHostsThreadsAndNoThreadOfTheControllersIsStarted() throws Exception {
    List<String> sampledOn = new CopyOnWriteArrayList<>();
    CountDownLatch sampled = new CountDownLatch(3);
    HealthSignal db = signal("db", () -> {
      sampledOn.add(Thread.currentThread().getName());
      sampled.countDown();
      return Health.healthy("db fine");
    });
    StepController c = StepController.builder("host-threads").interval(Duration.ofMillis(5)).signal(db).build();
    ScheduledExecutorService ticks = ticks();
    ExecutorService samples = samples(new AtomicInteger());
    try {
      c.start(TickScheduler.of(ticks, samples));
      assertThat(sampled.await(60, TimeUnit.SECONDS)).isTrue();
      c.close();
      assertThat(sampledOn).isNotEmpty().allMatch(n -> n.startsWith("host-sample-"));
      assertThat(threadsOfTheController("host-threads")).as("threads of the controller's own").isEmpty();
      assertThat(ticks.isShutdown()).as("the host's threads stay the host's").isFalse();
      assertThat(samples.isShutdown()).isFalse();
    } finally {
      c.close();
      ticks.shutdownNow();
      samples.shutdownNow();
    }
    assertThat(ticks.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(samples.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(threadsOfTheController("host-threads")).isEmpty();
  }

  @Test
  void aSignalThatHangsOnTheHostsThreadsDoesNotStallTheTicks() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger hungSamples = new AtomicInteger();
    HealthSignal hung = signal("db", () -> {
      hungSamples.incrementAndGet();
      entered.countDown();
      while (true) {
        try {
          release.await();
          return Health.healthy("db back");
        } catch (InterruptedException e) {
          // ignore: a badly written signal
        }
      }
    });
    CountDownLatch ticksAfterTheHang = new CountDownLatch(20);
    HealthSignal queue = signal("queue", () -> {
      if (entered.getCount() == 0) {
        ticksAfterTheHang.countDown();
      }
      return Health.healthy("queue short");
    });
    StepController c = StepController.builder("hang").interval(Duration.ofMillis(5))
        .signalTimeout(Duration.ofMillis(1)).signal(hung).signal(queue).build();
    ScheduledExecutorService ticks = ticks();
    ExecutorService samples = samples(new AtomicInteger());
    try {
      c.start(TickScheduler.of(ticks, samples));
      assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(ticksAfterTheHang.await(60, TimeUnit.SECONDS)).as("the ticks go on while db hangs").isTrue();
      assertThat(c.running()).isTrue();
      assertThat(hungSamples).as("a hung signal is not started again").hasValue(1);
      assertThat(c.signalFailures()).as("db is unknown in every interval").isGreaterThanOrEqualTo(10);
      assertThat(c.lastHealth().detail()).contains("db still running since an earlier interval");
      long closing = System.nanoTime();
      c.close();
      assertThat(Duration.ofNanos(System.nanoTime() - closing)).as("close is not held up by the hung signal")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(threadsOfTheController("hang")).isEmpty();
    } finally {
      release.countDown();
      c.close();
      ticks.shutdownNow();
      samples.shutdownNow();
    }
  }

  @Test
  void aControllerTickedByHandSamplesOnItsOwnThreadsUntilClosed() throws Exception {
    List<String> sampledOn = new CopyOnWriteArrayList<>();
    HealthSignal db = signal("db", () -> {
      sampledOn.add(Thread.currentThread().getName());
      return Health.healthy("db fine");
    });
    StepController c = StepController.builder("by-hand").signal(db).build();
    c.tick(1_000_000_000L);
    assertThat(c.lastHealth()).isEqualTo(Health.healthy("db fine"));
    assertThat(sampledOn).containsExactly("limiter-step-by-hand-signal");
    c.close();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("limiter-step-by-hand")) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
    }
    assertThat(threadsOfTheController("by-hand")).as("close stops them").isEmpty();
  }
}
