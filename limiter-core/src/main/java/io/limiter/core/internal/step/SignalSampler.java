package io.limiter.core.internal.step;

import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Samples a step controller's health signals once per tick and combines them, worst wins: severe over unhealthy over
 * unknown over healthy, the details of the signals at the worst status joined. A signal that throws (an
 * {@link Error} too), returns null or does not answer within the signal timeout is unknown for the interval, counted
 * and logged (at most once a minute).
 *
 * <p>The built-in signals (counters the controller owns) are sampled on the tick's thread. Custom signals are user
 * code that may block: each runs on the {@linkplain #sampleOn host's executor} while the controller ticks on the
 * host's scheduler, else on a pool of the sampler's own (a controller ticked by hand, or one started without a host
 * scheduler), shut down by {@link #close()}. The tick waits for a custom signal at most the signal timeout, and a
 * signal still running from an earlier interval is not started again, so a hung signal holds one thread, never the
 * tick.
 *
 * <p>Thread-safety: {@link #sample(long)} must be serialized by the caller (signals may assume one sampler at a time;
 * the controller holds its sample lock). {@link #sampleOn}, {@link #close()} and {@link #failures()} are safe from any
 * thread.
 */
public final class SignalSampler {

  private static final System.Logger LOG = System.getLogger("io.limiter.core.step.StepController");
  private static final long FAILURE_LOG_INTERVAL_NANOS = 60_000_000_000L;

  private final String controller;
  private final List<HealthSignal> signals;
  private final int builtIn;
  private final long timeoutNanos;
  private final LongAdder failures = new LongAdder();
  /** A custom signal's sample still running from an earlier interval, by signal index; guarded by the caller. */
  private final FutureTask<Health>[] pending;
  private long lastFailureLog = Long.MIN_VALUE;
  /** The host's executor while the controller ticks on the host's scheduler; else null. */
  private volatile @Nullable Executor host;
  /** The sampler's own pool, created when a custom signal is sampled without a host; guarded by {@code this}. */
  private @Nullable ExecutorService own;

  /**
   * @param controller the controller's name, for the log and the pool's thread names
   * @param signals the signals, the built-in ones first
   * @param builtIn how many of them are built in (sampled directly on the tick's thread)
   * @param timeout how long a tick waits for a custom signal
   */
  public SignalSampler(String controller, List<HealthSignal> signals, int builtIn, Duration timeout) {
    this.controller = controller;
    this.signals = List.copyOf(signals);
    this.builtIn = builtIn;
    this.timeoutNanos = timeout.toNanos();
    @SuppressWarnings("unchecked")
    FutureTask<Health>[] tasks = (FutureTask<Health>[]) new FutureTask<?>[signals.size()];
    this.pending = tasks;
  }

  /** @return the signals, the built-in ones first */
  public List<HealthSignal> signals() {
    return signals;
  }

  /** @return how many custom signals there are: the most threads that hung signals may hold at once */
  public int customSignals() {
    return signals.size() - builtIn;
  }

  /** @return how often a signal failed, returned null or did not answer in time */
  public long failures() {
    return failures.sum();
  }

  /**
   * Runs the custom signals on the host's executor from now on (the controller started on the host's scheduler), or
   * on the sampler's own pool again.
   *
   * @param executor the host's executor, or null for the sampler's own pool
   */
  public void sampleOn(@Nullable Executor executor) {
    host = executor;
  }

  /**
   * Samples every signal and combines them.
   *
   * @param now the time on the controller's ticker, for the failure log's rate
   * @return the combined health
   */
  public Health sample(long now) {
    Health worst = null;
    StringBuilder details = new StringBuilder();
    for (int i = 0; i < signals.size(); i++) {
      HealthSignal signal = signals.get(i);
      Health h = i < builtIn ? sampleDirectly(signal, now) : sampleGuarded(i, signal, now);
      if (worst == null || h.status().compareTo(worst.status()) > 0) {
        worst = h;
        details.setLength(0);
        details.append(h.detail());
      } else if (h.status() == worst.status()) {
        details.append("; ").append(h.detail());
      }
    }
    return worst == null ? Health.healthy("no signals") : new Health(worst.status(), details.toString());
  }

  private Health sampleDirectly(HealthSignal signal, long now) {
    try {
      return Objects.requireNonNull(signal.sample(), "sample() returned null");
    } catch (Throwable e) { // an Error too: the controller must keep ticking
      return failed(signal, now, "failed: " + e, e);
    }
  }

  /** Samples a custom signal on another thread, waiting at most the signal timeout; a hung signal is not re-run. */
  private Health sampleGuarded(int i, HealthSignal signal, long now) {
    FutureTask<Health> f = pending[i];
    boolean waited = f != null;
    if (f == null) {
      f = new FutureTask<>(signal::sample);
      try {
        executor().execute(f);
      } catch (RejectedExecutionException e) {
        return failed(signal, now, "could not be sampled: " + e, e);
      }
      pending[i] = f;
    }
    try {
      Health h = waited ? (f.isDone() ? f.get() : null) : f.get(timeoutNanos, TimeUnit.NANOSECONDS);
      if (h == null && waited) {
        return failed(signal, now, "still running since an earlier interval (timeout "
            + Duration.ofNanos(timeoutNanos) + ")", null);
      }
      pending[i] = null;
      return Objects.requireNonNull(h, "sample() returned null");
    } catch (TimeoutException e) {
      return failed(signal, now, "did not answer within " + Duration.ofNanos(timeoutNanos), null);
    } catch (ExecutionException e) {
      pending[i] = null;
      return failed(signal, now, "failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Health.unknown(signal.name() + " not sampled: interrupted");
    } catch (RuntimeException e) {
      pending[i] = null;
      return failed(signal, now, "failed: " + e, e);
    }
  }

  private Health failed(HealthSignal signal, long now, String what, @Nullable Throwable cause) {

    failures.increment();
    if (lastFailureLog == Long.MIN_VALUE || now - lastFailureLog >= FAILURE_LOG_INTERVAL_NANOS) {
      lastFailureLog = now;
      LOG.log(Level.WARNING, "health signal " + signal.name() + " of step controller " + controller + " " + what
          + "; the interval is unknown for it (" + failures.sum() + " failures so far; logged at most once a "
          + "minute)", cause);
    }
    return Health.unknown(signal.name() + " " + what);
  }

  private Executor executor() {
    Executor h = host;
    return h != null ? h : ownPool();
  }

  private synchronized ExecutorService ownPool() {
    if (own == null) {
      own = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "limiter-step-" + controller + "-signal");
        t.setDaemon(true);
        return t;
      });
    }
    return own;
  }

  /**
   * Stops the sampler's own pool, if it made one (a signal that does not answer is abandoned on its thread); the
   * host's executor stays the host's. Idempotent; a later sample makes a new pool if it needs one.
   */
  public void close() {
    ExecutorService pool;
    synchronized (this) {
      pool = own;
      own = null;
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
