package io.limiter.spring.internal;

import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.TickScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Starts the step controllers when the application context starts and closes them when it stops. They tick on the
 * application's {@link TaskScheduler} (Boot's, when scheduling is on); without one, on a scheduler of this lifecycle's
 * own that stops with the context. Their custom health signals, which may block, are sampled on the application's
 * executor (Boot's {@code applicationTaskExecutor}), never on the scheduler (Boot's has one thread, which a hung
 * signal would take from the ticks and from the application's own scheduled tasks); without one, on threads of this
 * lifecycle's own that stop with the context. So no controller thread outlives the context. The controllers are
 * looked up on start, after every bean (and every annotation) is known. Start and stop are called by the context, one
 * at a time.
 */
public final class StepControllerLifecycle implements SmartLifecycle {

  private final Supplier<StepControllerRegistry> controllers;
  private final Supplier<@Nullable TaskScheduler> hostScheduler;
  private final Supplier<@Nullable Executor> hostExecutor;
  private volatile @Nullable StepControllerRegistry started;
  private @Nullable ThreadPoolTaskScheduler own;
  private @Nullable ExecutorService ownSamples;

  /**
   * @param controllers supplies the registry to start
   */
  public StepControllerLifecycle(Supplier<StepControllerRegistry> controllers) {
    this(controllers, () -> null);
  }

  /**
   * @param controllers supplies the registry to start
   * @param hostScheduler supplies the application's scheduler, or null if it has none
   */
  public StepControllerLifecycle(Supplier<StepControllerRegistry> controllers,
      Supplier<@Nullable TaskScheduler> hostScheduler) {
    this(controllers, hostScheduler, () -> null);
  }

  /**
   * @param controllers supplies the registry to start
   * @param hostScheduler supplies the application's scheduler, or null if it has none
   * @param hostExecutor supplies the application's executor for the custom signals' samples, or null if it has none
   */
  public StepControllerLifecycle(Supplier<StepControllerRegistry> controllers,
      Supplier<@Nullable TaskScheduler> hostScheduler, Supplier<@Nullable Executor> hostExecutor) {
    this.controllers = controllers;
    this.hostScheduler = hostScheduler;
    this.hostExecutor = hostExecutor;
  }

  @Override
  public void start() {
    StepControllerRegistry registry = controllers.get();
    if (registry.controllers().isEmpty()) {
      started = registry;
      return;
    }
    TaskScheduler scheduler = hostScheduler.get();
    if (scheduler == null) {
      own = new ThreadPoolTaskScheduler();
      own.setThreadNamePrefix("limiter-step-");
      own.setDaemon(true);
      own.initialize();
      scheduler = own;
    }
    Executor samples = hostExecutor.get();
    if (samples == null) {
      ownSamples = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "limiter-step-signal");
        t.setDaemon(true);
        return t;
      });
      samples = ownSamples;
    }
    TaskScheduler ticks = scheduler;
    Executor sampler = samples;
    registry.start(new TickScheduler() {
      @Override
      public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
        return ticks.scheduleAtFixedRate(task, Instant.now().plus(period), period);
      }

      @Override
      public void execute(Runnable task) {
        sampler.execute(task);
      }
    });
    started = registry;
  }

  @Override
  public void stop() {
    StepControllerRegistry registry = started;
    if (registry != null) {
      registry.close();
      started = null;
    }
    ThreadPoolTaskScheduler s = own;
    ExecutorService samples = ownSamples;
    own = null;
    ownSamples = null;
    if (s != null) {
      s.shutdown();
    }
    if (samples != null) {
      samples.shutdownNow();
    }
  }

  @Override
  public boolean isRunning() {
    return started != null;
  }
}
