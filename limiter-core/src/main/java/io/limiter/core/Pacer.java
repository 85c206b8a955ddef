package io.limiter.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How a waiting {@link RateLimiter#acquire(String, long, java.time.Duration) acquire} waits for its slot: a clock and
 * two ways to wait for a time on it. The system pacer parks the calling thread with {@link LockSupport#parkNanos}
 * (no monitor is held, so a virtual thread unmounts instead of pinning its carrier) and schedules asynchronous
 * completions on the JDK's shared delay scheduler, running them on an executor. Tests use a pacer on a manual clock
 * ({@code io.limiter.test.ManualPacer}) so that waits are exact and nothing sleeps.
 *
 * <p>Implementations are thread-safe.
 */
public interface Pacer {

  /** @return the clock that slots are measured on: the store's clock for local stores */
  Ticker ticker();

  /**
   * Blocks until {@link #ticker()} reads at least {@code deadline}.
   *
   * @param deadline a reading of {@link #ticker()}
   * @throws InterruptedException if the thread is interrupted while waiting (its interrupt status is cleared)
   */
  void awaitUntil(long deadline) throws InterruptedException;

  /**
   * Runs {@code task} once {@link #ticker()} reads at least {@code deadline}, on another thread than the caller's
   * (never inline, so completions do not run on the caller's stack).
   *
   * @param deadline a reading of {@link #ticker()}
   * @param task what to run
   */
  void runAt(long deadline, Runnable task);

  /** @return the system pacer: {@link Ticker#system()}, parking, and completions on the common pool */
  static Pacer system() {
    return of(Ticker.system(), ForkJoinPool.commonPool());
  }

  /**
   * A pacer that parks on {@code ticker} and runs completions on {@code executor} after the JDK's shared delay
   * scheduler (the one of {@link CompletableFuture#delayedExecutor}) fires.
   *
   * @param ticker the clock of the store that reserves the slots (it must advance in real time)
   * @param executor where asynchronous completions run
   * @return the pacer
   */
  static Pacer of(Ticker ticker, Executor executor) {
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(executor, "executor");
    return new Pacer() {
      @Override
      public Ticker ticker() {
        return ticker;
      }

      @Override
      public void awaitUntil(long deadline) throws InterruptedException {
        for (;;) {
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          long left = deadline - ticker.read();
          if (left <= 0) {
            return;
          }
          LockSupport.parkNanos(this, left); // may return early (spuriously, or on unpark): loop
        }
      }

      @Override
      public void runAt(long deadline, Runnable task) {
        long left = Math.max(0, deadline - ticker.read());
        CompletableFuture.delayedExecutor(left, TimeUnit.NANOSECONDS, executor).execute(() -> {
          long late = deadline - ticker.read(); // the delayer's clock and the ticker may differ by a little
          if (late > 0) {
            runAt(deadline, task);
          } else {
            task.run();
          }
        });
      }

      @Override
      public String toString() {
        return "Pacer{" + ticker + "}";
      }
    };
  }
}
