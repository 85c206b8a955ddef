package io.limiter.core.internal.step;

import io.limiter.core.step.TickScheduler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The schedule of a step controller's ticks: one fixed-rate task on a {@link TickScheduler}, the host's or, for a
 * plain program, a daemon thread of the controller's own ({@link #startOwn()}). The task never lets anything escape
 * (an escaping throwable would cancel a fixed-rate schedule and freeze the level): a failure is counted and logged,
 * and the next tick runs. Restartable: {@link #cancel} and start again.
 *
 * <p>Thread-safe: start, cancel and {@link #running()} are serialized on this object; the task runs on the
 * scheduler's threads.
 */
public final class TickSchedule {

  private static final System.Logger LOG = System.getLogger("io.limiter.core.step.StepController");

  private final String controller;
  private final Duration interval;
  private final Runnable tick;
  private final LongAdder failures = new LongAdder();
  // guarded by this
  private @Nullable ScheduledFuture<?> schedule;
  /** The executor of {@link #startOwn()}, shut down by {@link #cancel}; null on the host's scheduler. */
  private @Nullable ScheduledExecutorService own;

  /**
   * @param controller the controller's name, for messages and the own thread's name
   * @param interval the period
   * @param tick one tick
   */
  public TickSchedule(String controller, Duration interval, Runnable tick) {
    this.controller = controller;
    this.interval = interval;
    this.tick = tick;
  }

  /**
   * Ticks on the host's scheduler.
   *
   * @param scheduler the host's scheduler
   * @param onStart run first, before any tick can run (serialized with {@link #cancel}'s {@code onCancel})
   * @throws IllegalStateException if already started; then {@code onStart} is not run
   */
  public synchronized void start(TickScheduler scheduler, Runnable onStart) {
    start(scheduler, null, onStart);
  }

  /**
   * Ticks on a daemon thread of the controller's own, {@code limiter-step-<name>}, stopped by {@link #cancel}.
   *
   * @param onStart run first, before any tick can run (serialized with {@link #cancel}'s {@code onCancel})
   * @throws IllegalStateException if already started; then {@code onStart} is not run
   */
  public synchronized void startOwn(Runnable onStart) {
    if (schedule != null) {
      throw alreadyStarted();
    }
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "limiter-step-" + controller);
      t.setDaemon(true);
      return t;
    });
    try {
      start(TickScheduler.of(executor), executor, onStart);
    } catch (RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  private void start(TickScheduler scheduler, @Nullable ScheduledExecutorService executor, Runnable onStart) {

    if (schedule != null) {
      throw alreadyStarted();
    }
    onStart.run();
    schedule = scheduler.scheduleAtFixedRate(this::run, interval);
    own = executor;
  }

  private IllegalStateException alreadyStarted() {
    return new IllegalStateException("step controller " + controller + " is already started");
  }

  private void run() {
    try {
      tick.run();
    } catch (Throwable e) {
      // anything escaping would cancel the schedule and freeze the level: count, log, and keep ticking
      failures.increment();
      LOG.log(Level.WARNING, "tick of step controller " + controller + " failed", e);
    }
  }

  /** @return whether started and not cancelled since */
  public synchronized boolean running() {
    return schedule != null;
  }

  /** @return how often a tick failed */
  public long failures() {
    return failures.sum();
  }

  /**
   * Cancels the schedule and, after {@code whileRunningTickEnds} has returned (it waits for a running tick), shuts
   * down the own thread, if any; the host's scheduler stays the host's. Idempotent.
   *
   * @param onCancel run at once, serialized with the starts' {@code onStart}
   * @param whileRunningTickEnds run after the cancel when there was a schedule: waits for a tick that is running
   */
  public void cancel(Runnable onCancel, Runnable whileRunningTickEnds) {
    ScheduledFuture<?> s;
    ScheduledExecutorService executor;
    synchronized (this) {
      s = schedule;
      executor = own;
      schedule = null;
      own = null;
      onCancel.run();
    }
    if (s != null) {
      s.cancel(false);
      whileRunningTickEnds.run();
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
