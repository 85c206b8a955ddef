package io.limiter.core.step;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The host's threads, on which a started step controller runs: its ticks, and the samples of its custom
 * {@link HealthSignal}s. A library must not own threads that outlive the application, so the host passes them (a
 * servlet filter threads it stops in {@code destroy()}, Spring its {@code TaskScheduler}), as Caffeine takes an
 * executor and a scheduler.
 *
 * <p>A tick waits for a custom signal's sample at most the controller's {@code signal-timeout}, and a signal is not
 * sampled again while an earlier sample still runs, so a signal that hangs holds one thread of the host's, not the
 * ticks, provided {@link #execute} runs samples on threads other than the ticking one: give it one thread per custom
 * signal beyond the ticks' (see {@link #of(ScheduledExecutorService, Executor)}). Implementations must be
 * thread-safe.
 */
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
   * Runs a task once, as soon as possible: one sample of a custom health signal, which may block.
   *
   * @param task the task
   * @throws RejectedExecutionException if it cannot be run; the signal is unknown for that interval
   */
  void execute(Runnable task);

  /**
   * Ticks and samples on one executor. A sample waits for a free thread of it, so with a single thread a custom
   * signal is sampled only after the tick that waits for it gave up; prefer
   * {@link #of(ScheduledExecutorService, Executor)} when there are custom signals.
   *
   * @param executor an executor the caller owns and shuts down
   * @return a scheduler on it
   */
  static TickScheduler of(ScheduledExecutorService executor) {
    return of(executor, executor);
  }

  /**
   * Ticks on one executor and samples custom signals on another.
   *
   * @param ticks the executor of the ticks, which the caller owns and shuts down
   * @param samples the executor of the custom signals' samples, which the caller owns and shuts down; one thread per
   *     custom signal is the most it needs (a signal that hangs keeps one)
   * @return a scheduler on them
   */
  static TickScheduler of(ScheduledExecutorService ticks, Executor samples) {
    Objects.requireNonNull(ticks, "ticks");
    Objects.requireNonNull(samples, "samples");
    return new TickScheduler() {
      @Override
      public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
        return ticks.scheduleAtFixedRate(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
      }

      @Override
      public void execute(Runnable task) {
        samples.execute(task);
      }
    };
  }
}
