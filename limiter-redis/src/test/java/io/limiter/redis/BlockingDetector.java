package io.limiter.redis;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Proves that code is non-blocking without an agent (BlockHound is not available to this build): work runs on a
 * dedicated "non-blocking" thread, and a watchdog samples that thread and the Lettuce I/O and timer threads without
 * pause while it runs. Any sample that finds one of them parked, waiting or blocked on a monitor while a frame of
 * this library is on its stack is a violation, reported with the stack. Combined with a frozen server, a blocking call
 * is caught for certain: it would wait for the whole command timeout, during which thousands of samples are taken.
 */
final class BlockingDetector implements AutoCloseable {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final List<String> violations = new ArrayList<>();
  private final Thread caller;
  private final Thread watchdog;
  private volatile boolean running = true;
  private volatile Callable<?> task;
  private volatile CompletableFuture<Object> result;
  private long samples;

  BlockingDetector() {
    caller = new Thread(this::serve, "non-blocking-caller");
    caller.setDaemon(true);
    caller.start();
    watchdog = new Thread(this::watch, "blocking-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Runs {@code work} on the non-blocking thread and returns its result; the thread is watched while it runs. */
  @SuppressWarnings("unchecked")
  synchronized <T> T onNonBlockingThread(Callable<T> work) throws Exception {
    CompletableFuture<Object> r = new CompletableFuture<>();
    result = r;
    task = work;
    return (T) r.get(60, TimeUnit.SECONDS);
  }

  private void serve() {
    while (running) {
      Callable<?> work = task;
      if (work == null) {
        Thread.onSpinWait(); // spin, never park: parking between tasks would look like blocking
        continue;
      }
      task = null;
      CompletableFuture<Object> r = result;
      try {
        r.complete(work.call());
      } catch (Throwable t) {
        r.completeExceptionally(t);
      }
    }
  }

  private void watch() {
    while (running) {
      for (ThreadInfo info : THREADS.dumpAllThreads(false, false, 64)) {
        if (info == null || !watched(info.getThreadName())) {
          continue;
        }
        Thread.State state = info.getThreadState();
        if (state == Thread.State.RUNNABLE || state == Thread.State.NEW || state == Thread.State.TERMINATED) {
          continue;
        }
        StackTraceElement[] stack = info.getStackTrace();
        if (Arrays.stream(stack).anyMatch(BlockingDetector::ours)) {
          synchronized (violations) {
            if (violations.size() < 5) {
              violations.add(info.getThreadName() + " " + state + "\n\tat " + String.join("\n\tat ",
                  Arrays.stream(stack).map(StackTraceElement::toString).toList()));
            }
          }
        }
      }
      synchronized (violations) {
        samples++;
      }
    }
  }

  private static boolean watched(String name) {
    return name.equals("non-blocking-caller") || name.startsWith("lettuce-") || name.startsWith("limiter-redis");
  }

  private static boolean ours(StackTraceElement frame) {
    String c = frame.getClassName();
    return c.startsWith("io.limiter.") && !c.startsWith("io.limiter.redis.BlockingDetector")
        && !c.endsWith("IT") && !c.contains("IT$");
  }

  /** @return the violations so far: thread, state and stack of each (at most five) */
  List<String> violations() {
    synchronized (violations) {
      return List.copyOf(violations);
    }
  }

  /** @return how many times every watched thread was sampled */
  long samples() {
    synchronized (violations) {
      return samples;
    }
  }

  @Override
  public void close() {
    running = false;
  }
}
