package io.limiter.bench.overload;

import io.limiter.core.step.StepChange;
import io.limiter.core.step.StepListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleConsumer;

/**
 * The load generator of the overload comparison: plays an arrival schedule open loop over HTTP against any server
 * that plays the {@link SimulatedService} (the bench's own Jetty in {@link OverloadRun}, or the Boot example's runner)
 * and records every request. Needs nothing but the JDK's HTTP client and limiter-core, so that other modules can use
 * it without the bench's dependencies. Not thread-safe: one {@code drive} at a time per recorder.
 */
public final class LoadDriver {

  /** Status recorded for an arrival the client could not send (too many outstanding). */
  public static final int DROPPED = 0;
  /** Status recorded for a request that failed on the wire or timed out. */
  public static final int FAILED = -1;

  private LoadDriver() {
  }

  /**
   * What a run recorded, per arrival of the schedule (same indexes).
   *
   * @param contender the contender's name
   * @param arrivals the schedule
   * @param status the HTTP status, {@link #DROPPED} or {@link #FAILED}
   * @param latencyNanos from the scheduled send time to the response, for answered requests
   * @param steps the step controller's level changes (none for other contenders)
   */
  public record Recording(String contender, List<LoadCurve.Arrival> arrivals, int[] status, long[] latencyNanos,
      List<Step> steps) {
  }

  /**
   * A level change of a step controller during a run.
   *
   * @param atNanos when, since the start of the schedule
   * @param change the event
   */
  public record Step(long atNanos, StepChange change) {
  }

  /**
   * Hears a step controller's level changes and records them with their time since the schedule started (changes
   * before it, during the warm-up, are left out). Thread-safe.
   */
  public static final class StepRecorder implements StepListener {
    private final AtomicLong start = new AtomicLong(Long.MAX_VALUE);
    private final List<Step> steps = new CopyOnWriteArrayList<>();

    @Override
    public void onStepChange(StepChange change) {
      long t0 = start.get();
      if (t0 != Long.MAX_VALUE) {
        steps.add(new Step(System.nanoTime() - t0, change));
      }
    }

    void started(long nanoTime) {
      start.set(nanoTime);
    }

    List<Step> steps() {
      return List.copyOf(steps);
    }
  }

  /**
   * Plays the arrival schedule against a running service, open loop: warms up with a few calls, then sends every
   * arrival at its instant (asynchronously; one that finds {@code maxInFlight} requests outstanding counts as dropped)
   * and tells {@code capacity} the scenario's capacity at every phase change. Used for the bench's own Jetty and for
   * any other server that plays the simulated service (the Boot example's runner).
   *
   * @param name the contender's name in the recording
   * @param uri the service's URI
   * @param curve the scenario
   * @param arrivals the schedule drawn from it
   * @param capacity sets the service's capacity factor
   * @param maxInFlight the most outstanding requests
   * @param steps records the step changes, if the server has a step controller (may be null)
   * @return the recording
   * @throws Exception if the warm-up fails or requests are still outstanding 60 s after the schedule
   */
  public static Recording drive(String name, URI uri, LoadCurve curve, List<LoadCurve.Arrival> arrivals,
      DoubleConsumer capacity, int maxInFlight, StepRecorder steps) throws Exception {
    ExecutorService clientThreads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "overload-client");
      t.setDaemon(true);
      return t;
    });
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads)
        .connectTimeout(Duration.ofSeconds(10)).build();
    try {
      warmUp(client, uri);
      return drive(name, client, uri, curve, arrivals, capacity, maxInFlight,
          steps == null ? new StepRecorder() : steps);
    } finally {
      clientThreads.shutdownNow();
    }
  }

  /** A few calls at a trickle, so class loading and connection set-up are not in the first phase. */
  private static void warmUp(HttpClient client, URI uri) throws Exception {
    for (int i = 0; i < 10; i++) {
      client.send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", "10.9.9." + i).build(),
          HttpResponse.BodyHandlers.discarding());
    }
  }

  private static Recording drive(String name, HttpClient client, URI uri, LoadCurve curve,
      List<LoadCurve.Arrival> arrivals, DoubleConsumer capacity, int maxInFlight, StepRecorder steps)
      throws InterruptedException {
    int n = arrivals.size();
    int[] status = new int[n];
    long[] latency = new long[n];
    AtomicInteger outstanding = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(n);
    HttpRequest[][] requests = new HttpRequest[2][256];
    for (int c = 0; c < 2; c++) {
      for (int u = 0; u < 256; u++) {
        requests[c][u] = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
            .header("X-Forwarded-For", "10." + (c + 1) + ".0." + u).header("X-Client", c == 0 ? "a" : "b").build();
      }
    }
    long start = System.nanoTime();
    steps.started(start);
    int phase = -1;
    for (int i = 0; i < n; i++) {
      LoadCurve.Arrival a = arrivals.get(i);
      long due = start + a.atNanos();
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int p = curve.phase(a.atNanos());
      if (p != phase) {
        phase = p;
        capacity.accept(curve.capacity(a.atNanos()));
      }
      if (outstanding.incrementAndGet() > maxInFlight) {
        outstanding.decrementAndGet();
        status[i] = DROPPED;
        done.countDown();
        continue;
      }
      int index = i;
      client.sendAsync(requests[a.client()][a.user() & 255], HttpResponse.BodyHandlers.discarding())
          .whenComplete((response, failure) -> {
            latency[index] = System.nanoTime() - due;
            status[index] = failure == null ? response.statusCode() : FAILED;
            outstanding.decrementAndGet();
            done.countDown();
          });
    }
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + ": " + done.getCount() + " requests still outstanding 60 s after the "
          + "schedule ended");
    }
    return new Recording(name, arrivals, status, latency, steps.steps());
  }
}
