package io.limiter.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limiter.core.Ticker;
import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/** The controllers tick on the application's scheduler, or on one of the lifecycle's own that stops with it. */
class StepControllerLifecycleTest {

  private final List<String> tickThreads = new CopyOnWriteArrayList<>();
  private final List<Thread> tickers = new CopyOnWriteArrayList<>();

  private StepControllerRegistry registry() {
    // a tick reads the controller's clock on the tick's thread
    Ticker clock = () -> {
      tickThreads.add(Thread.currentThread().getName());
      tickers.add(Thread.currentThread());
      return System.nanoTime();
    };
    StepControllerRegistry registry = new StepControllerRegistry();
    registry.register(StepController.builder("api").interval(Duration.ofMillis(10)).ticker(clock).build());
    return registry;
  }

  @Test
  void theControllersTickOnTheApplicationsTaskScheduler() {
    ThreadPoolTaskScheduler host = new ThreadPoolTaskScheduler();
    host.setThreadNamePrefix("app-scheduler-");
    host.initialize();
    try {
      StepControllerRegistry registry = registry();
      StepControllerLifecycle lifecycle = new StepControllerLifecycle(() -> registry, () -> host);
      lifecycle.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> tickThreads.stream().anyMatch(n -> n.startsWith("app-")));
      lifecycle.stop();
      assertThat(registry.find("api")).get().satisfies(c -> assertThat(c.running()).isFalse());
      assertThat(host.getScheduledExecutor().isShutdown()).as("the application's scheduler is its own").isFalse();
    } finally {
      host.shutdown();
    }
  }

  @Test
  void withoutOneTheLifecyclesOwnSchedulerStopsWithTheContext() {
    StepControllerRegistry registry = registry();
    StepControllerLifecycle lifecycle = new StepControllerLifecycle(() -> registry, () -> null);
    lifecycle.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> tickThreads.stream().anyMatch(n -> n.startsWith("limiter-step-")));
    lifecycle.stop();
    // the threads it ticked on end (other contexts of this JVM may have schedulers of their own)
    await().atMost(Duration.ofSeconds(30)).until(() -> tickers.stream().noneMatch(Thread::isAlive));
    lifecycle.start(); // a context stopped and started again
    assertThat(lifecycle.isRunning()).isTrue();
    lifecycle.stop();
  }

  private final List<String> sampleThreads = new CopyOnWriteArrayList<>();
  private final List<Thread> samplers = new CopyOnWriteArrayList<>();

  /** A controller with a custom signal, which records the thread it is sampled on. */
  private StepControllerRegistry registryWithASignal() {
    HealthSignal db = new HealthSignal() {
      @Override
      public String name() {
        return "db";
      }

      @Override
      public Health sample() {
        sampleThreads.add(Thread.currentThread().getName());
        samplers.add(Thread.currentThread());
        return Health.healthy("db fine");
      }
    };
    StepControllerRegistry registry = new StepControllerRegistry();
    registry.register(StepController.builder("api").interval(Duration.ofMillis(10)).signal(db).build());
    return registry;
  }

  @Test
  void customSignalsAreSampledOnTheApplicationsExecutorNotOnItsScheduler() {
    ThreadPoolTaskScheduler host = new ThreadPoolTaskScheduler();
    host.setThreadNamePrefix("app-scheduler-");
    host.initialize();
    ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
    executor.setThreadNamePrefix("app-task-");
    executor.initialize();
    try {
      StepControllerRegistry registry = registryWithASignal();
      StepControllerLifecycle lifecycle = new StepControllerLifecycle(() -> registry, () -> host, () -> executor);
      lifecycle.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> sampleThreads.size() >= 3);
      lifecycle.stop();
      assertThat(sampleThreads).allMatch(n -> n.startsWith("app-task-"));
      assertThat(executor.getThreadPoolExecutor().isShutdown()).as("the application's executor is its own").isFalse();
    } finally {
      executor.shutdown();
      host.shutdown();
    }
  }

  @Test
  void withoutAnExecutorTheLifecyclesOwnSampleThreadsStopWithTheContext() {
    ThreadPoolTaskScheduler host = new ThreadPoolTaskScheduler();
    host.setThreadNamePrefix("app-scheduler-");
    host.initialize();
    try {
      StepControllerRegistry registry = registryWithASignal();
      StepControllerLifecycle lifecycle = new StepControllerLifecycle(() -> registry, () -> host, () -> null);
      lifecycle.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> sampleThreads.size() >= 3);
      lifecycle.stop();
      assertThat(sampleThreads).as("never on the application's scheduler").allMatch(n -> n.startsWith("limiter-step-"));
      await().atMost(Duration.ofSeconds(30)).until(() -> samplers.stream().noneMatch(Thread::isAlive));
    } finally {
      host.shutdown();
    }
  }
}
