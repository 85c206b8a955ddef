package io.limiter.core.step;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The host's scheduler, on which step controllers tick: a library must not own threads that outlive the application
 * (a servlet filter passes one it stops in {@code destroy()}, Spring Boot its {@code TaskScheduler}). Implementations
 * must be thread-safe.
 */
@FunctionalInterface
public interface TickScheduler {

  /**
   * Runs a task every {@code period}, first after one period, until the returned future is cancelled.
   *
   * @param task the task; it never throws
   * @param period the period, positive
   * @return the schedule, cancelled by the controller when it closes
   */
  ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period);

  /**
   * @param executor an executor the caller owns and shuts down
   * @return a scheduler on it
   */
  static TickScheduler of(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    return (task, period) -> executor.scheduleAtFixedRate(task, period.toNanos(), period.toNanos(),
        TimeUnit.NANOSECONDS);
  }
}
