package io.limiter.bench.overload;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import io.limiter.core.step.StepChange;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One run of one contender: starts embedded Jetty on a free loopback port with the {@link SimulatedService} on
 * {@code /work} behind the contender's filter, plays the arrival schedule open loop over HTTP with
 * {@code java.net.http} (asynchronous; an arrival that finds {@code maxInFlight} requests outstanding is not sent and
 * counts as dropped), switches the service's capacity at the phase boundaries, and records every request.
 * Not thread-safe: one run at a time.
 */
public final class OverloadRun {

  /** Status recorded for an arrival the client could not send (too many outstanding). */
  public static final int DROPPED = 0;
  /** Status recorded for a request that failed on the wire or timed out. */
  public static final int FAILED = -1;

  private OverloadRun() {
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
   * Runs one contender.
   *
   * @param contender who
   * @param settings what it is tuned to
   * @param curve the scenario
   * @param arrivals the schedule drawn from it
   * @param service the service model (its capacity is switched by the run)
   * @param maxInFlight the most outstanding requests
   * @return the recording
   * @throws Exception if Jetty cannot start
   */
  public static Recording run(Contender contender, Contender.Settings settings, LoadCurve curve,
      List<LoadCurve.Arrival> arrivals, SimulatedService service, int maxInFlight) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(maxInFlight + 64, 16);
    threads.setName("overload-" + contender.name());
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(1024);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(service), "/work");
    List<Step> steps = new CopyOnWriteArrayList<>();
    AtomicLong start = new AtomicLong(Long.MAX_VALUE);
    Filter filter = contender.filter().create(settings, change -> {
      long t0 = start.get();
      if (t0 != Long.MAX_VALUE) {
        steps.add(new Step(System.nanoTime() - t0, change));
      }
    });
    if (filter != null) {
      context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    server.setHandler(context);
    service.capacity(1.0);
    server.start();
    ExecutorService clientThreads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "overload-client");
      t.setDaemon(true);
      return t;
    });
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads)
        .connectTimeout(Duration.ofSeconds(10)).build();
    try {
      URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/work");
      warmUp(client, uri);
      return drive(contender.name(), client, uri, curve, arrivals, service, maxInFlight, start, steps);
    } finally {
      server.stop();
      clientThreads.shutdownNow();
      service.capacity(1.0);
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
      List<LoadCurve.Arrival> arrivals, SimulatedService service, int maxInFlight, AtomicLong startOut, List<Step> steps)
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
    startOut.set(start);
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
        service.capacity(curve.capacity(a.atNanos()));
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
    return new Recording(name, arrivals, status, latency, List.copyOf(steps));
  }
}
