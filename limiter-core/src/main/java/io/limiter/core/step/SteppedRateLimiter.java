package io.limiter.core.step;

import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.core.Ticker;
import io.limiter.core.internal.step.DefaultSteppedRateLimiter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimiter} whose limits move in steps: per call, the effective limits are computed from the policy's
 * base limits and up to four independent parts,
 *
 * <pre>
 *   tier (per request)  ×  schedule step (wall clock)  ×  controller level (server health)  ×  penalty (per client)
 * </pre>
 *
 * <ul>
 *   <li>{@link Tiers}: the request's tier (from a {@link TierResolver}) replaces the base limits or scales them;
 *       {@code unlimited} skips the store entirely ({@link Decision#unlimited()});
 *   <li>{@link StepSchedule}: the current entry replaces the limits or scales them;
 *   <li>{@link StepController}: its {@link StepController#factor() factor} scales them;
 *   <li>{@link PenaltyRule}: a client in the {@link PenaltyBox} is blocked, or its limits are scaled or replaced.
 * </ul>
 * Replacements apply first and factors multiply: {@code effective = (tier or schedule limits, else base) × tier
 * factor × schedule factor × level factor}, scaled once ({@link LimitPolicy#scaled(double)} rounds down, never below
 * one permit); a penalty with limits replaces the result, a penalty factor multiplies in. A tier and a schedule may
 * not both replace limits (one of them must use percentages).
 *
 * <h2>State across steps</h2>
 * Every step decides on the same per-key state in the store ({@link KeySpace#view(LimitPolicy)}): a step never resets
 * a client. How the kept state reads under new limits depends on the algorithm:
 * <ul>
 *   <li>{@code TOKEN_BUCKET} keeps the time at which the client's bucket would be full again; the debt
 *       {@code tat - now} is read against the new limits. Stepping down to a fraction {@code f} of the permits with
 *       the same period keeps the <em>fraction</em> of the bucket used: a client that used 600 of 1000/minute has 400
 *       left, and 80 of 200/minute after a step to 20%; it then refills at the new, slower rate. Stepping up works
 *       the same way in reverse (40% used of 200 becomes 40% used of 1000).
 *   <li>{@code FIXED_WINDOW} and {@code SLIDING_WINDOW} keep the count of the current (and previous) window: after a
 *       step down from 1000 to 200 a client that already made 600 requests in this window is rejected until the
 *       window ends; after a step up it may make up to the new limit minus what it used. A window never admits more
 *       than the highest limit in force during it.
 *   <li>{@code MOVING_WINDOW} keeps the log of the timestamps of the last permits, as many as the policy's own limit
 *       has: after a step down a client is rejected until enough of its logged requests are a period old; a step or
 *       tier above the policy's own limit admits at most the policy's own limit per period (the log proves no more),
 *       so give a moving-window policy its highest limit and step down from it.
 * </ul>
 * So under any sequence of steps, a key never gets more than the highest step's limit allows.
 *
 * <h2>Cost</h2>
 * All effective policies are computed and validated when the limiter is built (every tier × schedule entry × level ×
 * penalty), each with its store view, so a call does a few array and volatile reads, one {@link Clock#millis()}
 * (only with a schedule; the step is cached until the next boundary) and the store's decision; {@code tryAcquire}
 * allocates nothing when no listener is set. With a remote store (Redis) the effective limits go to the server with
 * each decision, and each instance steps on its own controller and schedule.
 *
 * <p>Thread-safe.
 *
 * @param <C> the request context the tier resolver reads
 */
public interface SteppedRateLimiter<C> extends RateLimiter {

  /**
   * Starts a builder.
   *
   * @param policy the base policy: name, base limits, algorithm, cost, shadow, failure mode
   * @param store where the state lives
   * @param <C> the request context of the tier resolver
   * @return a new builder
   */
  static <C> Builder<C> builder(LimitPolicy policy, RateLimitStore store) {
    return new Builder<>(policy, store);
  }

  /**
   * Takes {@code permits} for {@code key} under the limits in force for this request now.
   *
   * @param key the client key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the cost, at least 1
   * @return the decision; its {@link Decision#policy()} carries the effective limits
   */
  Decision acquire(String key, @Nullable C context, long permits);

  /**
   * Takes {@code permits} in the bucket that requests without a key share, under the limits in force for this
   * request now (see {@link RateLimiter#acquireShared}). Like every shared key, the penalty box does not count its
   * rejections unless the builder's {@link Builder#penalizeSharedKeys(boolean)} says so.
   *
   * @param bucket the shared bucket
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the cost, at least 1
   * @return the decision
   */
  Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, @Nullable C context, long permits);

  /**
   * {@link #acquire(String, Object, long)} as a {@link Reservation} of the step's state, to be settled to the actual
   * cost later (see {@link RateLimiter#reserve(String, long)}).
   *
   * @param key the client key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the permits to reserve, at least 1
   * @return the reservation
   */
  Reservation reserve(String key, @Nullable C context, long permits);

  /**
   * {@link #acquireShared(String, Object, long)} as a {@link Reservation}.
   *
   * @param key the shared key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the permits to reserve, at least 1
   * @return the reservation
   */
  Reservation reserveShared(String key, @Nullable C context, long permits);

  /**
   * {@link #acquireShared(MissingKeyStrategy.SharedBucket, Object, long)} as a {@link Reservation}.
   *
   * @param bucket the shared bucket
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the permits to reserve, at least 1
   * @return the reservation
   */
  Reservation reserveShared(MissingKeyStrategy.SharedBucket bucket, @Nullable C context, long permits);

  /**
   * {@link #reserve(String, Object, long)} as a {@link Claim}, to be decided with the request's other policies by
   * {@link Claim#reserveAll(java.util.List)} (see {@link RateLimiter#claim(String, long)}). The tier, step level and
   * penalty box are read when the claim is made; the default defers to {@link #reserve(String, Object, long)}.
   *
   * @param key the client key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the permits to reserve, at least 1
   * @return the claim
   */
  default Claim claim(String key, @Nullable C context, long permits) {
    return Claim.deferred(() -> reserve(key, context, permits));
  }

  /**
   * {@link #reserveShared(String, Object, long)} as a {@link Claim}.
   *
   * @param key the shared key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the permits to reserve, at least 1
   * @return the claim
   */
  default Claim claimShared(String key, @Nullable C context, long permits) {
    return Claim.deferred(() -> reserveShared(key, context, permits));
  }

  /**
   * {@link #reserveShared(MissingKeyStrategy.SharedBucket, Object, long)} as a {@link Claim}.
   *
   * @param bucket the shared bucket
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the permits to reserve, at least 1
   * @return the claim
   */
  default Claim claimShared(MissingKeyStrategy.SharedBucket bucket, @Nullable C context, long permits) {
    return Claim.deferred(() -> reserveShared(bucket, context, permits));
  }

  /**
   * Takes the policy's cost for {@code key} under the limits in force for this request now.
   *
   * @param key the client key
   * @param context the request, for the tier resolver; null means the default tier
   * @return the decision
   */
  default Decision acquire(String key, @Nullable C context) {
    return acquire(key, context, policy().cost());
  }

  /**
   * Like {@link #acquire(String, Object, long)}, answering only whether the request may proceed; allocates nothing
   * when no listener is set and the policy is not in shadow mode.
   *
   * @param key the client key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the cost, at least 1
   * @return whether the request may proceed
   */
  boolean tryAcquire(String key, @Nullable C context, long permits);

  /**
   * Decides without blocking; remote stores complete the stage when their server answers.
   *
   * @param key the client key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the cost, at least 1
   * @return the decision, when known
   */
  CompletionStage<Decision> acquireAsync(String key, @Nullable C context, long permits);

  /**
   * Like {@link #acquire(String, Object, long)} for a client key that many clients share, such as a global key (the
   * bucket of requests without a key goes through {@link #acquireShared(MissingKeyStrategy.SharedBucket, Object,
   * long)}). The penalty box does not count its rejections (boxing it would box every client behind it) unless the builder's
   * {@link Builder#penalizeSharedKeys(boolean)} says so.
   *
   * @param key the shared key
   * @param context the request, for the tier resolver; null means the default tier
   * @param permits the cost, at least 1
   * @return the decision
   */
  Decision acquireShared(String key, @Nullable C context, long permits);

  /**
   * @return warnings about the configuration found when the limiter was built (each also logged once at WARNING),
   *     e.g. controller levels that give the same limits; empty when none
   */
  List<String> warnings();

  /**
   * Returns the limits that a client of a tier gets now (outside the penalty box).
   *
   * @param tier a tier name (matched as decisions match it), or null for the default
   * @return the effective policy, or empty if the tier is unlimited
   */
  Optional<LimitPolicy> currentPolicy(@Nullable String tier);

  /** @return the controller whose level scales the limits, if any */
  Optional<StepController> controller();

  /** @return the schedule, if any */
  Optional<StepSchedule> schedule();

  /** @return the tiers, if any */
  Optional<Tiers> tiers();

  /** @return the penalty box, if a penalty rule is set */
  Optional<PenaltyBox> penaltyBox();

  /**
   * Builds a {@link SteppedRateLimiter}. Parts given as strings (from init-params, properties or annotation
   * elements) are parsed when set, and their problems are collected with the source they came from; {@link #build()}
   * then also checks every combination of tier, schedule entry, level and penalty, and throws one
   * {@link RateLimitConfigException} listing everything. Not thread-safe.
   *
   * @param <C> the request context of the tier resolver
   */
  final class Builder<C> {
    private final LimitPolicy policy;
    private final RateLimitStore store;
    private final List<String> problems = new ArrayList<>();
    private @Nullable StepSchedule schedule;
    private @Nullable StepController controller;
    private @Nullable Tiers tiers;
    private boolean tiersFailed;
    private @Nullable TierResolver<C> tierResolver;
    private @Nullable PenaltyRule penalty;
    private final List<PenaltyListener> penaltyListeners = new ArrayList<>();
    private long penaltyMaxKeys = 100_000;
    private long penaltyMaxBytes = PenaltyBox.DEFAULT_MAX_BYTES;
    private boolean penalizeSharedKeys;
    private @Nullable RateLimitListener listener;
    private Clock clock = Clock.systemUTC();
    private Ticker ticker = Ticker.system();

    private Builder(LimitPolicy policy, RateLimitStore store) {
      this.policy = Objects.requireNonNull(policy, "policy");
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Sets the schedule.
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder<C> schedule(StepSchedule schedule) {
      this.schedule = Objects.requireNonNull(schedule, "schedule");
      return this;
    }

    /**
     * Sets the schedule from its spec; a problem is reported by {@link #build()}.
     *
     * @param spec see {@link StepSchedule}
     * @param source where it came from, for messages, e.g. {@code @RateLimit(schedule) on Api.search}, or null
     * @return this builder
     */
    public Builder<C> schedule(String spec, @Nullable String source) {
      this.schedule = StepSchedule.parse(Objects.requireNonNull(spec, "spec"), source, problems);
      return this;
    }

    /**
     * Sets the controller whose level scales the limits; it may be shared with other limiters. The limiter does not
     * start or close it.
     *
     * @param controller the controller
     * @return this builder
     */
    public Builder<C> controller(StepController controller) {
      this.controller = Objects.requireNonNull(controller, "controller");
      return this;
    }

    /**
     * Sets the tiers; a {@link #tierResolver(TierResolver)} is required with them.
     *
     * @param tiers the tiers
     * @return this builder
     */
    public Builder<C> tiers(Tiers tiers) {
      this.tiers = Objects.requireNonNull(tiers, "tiers");
      return this;
    }

    /**
     * Sets the tiers from their spec; a problem is reported by {@link #build()}.
     *
     * @param spec see {@link Tiers}
     * @param source where it came from, for messages, or null
     * @return this builder
     */
    public Builder<C> tiers(String spec, @Nullable String source) {
      this.tiers = Tiers.parse(Objects.requireNonNull(spec, "spec"), source, problems);
      this.tiersFailed = tiers == null;
      return this;
    }

    /**
     * Sets how a request's tier is found.
     *
     * @param resolver the resolver
     * @return this builder
     */
    public Builder<C> tierResolver(TierResolver<C> resolver) {
      this.tierResolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /**
     * Sets the penalty rule; the limiter creates its {@link PenaltyBox}.
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder<C> penalty(PenaltyRule rule) {
      this.penalty = Objects.requireNonNull(rule, "rule");
      return this;
    }

    /**
     * Sets the penalty rule from its spec; a problem is reported by {@link #build()}.
     *
     * @param spec see {@link PenaltyRule}
     * @param source where it came from, for messages, or null
     * @return this builder
     */
    public Builder<C> penalty(String spec, @Nullable String source) {
      this.penalty = PenaltyRule.parse(Objects.requireNonNull(spec, "spec"), source, problems);
      return this;
    }

    /**
     * Adds a listener for clients going into and out of the penalty box.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder<C> penaltyListener(PenaltyListener listener) {
      penaltyListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the most clients the penalty box tracks at once; the default is 100,000.
     *
     * @param maxKeys at least 16
     * @return this builder
     */
    public Builder<C> penaltyMaxKeys(long maxKeys) {
      if (maxKeys < 16) {
        throw new IllegalArgumentException("penalty maxKeys must be >= 16 but was " + maxKeys);
      }
      this.penaltyMaxKeys = maxKeys;
      return this;
    }

    /**
     * Bounds the memory of the penalty box's rejection logs (an estimate of its entries' bytes); the default is
     * {@value PenaltyBox#DEFAULT_MAX_BYTES} bytes.
     *
     * @param maxBytes at least 64 KiB
     * @return this builder
     */
    public Builder<C> penaltyMaxBytes(long maxBytes) {
      if (maxBytes < 65_536) {
        throw new IllegalArgumentException("penalty maxBytes must be >= 65536 but was " + maxBytes);
      }
      this.penaltyMaxBytes = maxBytes;
      return this;
    }

    /**
     * Whether {@link SteppedRateLimiter#acquireShared} keys (many clients behind one key) count towards the penalty
     * box; the default is {@code false}, because boxing such a key boxes every client behind it.
     *
     * @param penalize whether to penalize shared keys
     * @return this builder
     */
    public Builder<C> penalizeSharedKeys(boolean penalize) {
      this.penalizeSharedKeys = penalize;
      return this;
    }

    /**
     * Sets a listener for every decision (including unlimited and penalty decisions).
     *
     * @param listener the listener, or null for none
     * @return this builder
     */
    public Builder<C> listener(@Nullable RateLimitListener listener) {

      this.listener = listener;
      return this;
    }

    /**
     * Sets the wall clock the schedule reads; the default is {@link Clock#systemUTC()} (the schedule has its own
     * zone, so the clock's zone does not matter). Tests pass a fixed or manual clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder<C> clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the clock of the penalty box; the default is {@link Ticker#system()}. Tests pass the store's manual
     * ticker.
     *
     * @param ticker the clock
     * @return this builder
     */
    public Builder<C> ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Validates everything and builds the limiter.
     *
     * @return the limiter
     * @throws RateLimitConfigException listing every problem: parts that did not parse (with their sources), tiers without
     *     a resolver or a resolver without tiers, a tier and a schedule that both replace limits, and every
     *     combination whose limits do not fit the policy's state or cost
     */
    public SteppedRateLimiter<C> build() {
      List<String> all = new ArrayList<>(problems);
      if (tiers != null && tierResolver == null) {
        all.add("policy " + policy.name() + " has tiers (" + tiers + ") but no tier resolver to pick one per request");
      }
      if (tiers == null && !tiersFailed && tierResolver != null) {
        all.add("policy " + policy.name() + " has a tier resolver but no tiers");
      }
      SteppedRateLimiter<C> limiter = new DefaultSteppedRateLimiter<>(policy, store, schedule, controller, tiers,
          tierResolver, penalty, penaltyListeners, penaltyMaxKeys, penaltyMaxBytes, penalizeSharedKeys, listener, clock,
          ticker, all);
      if (!all.isEmpty()) {
        throw new RateLimitConfigException(all);
      }
      return limiter;
    }
  }
}
