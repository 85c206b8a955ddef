package io.limiter.test;

import io.limiter.core.Pacer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Pacer} on a {@link ManualTicker}: waiting calls wait until a test {@linkplain #advance(Duration) advances}
 * the clock past their slot, so waits are exact and nothing sleeps. Scheduled completions run on the thread that
 * advances the clock, in the order of their deadlines. {@link #awaitWaiting(int)} lets a test wait until its callers
 * have reserved their slots and started waiting. Thread-safe; waits hold a {@link ReentrantLock}, never a monitor.
 */
public final class ManualPacer implements Pacer {

  private final ManualTicker ticker;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long sequence;
  private int waiting;

  /** @param ticker the clock of the store the limiter reserves slots in */
  public ManualPacer(ManualTicker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  private record Task(long deadline, long sequence, Runnable action) implements Comparable<Task> {
    @Override
    public int compareTo(Task other) {
      int c = Long.compare(deadline, other.deadline);
      return c != 0 ? c : Long.compare(sequence, other.sequence);
    }
  }

  @Override
  public ManualTicker ticker() {
    return ticker;
  }

  @Override
  public void awaitUntil(long deadline) throws InterruptedException {
    lock.lock();
    try {
      waiting++;
      changed.signalAll();
      try {
        while (ticker.read() < deadline) {
          changed.await();
        }
      } finally {
        waiting--;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void runAt(long deadline, Runnable task) {
    lock.lock();
    try {
      tasks.add(new Task(deadline, sequence++, task));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves the clock, then runs the completions that are due and wakes the waiters whose slot has come.
   *
   * @param duration how far
   * @return this pacer
   */
  public ManualPacer advance(Duration duration) {
    return advanceNanos(duration.toNanos());
  }

  /**
   * Moves the clock by {@code nanos}, as {@link #advance(Duration)}.
   *
   * @param nanos how far
   * @return this pacer
   */
  public ManualPacer advanceNanos(long nanos) {
    List<Runnable> due = new ArrayList<>();
    lock.lock();
    try {
      ticker.advanceNanos(nanos);
      while (!tasks.isEmpty() && tasks.peek().deadline() <= ticker.read()) {
        due.add(tasks.poll().action());
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    due.forEach(Runnable::run);
    return this;
  }

  /** @return the threads waiting for their slot now */
  public int waiting() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  /** @return the scheduled completions not yet run */
  public int scheduled() {
    lock.lock();
    try {
      return tasks.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Blocks until exactly {@code count} threads wait for their slot (at most 60 s: a generous bound for a busy
   * machine, never a timing assumption of the test).
   *
   * @param count the number of waiting threads
   * @throws AssertionError if that does not happen within 60 s
   */
  public void awaitWaiting(int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    lock.lock();
    try {
      while (waiting != count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("expected " + count + " waiting threads but " + waiting + " are waiting");
        }
        changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + count + " waiting threads", e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "ManualPacer{" + ticker + ", waiting " + waiting() + ", scheduled " + scheduled() + "}";
  }
}
