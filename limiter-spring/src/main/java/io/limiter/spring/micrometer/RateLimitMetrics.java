package io.limiter.spring.micrometer;

import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import io.limiter.core.step.PenaltyEvent;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepChange;
import io.limiter.core.step.StepController;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Publishes rate limiting to Micrometer:
 * <ul>
 *   <li>{@value #DECISIONS} (counter), tags {@code policy} and {@code outcome} = {@code allowed}, {@code rejected} or
 *       {@code shadow_rejected} (decisions taken by the failure mode while the store failed count here too, and in
 *       {@value #STORE_ERRORS});
 *   <li>{@value #STORE_LATENCY} (timer), tag {@code policy}: the time of each store decision, when the store is
 *       {@link #instrument(RateLimitStore) instrumented};
 *   <li>{@value #STORE_ERRORS} (counter), tag {@code policy}: store calls that threw or answered a degraded decision;
 *   <li>{@value #STEP_LEVEL} and {@value #STEP_FACTOR} (gauges), tag {@code controller}: the level (0 = the highest
 *       rate) and its factor of the base limits, for every {@link #bind(StepController) bound} step controller;
 *   <li>{@value #STEP_CHANGES} (counter), tags {@code controller} and {@code cause} ({@code down}, {@code up},
 *       {@code emergency}, {@code pin}, {@code unpin}): level changes;
 *   <li>{@value #STEP_SIGNAL_FAILURES} (function counter), tag {@code controller}: health signals that threw, returned
 *       null or did not answer in time (each makes its interval unknown);
 *   <li>{@value #PENALTY_EVENTS} (counter), tags {@code policy} and {@code type} ({@code entered}, {@code exited},
 *       {@code released}): clients going into and out of penalty boxes, when registered as a {@link PenaltyListener}.
 * </ul>
 * Register it as a {@link RateLimitListener} and {@link PenaltyListener} and bind the step controllers (the Spring
 * Boot auto-configuration does all of it). Meters are created once per policy or controller (they are few), never
 * per client key. Thread-safe.
 */
public final class RateLimitMetrics implements RateLimitListener, PenaltyListener {

  /** Decisions by policy and outcome. */
  public static final String DECISIONS = "limiter.decisions";
  /** Store decision latency by policy. */
  public static final String STORE_LATENCY = "limiter.store.latency";
  /** Store failures by policy. */
  public static final String STORE_ERRORS = "limiter.store.errors";
  /** The level of a step controller. */
  public static final String STEP_LEVEL = "limiter.step.level";
  /** The factor of the base limits of a step controller's level. */
  public static final String STEP_FACTOR = "limiter.step.factor";
  /** Level changes of a step controller by cause. */
  public static final String STEP_CHANGES = "limiter.step.changes";
  /** Health signals of a step controller that failed or timed out. */
  public static final String STEP_SIGNAL_FAILURES = "limiter.step.signal.failures";
  /** Penalty box events by policy and type. */
  public static final String PENALTY_EVENTS = "limiter.penalty.events";

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Meters> meters = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> penalties = new ConcurrentHashMap<>();
  private final Map<StepController, Boolean> bound = new ConcurrentHashMap<>();

  /**
   * @param registry where meters are registered
   */
  public RateLimitMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public void onAllowed(String key, Decision decision) {
    meters(decision.policy().name()).count(decision);
  }

  @Override
  public void onRejected(String key, Decision decision) {
    meters(decision.policy().name()).count(decision);
  }

  /**
   * Publishes a step controller's level, factor and changes. Binding the same controller again does nothing.
   *
   * @param controller the controller
   */
  public void bind(StepController controller) {
    Objects.requireNonNull(controller, "controller");
    if (bound.putIfAbsent(controller, Boolean.TRUE) != null) {
      return;
    }
    String name = controller.name();
    Gauge.builder(STEP_LEVEL, controller, StepController::level)
        .description("Level of a step controller (0 = the highest rate)").tag("controller", name).register(registry);
    Gauge.builder(STEP_FACTOR, controller, StepController::factor)
        .description("Factor of the base limits at the step controller's level").tag("controller", name)
        .register(registry);
    FunctionCounter.builder(STEP_SIGNAL_FAILURES, controller, StepController::signalFailures)
        .description("Health signals of a step controller that failed or did not answer in time")
        .tag("controller", name).register(registry);
    Map<StepChange.Cause, Counter> changes = new EnumMap<>(StepChange.Cause.class);
    for (StepChange.Cause cause : StepChange.Cause.values()) {
      changes.put(cause, Counter.builder(STEP_CHANGES).description("Level changes of a step controller")
          .tag("controller", name).tag("cause", cause.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    // every cause has its counter
    controller.addListener(change -> Objects.requireNonNull(changes.get(change.cause()), "counter").increment());
  }

  @Override
  public void onPenalty(PenaltyEvent event) {
    String key = event.policy() + '\n' + event.type();
    Counter counter = penalties.get(key);
    if (counter == null) {
      counter = penalties.computeIfAbsent(key, k -> Counter.builder(PENALTY_EVENTS)
          .description("Clients going into and out of penalty boxes").tag("policy", event.policy())
          .tag("type", event.type().name().toLowerCase(Locale.ROOT)).register(registry));
    }
    counter.increment();
  }

  private Meters meters(String policy) {
    Meters m = meters.get(policy);
    return m != null ? m : meters.computeIfAbsent(policy, p -> new Meters(registry, p));
  }

  /**
   * Returns a store that times every decision of {@code store} and counts its failures.
   *
   * @param store the store
   * @return the instrumented store; closing it closes {@code store}
   */
  public RateLimitStore instrument(RateLimitStore store) {
    return new TimedStore(Objects.requireNonNull(store, "store"));
  }

  /** The meters of one policy, created together on its first decision. */
  private static final class Meters {
    final Counter[] decisions = new Counter[Decision.Outcome.values().length];
    final Timer latency;
    final Counter errors;

    Meters(MeterRegistry registry, String policy) {
      for (Decision.Outcome outcome : Decision.Outcome.values()) {
        decisions[outcome.ordinal()] = Counter.builder(DECISIONS)
            .description("Rate limit decisions by policy and outcome")
            .tag("policy", policy)
            .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
            .register(registry);
      }
      latency = Timer.builder(STORE_LATENCY).description("Time of rate limit store decisions").tag("policy", policy)
          .register(registry);
      errors = Counter.builder(STORE_ERRORS).description("Rate limit store calls that failed").tag("policy", policy)
          .register(registry);
    }

    void count(Decision decision) {
      decisions[decision.outcome().ordinal()].increment();
    }
  }

  /** Times every decision and counts failures: exceptions and degraded answers. */
  private final class TimedStore implements RateLimitStore {
    private final RateLimitStore delegate;

    TimedStore(RateLimitStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public KeySpace keySpace(LimitPolicy policy) {
      return new TimedKeySpace(delegate.keySpace(policy), meters(policy.name()));
    }

    @Override
    public long trackedKeys() {
      return delegate.trackedKeys();
    }

    @Override
    public long evictedActiveKeys() {
      return delegate.evictedActiveKeys();
    }

    /**
     * A request's claims on the timed key spaces go to the delegate together, so a store that decides them in one call
     * (Redis) still does; each claim's policy records the call's time once, and its degraded answers as errors.
     */
    @Override
    public List<Reservation> reserveAll(List<Claim> claims) {
      List<Claim> inner = new ArrayList<>(claims.size());
      for (Claim c : claims) {
        if (!(c.space() instanceof TimedKeySpace timed)) {
          return RateLimitStore.super.reserveAll(claims); // a key space of another kind: one by one, timed each
        }
        inner.add(Claim.of(delegate, timed.delegate, c.key(), c.permits()).soft(c.soft()));
      }
      long start = System.nanoTime();
      try {
        List<Reservation> out = delegate.reserveAll(inner);
        for (int i = 0; i < out.size(); i++) {
          ((TimedKeySpace) claims.get(i).space()).observe(out.get(i).decision());
        }
        return out;
      } catch (RuntimeException e) {
        claims.forEach(c -> ((TimedKeySpace) c.space()).meters.errors.increment());
        throw e;
      } finally {
        long took = System.nanoTime() - start;
        claims.forEach(c -> ((TimedKeySpace) c.space()).meters.latency.record(took, TimeUnit.NANOSECONDS));
      }
    }

    /**
     * {@link #reserveAll} without blocking: the claims go to the delegate's asynchronous form together (Redis: one
     * script call, completed on its I/O thread), timed from the call to the stage's completion.
     */
    @Override
    public CompletionStage<List<Reservation>> reserveAllAsync(List<Claim> claims) {
      List<Claim> inner = new ArrayList<>(claims.size());
      for (Claim c : claims) {
        if (!(c.space() instanceof TimedKeySpace timed)) {
          return RateLimitStore.super.reserveAllAsync(claims); // one by one, each timed by its key space
        }
        inner.add(Claim.of(delegate, timed.delegate, c.key(), c.permits()).soft(c.soft()));
      }
      long start = System.nanoTime();
      CompletionStage<List<Reservation>> decided;
      try {
        decided = delegate.reserveAllAsync(inner);
      } catch (RuntimeException e) {
        claims.forEach(c -> ((TimedKeySpace) c.space()).meters.errors.increment());
        return CompletableFuture.failedFuture(e);
      }
      return decided.whenComplete((out, failure) -> {
        long took = System.nanoTime() - start;
        for (int i = 0; i < claims.size(); i++) {
          TimedKeySpace space = (TimedKeySpace) claims.get(i).space();
          space.meters.latency.record(took, TimeUnit.NANOSECONDS);
          if (failure != null) {
            space.meters.errors.increment();
          } else if (i < out.size()) {
            space.observe(out.get(i).decision());
          }
        }
      });
    }

    @Override
    public void cleanUp() {
      delegate.cleanUp();
    }

    @Override
    public void close() {
      delegate.close();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  private static final class TimedKeySpace implements KeySpace {
    private final KeySpace delegate;
    private final Meters meters;

    TimedKeySpace(KeySpace delegate, Meters meters) {
      this.delegate = delegate;
      this.meters = meters;
    }

    @Override
    public LimitPolicy policy() {
      return delegate.policy();
    }

    @Override
    public Decision acquire(String key, long permits) {
      return timed(() -> delegate.acquire(key, permits), d -> d);
    }

    @Override
    public Decision acquire(String key, long permits, LimitPolicy effective) {
      return timed(() -> delegate.acquire(key, permits, effective), d -> d);
    }

    @Override
    public Reservation reserve(String key, long permits) {
      return timed(() -> delegate.reserve(key, permits), Reservation::decision);
    }

    @Override
    public Reservation reserve(String key, long permits, LimitPolicy effective) {
      return timed(() -> delegate.reserve(key, permits, effective), Reservation::decision);
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits) {
      return timedAsync(System.nanoTime(), () -> delegate.reserveAsync(key, permits));
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits, LimitPolicy effective) {
      return timedAsync(System.nanoTime(), () -> delegate.reserveAsync(key, permits, effective));
    }

    /** Times an asynchronous reservation until its stage completes, on whichever thread completes it. */
    private CompletionStage<Reservation> timedAsync(long start, Supplier<CompletionStage<Reservation>> call) {
      CompletionStage<Reservation> decided;
      try {
        decided = call.get();
      } catch (RuntimeException e) {
        meters.errors.increment();
        meters.latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return CompletableFuture.failedFuture(e);
      }
      return decided.whenComplete((reservation, failure) -> {
        meters.latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (failure != null) {
          meters.errors.increment();
        } else {
          observe(reservation.decision());
        }
      });
    }

    /** A view of the delegate's (a store prepares its views once), timed like this key space. */
    @Override
    public KeySpace view(LimitPolicy effective) {
      KeySpace view = delegate.view(effective);
      return view == delegate ? this : new TimedKeySpace(view, meters);
    }

    @Override
    public io.limiter.core.ScheduledPermits schedule(String key, long permits, long maxWaitNanos) {
      // times the store's reservation of the slot, not the caller's wait for it
      return timed(() -> delegate.schedule(key, permits, maxWaitNanos), io.limiter.core.ScheduledPermits::decision);
    }

    private <T> T timed(Supplier<T> call, Function<T, Decision> decisionOf) {
      long start = System.nanoTime();
      try {
        T result = call.get();
        observe(decisionOf.apply(result));
        return result;
      } catch (RuntimeException e) {
        meters.errors.increment();
        throw e;
      } finally {
        meters.latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public boolean tryAcquire(String key, long permits) {
      return acquire(key, permits).allowed();
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      long start = System.nanoTime();
      return delegate.acquireAsync(key, permits).whenComplete((decision, failure) -> {
        meters.latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (failure != null || decision.degraded()) {
          meters.errors.increment();
        }
      });
    }

    private Decision observe(Decision decision) {
      if (decision.degraded()) {
        meters.errors.increment();
      }
      return decision;
    }
  }
}
