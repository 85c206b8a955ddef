package io.limiter.core.step;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.Ticker;
import io.limiter.core.internal.step.CallFeed;
import io.limiter.core.internal.step.CallSignals;
import io.limiter.core.internal.step.ControllerSpec;
import io.limiter.core.internal.step.LevelMachine;
import io.limiter.core.internal.step.SignalSampler;
import io.limiter.core.internal.step.SpecReader;
import io.limiter.core.internal.step.TickSchedule;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Adaptive steps of step-function throttling: samples {@link HealthSignal}s once per interval and moves a
 * <em>level</em> through configured factors of the base limits (by default 100% → 75% → 50% → 25% → 10%). Every
 * {@link SteppedRateLimiter} that uses the controller decides with its limits {@link LimitPolicy#scaled(double)
 * scaled} by {@link #factor()}; the switch applies to all keys at once and keeps their state.
 *
 * <h2>Rules, per tick</h2>
 * <ol>
 *   <li>All signals are sampled; they combine by <em>worst wins</em>: one severe signal makes the interval severe,
 *       else one unhealthy signal makes it unhealthy, else one unknown signal makes it unknown, else it is healthy.
 *       A signal with too little data (fewer calls than {@code min-samples}, pooled over up to {@code max-window}
 *       intervals), one that throws (even an {@link Error}) or one that does not answer within {@code signal-timeout}
 *       is <em>unknown</em>: an unknown interval holds the level and the streaks ({@code unknown=healthy} counts it
 *       as healthy instead). Custom signals are sampled on a separate thread, never under the lock that
 *       {@link #pin}, {@link #unpin}, {@link #running()} and {@link #close()} take.
 *   <li>No single client can move the level: the latency and error-ratio signals set aside the calls of the
 *       {@code ignored-keys} clients with the most slow (failed) calls, and judge the interval on the rest (see
 *       {@link #callFinished(long, boolean, String, long)}).
 *   <li>While pinned by an operator, nothing else happens.
 *   <li>A severe interval moves the level straight to the floor (emergency), even during a cooldown.
 *   <li>During the cooldown after a change, intervals are not counted: the streaks stay at zero, so the system gets
 *       the cooldown to react to the new rate before it is judged again; unless the latency doubles during the
 *       cooldown after a step down (at {@code fast-down} or more), which steps down again at once.
 *   <li>A step up is a <em>probe</em>, on probation until it holds for {@code up-after} healthy intervals: they count
 *       during its cooldown, and one unhealthy interval steps straight back ({@code probe-revert}). Each failed probe
 *       into a level multiplies the healthy intervals the next probe into it waits by {@code probe-backoff}, up to 8
 *       times {@code up-after}.
 *   <li>Otherwise {@code down-after} consecutive unhealthy intervals move down (not below the floor), and
 *       {@code up-after} consecutive healthy ones one level up (not above the ceiling). Each change resets both
 *       streaks and starts the cooldown. The latency signal sizes the steps: at {@code fast-down} times its target
 *       one interval is enough, from four times its target a step skips levels ({@code step-down=scaled}; with
 *       {@code step-down=proportional} it goes to the highest level at most the current one times the target over
 *       the latency), and at most {@code fast-up} of its target a healthy interval counts twice. The latency is read
 *       from a histogram, as its bucket's upper bound or interpolated inside it ({@code percentiles}).
 * </ol>
 * Each change is a {@link StepChange} to the {@linkplain Builder#listener listeners} and an INFO line on the
 * {@code io.limiter.core.step.StepController} {@link System.Logger}.
 *
 * <h2>Driving it</h2>
 * Tests call {@link #tick(long)} with a fake time. An application calls {@link #start(TickScheduler)} with its own
 * scheduler, which then runs the ticks every {@link #interval()} and the custom signals' samples, until
 * {@link #close()}: no thread of the library's is left. A plain program may call {@link #start()}, which ticks on a
 * daemon thread the controller owns. Missed ticks after a stall coalesce into one; a closed controller may be started
 * again. The integrations feed the built-in signals with {@link #callStarted()} and
 * {@link #callFinished(long, boolean)} around every call they let through.
 *
 * <h2>Parts</h2>
 * This class is the controller's API and its locks; the work is done by internal parts: the level state machine (the
 * rules above, a function of the interval's health and the time), the signal sampler (worst wins, timeouts, failures),
 * the call feed of the built-in signals, the tick schedule, and the parser of the configuration string.
 *
 * <h2>Configuration string</h2>
 * {@link #parse(String, String, String, Map)} reads {@code key=value} entries separated by {@code ;} (the same keys
 * serve as Spring properties, see {@link #fromProperties}):
 * <pre>
 * levels=100%,75%,50%,25%,10%; interval=1s; down-after=3; up-after=10; cooldown=10s; floor=10%; ceiling=100%;
 * latency=p95 250ms; latency-severe=2s; error-ratio=5%; error-ratio-severe=50%; in-flight=200; in-flight-severe=400;
 * cpu=85%; cpu-severe=98%; min-samples=20; max-window=10; ignored-keys=1; signal-timeout=500ms; unknown=hold;
 * risky=warn; signals=queue-depth, db-pool; fast-down=200%; step-down=scaled; fast-up=50%; probe-backoff=2;
 * probe-revert=on; percentiles=upper-bound
 * </pre>
 *
 * <p>Thread-safe: the level is a volatile read on the request path; ticks, pins and unpins are serialized, and a
 * signal is never sampled under the lock that pins, unpins, {@link #running()} and {@link #close()} take.
 */
public final class StepController implements AutoCloseable {

  /** The default levels: 100%, 75%, 50%, 25%, 10%. */
  public static final List<Double> DEFAULT_LEVELS = List.of(1.0, 0.75, 0.5, 0.25, 0.1);

  /**
   * How a step down for the latency is sized ({@code step-down}); a step down for any other signal is always one
   * level, and no step goes below the floor.
   */
  public enum StepDown {
    /** Always one level ({@code one}). */
    ONE,
    /**
     * One level below four times the target, then one more per doubling: two from 4 times, three from 8
     * ({@code scaled}).
     */
    SCALED,
    /**
     * To the highest level whose factor is at most the current factor times the target over the measured latency, at
     * least one level ({@code proportional}): 1.8 times the target at 100% goes to 55% or below in one step.
     */
    PROPORTIONAL
  }

  private static final System.Logger LOG = System.getLogger(StepController.class.getName());

  private final String name;
  private final double[] levels;
  private final List<Double> levelList;
  private final Duration interval;
  private final int floor;
  private final int ceiling;
  private final Ticker ticker;
  private final int ignoredKeys;
  private final List<String> warnings;
  private final List<StepListener> listeners = new CopyOnWriteArrayList<>();
  private final CallFeed calls;
  private final SignalSampler sampler;
  private final TickSchedule schedule;
  /** The rules; changed only under {@link #lock}, its level read without it. */
  private final LevelMachine machine;

  /** Serializes sampling (signals may assume one sampler at a time); never held by pin, unpin, running or close. */
  private final ReentrantLock sampleLock = new ReentrantLock();
  /** Guards the level's state; held only for decisions, never while a signal is sampled. */
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Health lastHealth = Health.healthy("not sampled yet");
  private volatile @Nullable StepChange lastChange;
  // guarded by sampleLock
  private long lastScheduledTick = Long.MIN_VALUE;

  private StepController(Builder b) {
    this.name = b.name;
    this.levels = b.levels;
    List<Double> list = new ArrayList<>();
    for (double f : levels) {
      list.add(f);
    }
    this.levelList = Collections.unmodifiableList(list);
    this.interval = b.interval;
    this.floor = b.floor < 0 ? levels.length - 1 : b.floor;
    this.ceiling = Math.max(0, b.ceiling);
    this.ticker = b.ticker;
    this.ignoredKeys = b.ignoredKeys;
    this.warnings = List.copyOf(b.warnings);
    boolean perClient = b.ignoredKeys > 0 && (b.latencyTarget != null || !Double.isNaN(b.errorRatio));
    CallSignals.Clients clients = perClient ? new CallSignals.Clients() : null;
    this.calls = new CallFeed(ticker, clients,
        b.latencyTarget == null ? null : new CallSignals.Latency(b.latencyPercentile, b.latencyTarget,
            b.latencySevere, b.minSamples, b.maxWindow, clients, b.ignoredKeys).interpolated(b.interpolated),
        Double.isNaN(b.errorRatio) ? null : new CallSignals.Errors(b.errorRatio, b.errorRatioSevere, b.minSamples,
            b.maxWindow, clients, b.ignoredKeys),
        b.inFlight < 0 ? null : new CallSignals.InFlight(b.inFlight, b.inFlightSevere));
    List<HealthSignal> all = calls.signals();
    if (!Double.isNaN(b.cpu)) {
      all.add(HealthSignal.processCpu(b.cpu, b.cpuSevere));
    }
    int builtIn = all.size();
    all.addAll(b.signals);
    this.sampler = new SignalSampler(name, all, builtIn,
        b.signalTimeout != null ? b.signalTimeout : b.interval.dividedBy(2));
    this.machine = new LevelMachine(name, levels, floor, ceiling, new LevelMachine.Rules(b.downAfter, b.upAfter,
        b.cooldown.toNanos(), b.holdWhenUnknown, b.fastDown, b.stepDown == StepDown.SCALED, b.fastUp, b.probeBackoff,
        b.probeRevert, b.stepDown == StepDown.PROPORTIONAL));
    this.schedule = new TickSchedule(name, interval, () -> scheduledTick(ticker.read()));
    this.listeners.addAll(b.listeners);
  }

  /**
   * Starts a builder.
   *
   * @param name the controller's name, referenced by policies ({@code adaptive = "api-health"}); not blank
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Builds a controller from a configuration string (web.xml init-param, a single property).
   *
   * @param name the controller's name
   * @param spec {@code key=value} entries separated by {@code ;}, see the class comment
   * @param source where the string came from, for the messages, or null
   * @param customSignals the signals that {@code signals=} may name (user beans), by name; may be empty
   * @return the controller, not started
   * @throws RateLimitConfigException listing every problem, each naming the source, the value and the position
   */
  public static StepController parse(String name, String spec, @Nullable String source,
      Map<String, HealthSignal> customSignals) {

    return ControllerSpec.parse(builder(name), spec, source, customSignals);
  }

  /**
   * Builds a controller from separate properties, e.g. Spring's {@code limiter.adaptive.api-health.*}.
   *
   * @param name the controller's name
   * @param properties keys of the configuration string ({@code down-after}; {@code downAfter} and
   *     {@code down_after} are accepted too) to values
   * @param sourcePrefix prepended to each key in messages, e.g. {@code property limiter.adaptive.api-health.}
   * @param customSignals the signals that {@code signals} may name, by name; may be empty
   * @return the controller, not started
   * @throws RateLimitConfigException listing every problem, each naming the property and its value
   */
  public static StepController fromProperties(String name, Map<String, String> properties, String sourcePrefix,
      Map<String, HealthSignal> customSignals) {
    return ControllerSpec.fromProperties(builder(name), properties, sourcePrefix, customSignals);
  }

  /** @return the name */
  public String name() {
    return name;
  }

  /** @return the factors of the levels, from the highest rate (level 0) to the lowest */
  public List<Double> levels() {
    return levelList;
  }

  /** @return the current level, an index into {@link #levels()} */
  public int level() {
    return machine.level();
  }

  /** @return the factor of the current level */
  public double factor() {
    return levels[machine.level()];
  }

  /** @return the lowest level (highest index) the controller steps down to */
  public int floor() {
    return floor;
  }

  /** @return the highest level (lowest index) the controller steps up to */
  public int ceiling() {
    return ceiling;
  }

  /** @return the time between two ticks when {@link #start() started} */
  public Duration interval() {
    return interval;
  }

  /** @return whether an operator pinned the level */
  public boolean pinned() {
    return machine.pinned();
  }

  /** @return the combined health of the last tick */
  public Health lastHealth() {
    return lastHealth;
  }

  /** @return the last level change, or null if none happened yet */
  public @Nullable StepChange lastChange() {
    return lastChange;
  }

  /** @return the signals, built-in ones first */
  public List<HealthSignal> signals() {
    return sampler.signals();
  }

  /**
   * @return how often a signal threw (an exception or an {@link Error}), returned null or did not answer within the
   *     signal timeout since this controller was built; such an interval is {@linkplain Health.Status#UNKNOWN unknown}
   *     for that signal
   */
  public long signalFailures() {
    return sampler.failures();
  }

  /** @return how often a scheduled tick failed outside the signals (e.g. a listener threw an {@link Error}) */
  public long tickFailures() {
    return schedule.failures();
  }

  /**
   * @return how many clients, those with the most slow (or failed) calls, the latency and error-ratio signals set
   *     aside when judging an interval ({@code ignored-keys}); 0 when every call counts
   */
  public int ignoredKeys() {
    return ignoredKeys;
  }

  /**
   * @return warnings about risky settings found when the controller was built (each also logged once at WARNING),
   *     e.g. settings that let it flap or let one client be judged alone; empty when none
   */
  public List<String> warnings() {
    return warnings;
  }

  /** @return calls in flight now, as counted by {@link #callStarted()}; 0 when no in-flight signal is configured */
  public long inFlight() {
    return calls.inFlight();
  }

  /**
   * Adds a listener for level changes.
   *
   * @param listener the listener
   */
  public void addListener(StepListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Removes a listener.
   *
   * @param listener the listener
   */
  public void removeListener(StepListener listener) {
    listeners.remove(listener);
  }

  // ---- feeding the built-in signals -----------------------------------------------------------------------------

  /**
   * Marks the start of a call that the limiter let through. Integrations call it right after the admission and
   * {@link #callFinished(long, boolean)} in a {@code finally} block.
   *
   * @return a token for {@link #callFinished(long, boolean)}: the start time when latency is measured, else 0
   */
  public long callStarted() {
    return calls.started();
  }

  /**
   * Marks the end of a call started with {@link #callStarted()} that is not attributed to a client: it always counts
   * in full. Integrations that serve clients use {@link #callFinished(long, boolean, String, long)}, so that no client
   * can steer the level.
   *
   * @param token what {@link #callStarted()} returned
   * @param failed whether the server failed: a 5xx response or an exception (not a client error or a client abort)
   */
  public void callFinished(long token, boolean failed) {
    callFinished(token, failed, null, 0);
  }

  /**
   * Marks the end of a call started with {@link #callStarted()}.
   *
   * @param token what {@link #callStarted()} returned
   * @param failed whether the server failed: a 5xx response or an exception; a client error (4xx) or a client that
   *     hung up is not a failure
   * @param client who made the call (the limiter key, or the client address for a key shared by many clients), or
   *     null if unknown; the calls of the {@link #ignoredKeys()} clients with the most slow (or failed) calls are
   *     set aside when an interval is judged, so that no single client can move the level
   * @param clientWaitNanos time the call spent waiting for the client (reading its request body, writing the
   *     response to it), which is not the server's own work and is left out of the latency; 0 if unknown
   */
  public void callFinished(long token, boolean failed, @Nullable String client, long clientWaitNanos) {
    calls.finished(token, failed, client, clientWaitNanos);
  }

  // ---- the control loop -----------------------------------------------------------------------------------------

  /** Samples the signals now (on the controller's ticker) and moves the level if the rules say so. */
  public void tick() {
    tick(ticker.read());
  }

  /**
   * Samples the signals and moves the level if the rules say so; {@code now} only serves the cooldown.
   *
   * @param now the time on the controller's ticker, in nanoseconds
   */
  public void tick(long now) {
    sampleLock.lock();
    try {
      // sampled outside the state lock: a slow signal never blocks pin, unpin, running or close
      Health health = sampler.sample(now);
      StepChange change;
      lock.lock();
      try {
        lastHealth = health;
        change = machine.decide(now, health, calls.latencyBad(), calls.latencyRatio());
        if (change != null) {
          lastChange = change;
        }
      } finally {
        lock.unlock();
      }
      if (change != null) {
        publish(change);
      }
    } finally {
      sampleLock.unlock();
    }
  }

  /**
   * Fixes the level until {@link #unpin(String)}, e.g. from an operator endpoint; the signals are still sampled but
   * change nothing. The floor and ceiling do not restrict a pin.
   *
   * @param level an index into {@link #levels()}
   * @param reason who pinned and why, for the event and the log
   * @throws IllegalArgumentException if the level does not exist
   */
  public void pin(int level, String reason) {
    Objects.requireNonNull(reason, "reason");
    if (level < 0 || level >= levels.length) {
      throw new IllegalArgumentException("level must be between 0 and " + (levels.length - 1) + " but was " + level
          + " (levels of step controller " + name + ": " + percentages() + ")");
    }
    StepChange change;
    lock.lock();
    try {
      change = machine.pin(level, reason, ticker.read());
      lastChange = change;
    } finally {
      lock.unlock();
    }
    publish(change);
  }

  /**
   * Hands the level back to the controller; a level outside the floor and ceiling moves to the nearest of them.
   * Does nothing if the level is not pinned.
   *
   * @param reason who unpinned and why, for the event and the log
   */
  public void unpin(String reason) {
    Objects.requireNonNull(reason, "reason");
    StepChange change;
    lock.lock();
    try {
      change = machine.unpin(reason, ticker.read());
      if (change == null) {
        return; // not pinned
      }
      lastChange = change;
    } finally {
      lock.unlock();
    }
    publish(change);
  }

  private void publish(StepChange change) {
    if (LOG.isLoggable(Level.INFO)) {
      LOG.log(Level.INFO, change.toString());
    }
    for (StepListener listener : listeners) {
      try {
        listener.onStepChange(change);
      } catch (Throwable e) {
        LOG.log(Level.WARNING, "step listener of controller " + name + " failed", e);
      }
    }
  }

  // ---- scheduling -----------------------------------------------------------------------------------------------

  /**
   * Starts ticking every {@link #interval()} on a daemon thread owned by this controller, until {@link #close()}; its
   * custom signals are sampled on threads of its own too. For a controller inside an application, use
   * {@link #start(TickScheduler)} with the host's scheduler. A controller that was {@linkplain #close() closed} may
   * be started again (an application context stopped and started, a filter initialised again); its level and streaks
   * carry over.
   *
   * @return this controller
   * @throws IllegalStateException if already started
   */
  public StepController start() {
    schedule.startOwn(() -> sampler.sampleOn(null));
    return this;
  }

  /**
   * Starts ticking every {@link #interval()} on the host's scheduler, until {@link #close()}, which cancels the
   * schedule (the scheduler stays the host's). The custom signals are sampled through
   * {@link TickScheduler#execute(Runnable)} meanwhile, so the controller starts no thread. Restartable as
   * {@link #start()}.
   *
   * @param scheduler the host's scheduler
   * @return this controller
   * @throws IllegalStateException if already started
   */
  public StepController start(TickScheduler scheduler) {
    Objects.requireNonNull(scheduler, "scheduler");
    schedule.start(scheduler, () -> sampler.sampleOn(scheduler::execute));
    return this;
  }

  /**
   * One tick of the schedule. After a stall (a long pause, a suspended machine) a fixed-rate scheduler fires the
   * missed ticks back to back; those would judge near-empty intervals, so a tick less than half an interval after
   * the previous one is skipped: missed ticks coalesce into one.
   *
   * @return whether it ticked
   */
  boolean scheduledTick(long now) {
    sampleLock.lock();
    try {
      if (lastScheduledTick != Long.MIN_VALUE && now - lastScheduledTick < interval.toNanos() / 2) {
        return false;
      }
      lastScheduledTick = now;
      tick(now);
      return true;
    } finally {
      sampleLock.unlock();
    }
  }

  /** @return whether {@link #start()} was called and {@link #close()} was not called after it */
  public boolean running() {
    return schedule.running();
  }

  /**
   * Stops ticking and waits (up to 5 s) for a running tick to finish; a signal that does not answer is abandoned on
   * its thread. Idempotent; the level stays readable, and {@link #start()} may start it again.
   */
  @Override
  public void close() {
    schedule.cancel(() -> sampler.sampleOn(null), this::awaitRunningTick);
    sampler.close();
  }

  /** A tick holds the sample lock throughout: taking it waits for one that is running (not on the tick's thread). */
  private void awaitRunningTick() {
    if (sampleLock.isHeldByCurrentThread()) {
      return; // closed from a listener during a tick
    }
    try {
      if (sampleLock.tryLock(5, TimeUnit.SECONDS)) {
        sampleLock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String percentages() {
    StringBuilder sb = new StringBuilder();
    for (double f : levels) {
      sb.append(sb.length() == 0 ? "" : ", ").append(SpecReader.percent(f));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    int level = machine.level();
    return "StepController{" + name + ", level " + level + " (" + SpecReader.percent(levels[level]) + ")"
        + (machine.pinned() ? " pinned" : "") + ", levels " + percentages() + "}";
  }

  /** Builds a {@link StepController}; validates each value when set and the combination in {@link #build()}. */
  public static final class Builder {
    private final String name;
    private double[] levels = {1.0, 0.75, 0.5, 0.25, 0.1};
    private Duration interval = Duration.ofSeconds(1);
    private int downAfter = 3;
    private int upAfter = 10;
    private Duration cooldown = Duration.ofSeconds(10);
    private double floorFactor = Double.NaN;
    private double ceilingFactor = Double.NaN;
    private int floor = -1;
    private int ceiling = 0;
    private Ticker ticker = Ticker.system();
    private double latencyPercentile = 95;
    private @Nullable Duration latencyTarget;
    private @Nullable Duration latencySevere;
    private double errorRatio = Double.NaN;
    private double errorRatioSevere = Double.POSITIVE_INFINITY;
    private long inFlight = -1;
    private long inFlightSevere = Long.MAX_VALUE;
    private double cpu = Double.NaN;
    private double cpuSevere = Double.POSITIVE_INFINITY;
    private long minSamples = 20;
    private int maxWindow = 10;
    private int ignoredKeys = 1;
    private @Nullable Duration signalTimeout;

    private boolean holdWhenUnknown = true;
    private double fastDown = 2.0;
    private StepDown stepDown = StepDown.SCALED;
    private boolean interpolated;
    private double fastUp = 0.5;
    private int probeBackoff = 2;
    private boolean probeRevert = true;
    private boolean refuseRisky;
    private final List<String> warnings = new ArrayList<>();
    private final List<HealthSignal> signals = new ArrayList<>();
    private final List<StepListener> listeners = new ArrayList<>();

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("step controller name must not be blank but was \"" + name + "\"");
      }
      this.name = name;
    }

    /**
     * Sets the levels' factors, from the highest rate to the lowest; the default is 100%, 75%, 50%, 25%, 10%.
     *
     * @param factors positive, strictly decreasing, e.g. {@code 1.0, 0.5, 0.2}
     * @return this builder
     */
    public Builder levels(double... factors) {
      if (factors.length == 0) {
        throw new IllegalArgumentException("levels must not be empty");
      }
      for (int i = 0; i < factors.length; i++) {
        if (!(factors[i] > 0) || Double.isInfinite(factors[i])) {
          throw new IllegalArgumentException("level " + i + " must be a positive factor but was " + factors[i]);
        }
        if (i > 0 && !(factors[i] < factors[i - 1])) {
          throw new IllegalArgumentException("levels must decrease strictly from the highest rate to the lowest, "
              + "but level " + i + " (" + SpecReader.percent(factors[i]) + ") is not below level " + (i - 1)
              + " (" + SpecReader.percent(factors[i - 1]) + ")");
        }
      }
      this.levels = factors.clone();
      return this;
    }

    /**
     * Sets the time between two ticks of {@link #start()}; the default is 1 second.
     *
     * @param interval at least 1 ms
     * @return this builder
     */
    public Builder interval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("interval must be at least 1ms but was " + interval);
      }
      this.interval = interval;
      return this;
    }

    /**
     * Sets how many consecutive unhealthy intervals step one level down; the default is 3.
     *
     * @param intervals at least 1
     * @return this builder
     */
    public Builder downAfter(int intervals) {
      if (intervals < 1) {
        throw new IllegalArgumentException("down-after must be >= 1 but was " + intervals);
      }
      this.downAfter = intervals;
      return this;
    }

    /**
     * Sets how many consecutive healthy intervals step one level up; the default is 10.
     *
     * @param intervals at least 1
     * @return this builder
     */
    public Builder upAfter(int intervals) {
      if (intervals < 1) {
        throw new IllegalArgumentException("up-after must be >= 1 but was " + intervals);
      }
      this.upAfter = intervals;
      return this;
    }

    /**
     * Sets the time after each change during which intervals are not counted; the default is 10 seconds.
     *
     * @param cooldown zero or positive
     * @return this builder
     */
    public Builder cooldown(Duration cooldown) {
      Objects.requireNonNull(cooldown, "cooldown");
      if (cooldown.isNegative()) {
        throw new IllegalArgumentException("cooldown must not be negative but was " + cooldown);
      }
      this.cooldown = cooldown;
      return this;
    }

    /**
     * Sets the lowest level the controller steps down to (and jumps to on a severe signal); the default is the last.
     *
     * @param factor the factor of one of the levels, e.g. 0.25
     * @return this builder
     */
    public Builder floor(double factor) {
      this.floorFactor = factor;
      return this;
    }

    /**
     * Sets the highest level the controller steps up to, and starts at; the default is the first.
     *
     * @param factor the factor of one of the levels, e.g. 1.0
     * @return this builder
     */
    public Builder ceiling(double factor) {
      this.ceilingFactor = factor;
      return this;
    }

    /**
     * Sets the clock for cooldowns and call latencies; the default is {@link Ticker#system()}.
     *
     * @param ticker the clock
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Adds the latency signal: unhealthy when the {@code percentile}th percentile of the interval's call latencies
     * exceeds {@code target}. Latencies are bucketed; a percentile is read as its bucket's upper bound (at most
     * 12.5% over the true value) unless {@link #interpolatedPercentiles(boolean)} is set.
     *
     * @param percentile in (0, 100], e.g. 95
     * @param target the highest healthy latency
     * @return this builder
     */
    public Builder latency(double percentile, Duration target) {
      Objects.requireNonNull(target, "target");
      if (!(percentile > 0 && percentile <= 100)) {
        throw new IllegalArgumentException("latency percentile must be in (0, 100] but was " + percentile);
      }
      if (target.isNegative() || target.isZero()) {
        throw new IllegalArgumentException("latency target must be positive but was " + target);
      }
      this.latencyPercentile = percentile;
      this.latencyTarget = target;
      return this;
    }

    /**
     * Makes the latency signal severe above {@code severe}.
     *
     * @param severe greater than the target
     * @return this builder
     */
    public Builder latencySevere(Duration severe) {
      this.latencySevere = Objects.requireNonNull(severe, "severe");
      return this;
    }

    /**
     * Adds the error-ratio signal: unhealthy when more than {@code ratio} of the interval's calls failed.
     *
     * @param ratio in [0, 1), e.g. 0.05
     * @return this builder
     */
    public Builder errorRatio(double ratio) {
      if (!(ratio >= 0 && ratio < 1)) {
        throw new IllegalArgumentException("error ratio must be in [0%, 100%) but was " + SpecReader.percent(ratio));
      }
      this.errorRatio = ratio;
      return this;
    }

    /**
     * Makes the error-ratio signal severe above {@code ratio}.
     *
     * @param ratio greater than the unhealthy ratio, below 1
     * @return this builder
     */
    public Builder errorRatioSevere(double ratio) {
      this.errorRatioSevere = ratio;
      return this;
    }

    /**
     * Adds the in-flight signal: unhealthy when more than {@code max} calls were in flight at once in the interval.
     *
     * @param max at least 1
     * @return this builder
     */
    public Builder inFlight(long max) {
      if (max < 1) {
        throw new IllegalArgumentException("in-flight maximum must be >= 1 but was " + max);
      }
      this.inFlight = max;
      return this;
    }

    /**
     * Makes the in-flight signal severe above {@code max} calls.
     *
     * @param max greater than the unhealthy maximum
     * @return this builder
     */
    public Builder inFlightSevere(long max) {
      this.inFlightSevere = max;
      return this;
    }

    /**
     * Adds the process CPU signal: unhealthy when the process's CPU load exceeds {@code load}.
     *
     * @param load in (0, 1], e.g. 0.85
     * @return this builder
     */
    public Builder processCpu(double load) {
      if (!(load > 0 && load <= 1)) {
        throw new IllegalArgumentException("cpu load must be in (0%, 100%] but was " + SpecReader.percent(load));
      }
      this.cpu = load;
      return this;
    }

    /**
     * Makes the process CPU signal severe above {@code load}.
     *
     * @param load greater than the unhealthy load
     * @return this builder
     */
    public Builder processCpuSevere(double load) {
      this.cpuSevere = load;
      return this;
    }

    /**
     * Sets how many calls an interval needs before the latency and error-ratio signals judge it; the default is 20.
     *
     * @param calls at least 1
     * @return this builder
     */
    public Builder minSamples(long calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("min-samples must be >= 1 but was " + calls);
      }
      this.minSamples = calls;
      return this;
    }

    /**
     * Sets how many intervals the latency and error-ratio signals may pool to reach {@code min-samples}; the default
     * is 10. An interval with fewer calls is not judged (unknown) and its calls count towards the next one, so a
     * stepped-down rate with few calls is still judged, only more slowly.
     *
     * @param intervals at least 1
     * @return this builder
     */
    public Builder maxWindow(int intervals) {
      if (intervals < 1) {
        throw new IllegalArgumentException("max-window must be >= 1 but was " + intervals);
      }
      this.maxWindow = intervals;
      return this;
    }

    /**
     * Sets how many clients (see {@link StepController#callFinished(long, boolean, String, long)}) the latency and
     * error-ratio signals set aside when judging an interval: those with the most slow calls (for latency) or failed
     * calls (for the error ratio). An interval is unhealthy (or severe) only if it still is without them, and not
     * judged if too few calls remain. The default is 1: no single client can move the level, whatever it sends.
     * {@code 0} counts every call, for a controller whose every client is trusted.
     *
     * @param keys 0 to 16
     * @return this builder
     */
    public Builder ignoredKeys(int keys) {
      if (keys < 0 || keys > 16) {
        throw new IllegalArgumentException("ignored-keys must be between 0 and 16 but was " + keys);
      }
      this.ignoredKeys = keys;
      return this;
    }

    /**
     * Sets how long a tick waits for a custom signal; the default is half the interval. A signal that does not answer
     * in time is unknown for the interval and is not sampled again until it has answered.
     *
     * @param timeout at least 1 ms
     * @return this builder
     */
    public Builder signalTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("signal-timeout must be at least 1ms but was " + timeout);
      }
      this.signalTimeout = timeout;
      return this;
    }

    /**
     * Sets what an interval that could not be judged does (too few calls, a signal that failed or timed out); the
     * default is {@code true}: hold the level and the streaks. {@code false} counts it as healthy.
     *
     * @param hold whether unknown intervals hold the level
     * @return this builder
     */
    public Builder holdWhenUnknown(boolean hold) {
      this.holdWhenUnknown = hold;
      return this;
    }

    /**
     * Sets when one unhealthy interval is enough to step down (without waiting for {@code down-after}): when the
     * latency signal measured at least {@code ratio} times its target; the default is 2 (200%).
     * {@link Double#POSITIVE_INFINITY} turns it off. Other signals always wait for {@code down-after}.
     *
     * @param ratio above 1, e.g. 2.0 for twice the target
     * @return this builder
     */
    public Builder fastDown(double ratio) {
      if (!(ratio > 1)) {
        throw new IllegalArgumentException("fast-down must be above 100% of the latency target but was "
            + SpecReader.percent(ratio));
      }
      this.fastDown = ratio;
      return this;
    }

    /**
     * Sets whether a step down skips levels by how far over its target the latency is: one level below four times
     * the target, two from four times, three from eight times, four from sixteen times (never below the floor). The default is
     * {@code true}; {@code false} always steps one level. Other signals always step one level.
     *
     * @param scaled whether steps down are sized by the latency
     * @return this builder
     */
    public Builder scaledSteps(boolean scaled) {
      this.stepDown = scaled ? StepDown.SCALED : StepDown.ONE;
      return this;
    }

    /**
     * Sets how a step down for the latency is sized ({@code step-down}); the default is {@link StepDown#SCALED}.
     * Other signals always step one level.
     *
     * @param rule one of {@link StepDown}
     * @return this builder
     */
    public Builder stepDown(StepDown rule) {
      this.stepDown = Objects.requireNonNull(rule, "rule");
      return this;
    }

    /**
     * Sets how the latency signal reads its percentile from its histogram ({@code percentiles}): {@code false} (the
     * default, {@code upper-bound}) as the upper bound of the bucket that holds it, up to 12.5% over the true value;
     * {@code true} ({@code interpolated}) by linear interpolation inside that bucket, as if its calls were spread
     * evenly over it: still in the true value's bucket, never above the upper-bound reading, and for latencies spread
     * over the bucket close to the true value (a p95 of 118 ms reads as 119.5 ms rather than 122.9 ms). The verdict,
     * the fast-down and fast-up thresholds and the size of a step down all follow the value read.
     *
     * @param interpolate whether to interpolate
     * @return this builder
     */
    public Builder interpolatedPercentiles(boolean interpolate) {
      this.interpolated = interpolate;
      return this;
    }

    /**
     * Sets when a healthy interval counts twice towards {@code up-after}: when the latency signal measured at most
     * {@code ratio} of its target; the default is 0.5 (50%). 0 turns it off.
     *
     * @param ratio in [0, 1)
     * @return this builder
     */
    public Builder fastUp(double ratio) {
      if (!(ratio >= 0 && ratio < 1)) {
        throw new IllegalArgumentException("fast-up must be below 100% of the latency target but was "
            + SpecReader.percent(ratio));
      }
      this.fastUp = ratio;
      return this;
    }

    /**
     * Sets how much longer the controller waits before probing a level again after a probe into it failed (a step up
     * that stepped down again before it held for {@code up-after} healthy intervals): each failure in a row
     * multiplies the healthy intervals needed by {@code factor}, up to 8 times {@code up-after}; a probe that holds
     * resets it. The default is 2; 1 turns it off.
     *
     * @param factor 1 to 8
     * @return this builder
     */
    public Builder probeBackoff(int factor) {
      if (factor < 1 || factor > LevelMachine.MAX_PROBE_BACKOFF) {
        throw new IllegalArgumentException("probe-backoff must be between 1 and " + LevelMachine.MAX_PROBE_BACKOFF + " but was "
            + factor);
      }
      this.probeBackoff = factor;
      return this;
    }

    /**
     * Sets whether a probe (a step up) is on probation until it holds for {@code up-after} healthy intervals: its
     * intervals count during the cooldown, and one unhealthy interval steps back down at once (the level it came
     * from was healthy) instead of after the cooldown and {@code down-after} intervals. The default is {@code true}.
     *
     * @param revert whether failed probes step back at once
     * @return this builder
     */
    public Builder probeRevert(boolean revert) {
      this.probeRevert = revert;
      return this;
    }

    /**
     * Makes {@link #build()} refuse risky settings (see {@link StepController#warnings()}) instead of logging them.
     *
     * @param refuse whether to refuse
     * @return this builder
     */
    public Builder refuseRisky(boolean refuse) {
      this.refuseRisky = refuse;
      return this;
    }

    private void collectWarnings() {
      warnings.clear();
      if (cooldown.compareTo(interval) < 0 && upAfter <= downAfter) {
        warnings.add("down-after=" + downAfter + ", up-after=" + upAfter + " and cooldown=" + SpecReader.format(cooldown)
            + " (shorter than the interval " + SpecReader.format(interval) + ") let the level change every "
            + "interval or two (flapping); make up-after greater than down-after, or set a cooldown of a few "
            + "intervals");
      }
      if (ignoredKeys == 0 && (latencyTarget != null || !Double.isNaN(errorRatio))) {
        warnings.add("ignored-keys=0 lets one client's slow or failed calls make an interval unhealthy and step "
            + "every client down; use it only when every client is trusted");
      }
    }

    /**
     * Adds a custom signal.
     *
     * @param signal the signal
     * @return this builder
     */
    public Builder signal(HealthSignal signal) {
      signals.add(Objects.requireNonNull(signal, "signal"));
      return this;
    }

    /**
     * Adds a listener for level changes.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(StepListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * @return the controller, not started
     * @throws IllegalStateException if the floor or ceiling is not a level, the floor is above the ceiling, or a
     *     severe threshold is not beyond its unhealthy threshold
     */
    public StepController build() {
      List<String> problems = new ArrayList<>();
      floor = Double.isNaN(floorFactor) ? levels.length - 1 : indexOf(floorFactor, "floor", problems);
      ceiling = Double.isNaN(ceilingFactor) ? 0 : indexOf(ceilingFactor, "ceiling", problems);
      if (floor >= 0 && ceiling >= 0 && floor < ceiling) {
        problems.add("floor " + SpecReader.percent(levels[floor]) + " is above ceiling "
            + SpecReader.percent(levels[ceiling]));
      }
      if (latencySevere != null) {
        if (latencyTarget == null) {
          problems.add("latency-severe " + SpecReader.format(latencySevere) + " needs a latency target");
        } else if (latencySevere.compareTo(latencyTarget) <= 0) {
          problems.add("latency-severe " + SpecReader.format(latencySevere) + " must be greater than the latency "
              + "target " + SpecReader.format(latencyTarget));
        }
      }
      if (!Double.isInfinite(errorRatioSevere)) {
        if (Double.isNaN(errorRatio)) {
          problems.add("error-ratio-severe " + SpecReader.percent(errorRatioSevere) + " needs an error-ratio");
        } else if (!(errorRatioSevere > errorRatio && errorRatioSevere < 1)) {
          problems.add("error-ratio-severe " + SpecReader.percent(errorRatioSevere) + " must be greater than the "
              + "error-ratio " + SpecReader.percent(errorRatio) + " and below 100%");
        }
      }
      if (inFlightSevere != Long.MAX_VALUE) {
        if (inFlight < 0) {
          problems.add("in-flight-severe " + inFlightSevere + " needs an in-flight maximum");
        } else if (inFlightSevere <= inFlight) {
          problems.add("in-flight-severe " + inFlightSevere + " must be greater than the in-flight maximum "
              + inFlight);
        }
      }
      if (!Double.isInfinite(cpuSevere)) {
        if (Double.isNaN(cpu)) {
          problems.add("cpu-severe " + SpecReader.percent(cpuSevere) + " needs a cpu threshold");
        } else if (!(cpuSevere > cpu)) {
          problems.add("cpu-severe " + SpecReader.percent(cpuSevere) + " must be greater than the cpu threshold "
              + SpecReader.percent(cpu));
        }
      }
      collectWarnings();
      if (refuseRisky) {
        for (String w : warnings) {
          problems.add(w + " (refused because risky=refuse)");
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalStateException("step controller " + name + ": " + String.join("; ", problems));
      }
      for (String w : warnings) {
        LOG.log(Level.WARNING, "step controller " + name + ": " + w);
      }
      return new StepController(this);
    }

    private int indexOf(double factor, String what, List<String> problems) {
      for (int i = 0; i < levels.length; i++) {
        if (Math.abs(levels[i] - factor) < 1e-9) {
          return i;
        }
      }
      StringBuilder known = new StringBuilder();
      for (double f : levels) {
        known.append(known.length() == 0 ? "" : ", ").append(SpecReader.percent(f));
      }
      problems.add(what + " " + SpecReader.percent(factor) + " is not one of the levels " + known);
      return -1;
    }
  }
}
