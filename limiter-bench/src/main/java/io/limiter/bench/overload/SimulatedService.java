package io.limiter.bench.overload;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service under overload: every call takes {@code base} plus {@code perCall / capacity} for every call in flight
 * when it starts (the calls slow each other down the way a shared database or CPU does, without a lock), so its
 * throughput is bounded by {@code capacity / perCall} calls a second and its latency runs away beyond the knee.
 * {@link #capacity(double)} changes the capacity under load (the "bad deploy" phase runs at 0.5).
 *
 * <p>With the defaults (20 ms + 4 ms per call in flight) it serves at most 250 calls a second at full capacity; with
 * Poisson arrivals its p95 reaches 150 ms near 200 a second, the nominal capacity of the scenario. Thread-safe: the
 * counters are atomic and the capacity volatile.
 */
public final class SimulatedService extends HttpServlet {

  private static final byte[] BODY = "done\n".getBytes(StandardCharsets.US_ASCII);

  private final long baseMicros;
  private final long perCallMicros;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile double capacity = 1.0;

  /**
   * @param baseMicros the latency of a call alone
   * @param perCallMicros what each call in flight adds at full capacity
   */
  public SimulatedService(long baseMicros, long perCallMicros) {
    this.baseMicros = baseMicros;
    this.perCallMicros = perCallMicros;
  }

  /**
   * Sets the capacity.
   *
   * @param factor of the nominal capacity, in (0, 1]
   */
  public void capacity(double factor) {
    this.capacity = factor;
  }

  /** @return calls in flight now */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * @param concurrency calls in flight
   * @param capacityFactor the capacity
   * @return the latency of a call starting with that many in flight, in microseconds
   */
  public long latencyMicros(int concurrency, double capacityFactor) {
    return baseMicros + Math.round(perCallMicros * concurrency / capacityFactor);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    int n = inFlight.incrementAndGet();
    try {
      long micros = latencyMicros(n - 1, capacity);
      Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.sendError(503);
      return;
    } finally {
      inFlight.decrementAndGet();
    }
    response.setContentType("text/plain");
    response.setContentLength(BODY.length);
    response.getOutputStream().write(BODY);
  }
}
