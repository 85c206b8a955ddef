package io.limiter.core.internal.step;

import io.limiter.core.step.Health;
import io.limiter.core.step.StepChange;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The level state machine of a step controller: from one interval's combined health (and what the latency signal
 * measured) it decides whether the level moves and where to, by the rules in
 * {@link io.limiter.core.step.StepController}'s class comment (hysteresis, cooldown, emergency, probes and their
 * back-off, fast and scaled steps), and it applies an operator's pin and unpin. It knows nothing of signals, clocks or
 * threads: the time is an argument, so every rule is a function of the inputs and the state.
 *
 * <p>Thread-safety: {@link #decide}, {@link #pin} and {@link #unpin} change the state and must be serialized by the
 * caller (the controller holds its state lock around them). {@link #level()} and {@link #pinned()} are volatile
 * reads, safe from any thread: the request path reads the level on every decision.
 */
public final class LevelMachine {

  /** The most a probe is backed off: this many times up-after. */
  public static final int MAX_PROBE_BACKOFF = 8;

  /**
   * The rules' parameters, validated by the controller's builder.
   *
   * @param downAfter consecutive unhealthy intervals that step down
   * @param upAfter consecutive healthy intervals that step up
   * @param cooldownNanos time after a change during which intervals are not counted
   * @param holdWhenUnknown whether an unknown interval holds the level and the streaks (else it counts as healthy)
   * @param fastDown latency ratio from which one unhealthy interval steps down (infinite: off)
   * @param scaledSteps whether a step down for the latency skips levels by how far over its target it is
   * @param fastUp latency ratio up to which a healthy interval counts twice (0: off)
   * @param probeBackoff factor by which each failed probe into a level lengthens the next one's wait
   * @param probeRevert whether a step up is on probation until it holds for up-after healthy intervals
   * @param proportionalSteps whether a step down for the latency goes to the highest level at most the current one
   *     times the target over the measured latency (overrides {@code scaledSteps})
   */
  public record Rules(int downAfter, int upAfter, long cooldownNanos, boolean holdWhenUnknown, double fastDown,
      boolean scaledSteps, double fastUp, int probeBackoff, boolean probeRevert, boolean proportionalSteps) {
  }

  private final String name;
  private final double[] levels;
  private final int floor;
  private final int ceiling;
  private final Rules rules;

  private volatile int level;
  private volatile boolean pinned;
  // the rest is guarded by the caller's serialization
  private int unhealthyStreak;
  private int healthyStreak;
  private boolean cooling;
  private long cooldownUntil;
  private boolean lastMoveUp;
  /** The latency ratio that caused the last step down (infinite when unknown or when fast-down is off). */
  private double downRatio = Double.POSITIVE_INFINITY;
  /** The level the last step up reached while it is on probation (not yet held for up-after intervals), else -1. */
  private int probeLevel = -1;
  /** Per level: probes into it that failed in a row; each multiplies the healthy intervals the next one waits for. */
  private final int[] failedProbes;
  /** Healthy intervals actually counted in the current streak (fast-up intervals count twice in the streak). */
  private int healthyIntervals;

  /**
   * Starts at the ceiling, unpinned.
   *
   * @param name the controller's name, for the changes
   * @param levels the factors, strictly decreasing (not copied: the controller owns the array and never changes it)
   * @param floor the lowest level (highest index) to step down to
   * @param ceiling the highest level (lowest index) to step up to
   * @param rules the rules' parameters
   */
  public LevelMachine(String name, double[] levels, int floor, int ceiling, Rules rules) {
    this.name = name;
    this.levels = levels;
    this.floor = floor;
    this.ceiling = ceiling;
    this.rules = rules;
    this.failedProbes = new int[levels.length];
    this.level = ceiling;
  }

  /** @return the current level, an index into the levels */
  public int level() {
    return level;
  }

  /** @return whether an operator pinned the level */
  public boolean pinned() {
    return pinned;
  }

  /**
   * Judges one interval.
   *
   * @param now the time, on the controller's ticker (serves the cooldown)
   * @param health the interval's combined health, worst signal first
   * @param latencyBad whether the latency signal judged the interval unhealthy or severe
   * @param ratio how far over (or under) its target the latency was, when the latency signal judged the interval;
   *     NaN otherwise
   * @return the change, or null if the level stays
   */
  public @Nullable StepChange decide(long now, Health health, boolean latencyBad, double ratio) {
    if (pinned) {
      resetStreaks();
      return null;
    }
    int current = level;
    if (health.status() == Health.Status.SEVERE && current < floor) {
      return change(now, floor, StepChange.Cause.EMERGENCY, "severe: " + health.detail(), Double.NaN);
    }
    boolean probation = rules.probeRevert() && lastMoveUp && probeLevel == current;
    if (cooling && now - cooldownUntil < 0 && !probation) {
      resetStreaks();
      if (!lastMoveUp && latencyBad && ratio >= rules.fastDown() && ratio >= 2 * downRatio && current < floor) {
        // the cooldown lets a step take effect before the lagging latency is judged again; a latency that doubled
        // since the step says the step was not enough, and waiting would let the queue grow: step again now
        int to = downTo(current, ratio);
        return change(now, to, StepChange.Cause.DOWN, "latency doubled during the cooldown"
            + (to - current > 1 ? ", " + (to - current) + " levels" : "") + ": " + health.detail(), ratio);
      }
      return null;
    }
    if (probation && current < floor && health.status().compareTo(Health.Status.UNHEALTHY) >= 0) {
      // the level below was judged healthy for up-after intervals: a bad interval on probation goes straight back
      return change(now, current + 1, StepChange.Cause.DOWN, "probe of " + SpecReader.percent(levels[current])
          + " failed: " + health.detail(), Double.NaN);
    }
    cooling = false;
    if (health.status() == Health.Status.UNKNOWN && rules.holdWhenUnknown()) {
      return null; // no evidence either way: hold the level and both streaks
    }
    if (health.status() == Health.Status.UNHEALTHY || health.status() == Health.Status.SEVERE) {
      return unhealthy(now, current, health, latencyBad, ratio);
    }
    return healthy(now, current, health, latencyBad, ratio);
  }

  private @Nullable StepChange unhealthy(long now, int current, Health health, boolean latencyBad, double ratio) {
    healthyStreak = 0;
    healthyIntervals = 0;
    unhealthyStreak = Math.min(unhealthyStreak + 1, rules.downAfter());
    boolean fast = latencyBad && ratio >= rules.fastDown();
    if ((unhealthyStreak >= rules.downAfter() || fast) && current < floor) {
      int to = latencyBad ? downTo(current, ratio) : current + 1;
      String why = unhealthyStreak >= rules.downAfter()
          ? rules.downAfter() + " unhealthy interval" + (rules.downAfter() == 1 ? "" : "s")
          : "latency at least " + SpecReader.percent(rules.fastDown()) + " of the target";
      if (to - current > 1) {
        why += ", " + (to - current) + " levels for a latency " + String.format(Locale.ROOT, "%.1f", ratio)
            + " times the target";
      }
      return change(now, to, StepChange.Cause.DOWN, why + ": " + health.detail(), latencyBad ? ratio : Double.NaN);
    }
    return null;
  }

  private @Nullable StepChange healthy(long now, int current, Health health, boolean latencyBad, double ratio) {
    unhealthyStreak = 0;
    boolean far = rules.fastUp() > 0 && !latencyBad && ratio <= rules.fastUp();
    healthyIntervals++;
    int needed = current > ceiling ? rules.upAfter() * backoff(current - 1) : rules.upAfter();
    healthyStreak = Math.min(healthyStreak + (far ? 2 : 1), needed);
    if (probeLevel == current && healthyStreak >= rules.upAfter()) {
      failedProbes[current] = 0; // the probe held
      probeLevel = -1;
    }
    if (healthyStreak >= needed && current > ceiling) {
      int n = healthyIntervals;
      return change(now, current - 1, StepChange.Cause.UP, n + " healthy interval" + (n == 1 ? "" : "s")
          + (needed > rules.upAfter() ? " (probe backed off to " + needed + " after " + failedProbes[current - 1]
              + " failed)" : "") + ": " + health.detail(), Double.NaN);
    }
    return null;
  }

  /**
   * Levels to step down for a latency {@code ratio} times its target: one below 4 times, then one more per doubling.
   * Latency grows much faster than load past the knee, so twice the target is usually a load only a little over the
   * capacity, while a queue that has built up drains only at a rate well below it.
   */
  private int stepsFor(double ratio) {
    return rules.scaledSteps() && ratio >= 4 ? (int) Math.floor(Math.log(ratio) / Math.log(2)) : 1;
  }

  /**
   * The level a step down for a latency {@code ratio} times its target goes to, from {@code current} (above the
   * floor): at least one level down, never below the floor. With {@code step-down=proportional}, the highest level
   * whose factor is at most the current one divided by the ratio: a service whose latency grows with its load (the
   * calls in flight, the rate) is back at its target after about that share of the load, so one step lands where
   * scaled steps of one level per interval and cooldown would take several. Otherwise {@link #stepsFor} levels.
   */
  private int downTo(int current, double ratio) {
    if (rules.proportionalSteps() && ratio > 1) {
      double want = levels[current] / ratio;
      int to = current + 1;
      while (to < floor && levels[to] > want) {
        to++;
      }
      return to;
    }
    return Math.min(floor, current + stepsFor(ratio));
  }

  /** How many times up-after the next probe into {@code to} waits, after the probes into it that failed in a row. */
  private int backoff(int to) {
    long m = 1;
    for (int i = 0; i < failedProbes[to] && m < MAX_PROBE_BACKOFF; i++) {
      m *= rules.probeBackoff();
    }
    return (int) Math.min(m, MAX_PROBE_BACKOFF);
  }

  private StepChange change(long now, int to, StepChange.Cause cause, String reason, double ratio) {
    downRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
    StepChange change = new StepChange(name, level, to, levels[level], levels[to], cause, reason, now);
    if (to > level && probeLevel == level) {
      failedProbes[level] = Math.min(failedProbes[level] + 1, 30);
    }
    probeLevel = to < level ? to : -1;
    lastMoveUp = to < level;
    level = to;
    resetStreaks();
    cooling = true;
    cooldownUntil = now + rules.cooldownNanos();
    return change;
  }

  /**
   * Fixes the level until {@link #unpin}; the floor and ceiling do not restrict a pin.
   *
   * @param to an index into the levels, checked by the caller
   * @param reason who pinned and why
   * @param now the time, on the controller's ticker
   * @return the change (also when the level stays)
   */
  public StepChange pin(int to, String reason, long now) {
    return byOperator(to, true, StepChange.Cause.PIN, "pinned: " + reason, now);
  }

  /**
   * Hands the level back to the rules; a level outside the floor and ceiling moves to the nearest of them.
   *
   * @param reason who unpinned and why
   * @param now the time, on the controller's ticker
   * @return the change, or null if the level was not pinned
   */
  public @Nullable StepChange unpin(String reason, long now) {

    if (!pinned) {
      return null;
    }
    return byOperator(Math.max(ceiling, Math.min(floor, level)), false, StepChange.Cause.UNPIN, "unpinned: " + reason,
        now);
  }

  /** An operator's change: the streaks and any probe start over. */
  private StepChange byOperator(int to, boolean pin, StepChange.Cause cause, String reason, long now) {
    StepChange change = new StepChange(name, level, to, levels[level], levels[to], cause, reason, now);
    level = to;
    pinned = pin;
    resetStreaks();
    probeLevel = -1;
    return change;
  }

  private void resetStreaks() {
    unhealthyStreak = 0;
    healthyStreak = 0;
    healthyIntervals = 0;
  }
}
