package io.limiter.core.internal.step;

import io.limiter.core.Ticker;
import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Feeds a step controller's built-in call signals ({@link CallSignals}: latency, error ratio, in-flight calls) with the
 * calls the integrations let through, attributing each to its client so that the signals can set the worst clients
 * aside. Each signal is optional (null when not configured); a call costs a clock read and a few atomic increments.
 *
 * <p>Thread-safe: {@link #started()} and {@link #finished} are called by every request thread at once; the signals
 * are sampled on the tick.
 */
public final class CallFeed {

  private final Ticker ticker;
  private final CallSignals.@Nullable Clients clients;
  private final CallSignals.@Nullable Latency latency;
  private final CallSignals.@Nullable Errors errors;
  private final CallSignals.@Nullable InFlight inFlight;

  /**
   * @param ticker the clock of the latencies
   * @param clients the per-client counts, or null when no signal sets clients aside
   * @param latency the latency signal, or null
   * @param errors the error-ratio signal, or null
   * @param inFlight the in-flight signal, or null
   */
  public CallFeed(Ticker ticker, CallSignals.@Nullable Clients clients, CallSignals.@Nullable Latency latency,
      CallSignals.@Nullable Errors errors, CallSignals.@Nullable InFlight inFlight) {
    this.ticker = ticker;
    this.clients = clients;
    this.latency = latency;
    this.errors = errors;
    this.inFlight = inFlight;
  }

  /** @return the configured call signals, in the order latency, error ratio, in-flight */
  public List<HealthSignal> signals() {
    List<HealthSignal> all = new ArrayList<>();
    if (latency != null) {
      all.add(latency);
    }
    if (errors != null) {
      all.add(errors);
    }
    if (inFlight != null) {
      all.add(inFlight);
    }
    return all;
  }

  /**
   * Marks the start of a call.
   *
   * @return a token for {@link #finished}: the start time when latency is measured, else 0
   */
  public long started() {
    if (inFlight != null) {
      inFlight.enter();
    }
    return latency != null ? ticker.read() : 0;
  }

  /**
   * Marks the end of a call.
   *
   * @param token what {@link #started()} returned
   * @param failed whether the server failed
   * @param client who made the call, or null
   * @param clientWaitNanos time spent waiting for the client, left out of the latency
   */
  public void finished(long token, boolean failed, @Nullable String client, long clientWaitNanos) {

    if (inFlight != null) {
      inFlight.exit();
    }
    int slot = -1;
    if (clients != null) {
      slot = clients.slot(client);
      if (slot >= 0) {
        clients.called(slot);
      }
    }
    if (latency != null) {
      latency.record(ticker.read() - token - Math.max(0, clientWaitNanos), clients, slot);
    }
    if (errors != null) {
      errors.record(failed, clients, slot);
    }
  }

  /** @return calls in flight now; 0 without the in-flight signal */
  public long inFlight() {
    return inFlight == null ? 0 : inFlight.current();
  }

  /** @return whether the latency signal judged the last sampled interval unhealthy or severe */
  public boolean latencyBad() {
    return latency != null && latency.lastStatus().compareTo(Health.Status.UNHEALTHY) >= 0;
  }

  /** @return how far over (or under) its target the latency was in the last judged interval; NaN if not judged */
  public double latencyRatio() {
    return latency == null || latency.lastStatus() == Health.Status.UNKNOWN ? Double.NaN : latency.lastRatio();
  }
}
