package io.limiter.spring.internal;

import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.TickScheduler;
import java.time.Instant;
import java.util.function.Supplier;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Starts the step controllers when the application context starts and closes them when it stops. They tick on the
 * application's {@link TaskScheduler} (Boot's, when scheduling is on); without one, on a scheduler of this lifecycle's
 * own that stops with the context, so that no controller thread outlives it. The controllers are looked up on start,
 * after every bean (and every annotation) is known. Start and stop are called by the context, one at a time.
 */
public final class StepControllerLifecycle implements SmartLifecycle {

  private final Supplier<StepControllerRegistry> controllers;
  private final Supplier<TaskScheduler> hostScheduler;
  private volatile StepControllerRegistry started;
  private ThreadPoolTaskScheduler own;

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
  public StepControllerLifecycle(Supplier<StepControllerRegistry> controllers, Supplier<TaskScheduler> hostScheduler) {
    this.controllers = controllers;
    this.hostScheduler = hostScheduler;
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
    TaskScheduler on = scheduler;
    registry.start((TickScheduler) (task, period) -> on.scheduleAtFixedRate(task, Instant.now().plus(period), period));
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
    own = null;
    if (s != null) {
      s.shutdown();
    }
  }

  @Override
  public boolean isRunning() {
    return started != null;
  }
}
