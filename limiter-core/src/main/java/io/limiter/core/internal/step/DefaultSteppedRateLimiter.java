package io.limiter.core.internal.step;

import io.limiter.core.Algorithm;
import io.limiter.core.BoundLimiter;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import io.limiter.core.internal.DefaultRateLimiter;
import io.limiter.core.internal.KeyNormalizer;
import io.limiter.core.step.PenaltyBox;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepLimits;
import io.limiter.core.step.StepSchedule;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.TierResolver;
import io.limiter.core.step.Tiers;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The stepped limiter. Every effective policy (tier row × schedule step × level × penalty) is composed, validated
 * and bound to a store view once, in the constructor, into one flat table; a call computes the table index from a
 * few volatile reads and decides on that view. Equal effective policies share one view.
 *
 * <p>Why concurrent level and schedule changes are safe: a call reads the level and step once and decides entirely
 * under that step's limits; the store decides and charges atomically per key. A decision racing a change is simply a
 * decision under the previous step, and every step's decision honours its own limits on the shared state, so no
 * interleaving admits more than the highest step allows.
 */
public final class DefaultSteppedRateLimiter<C> implements SteppedRateLimiter<C> {

  private final LimitPolicy base;
  private final RateLimitListener listener;
  private final boolean plain;
  private final Ticker ticker;

  private final StepSchedule schedule;
  private final Clock clock;
  private final int steps;
  private volatile Window window;

  private final StepController controller;
  private final int levels;

  private final Tiers tiers;
  private final TierResolver<C> resolver;
  private final Map<String, Integer> tierRows = new HashMap<>();
  private final String[] tierNames;
  private final int fallbackRow;
  private final boolean[] unlimitedRow;
  private final Decision unlimited;

  private final PenaltyBox box;
  private final int penaltySlots;

  private final Step[] table;

  /** One effective step: the limits, and the store view that decides with them, or a block. */
  private static final class Step {
    final LimitPolicy policy;
    final KeySpace space;
    final boolean block;

    Step(LimitPolicy policy, KeySpace space, boolean block) {
      this.policy = policy;
      this.space = space;
      this.block = block;
    }
  }

  /** The schedule step, valid for wall-clock millis in [from, until). */
  private record Window(int step, long from, long until) {
  }

  public DefaultSteppedRateLimiter(LimitPolicy base, RateLimitStore store, StepSchedule schedule,
      StepController controller, Tiers tiers, TierResolver<C> resolver, PenaltyRule penalty,
      List<PenaltyListener> penaltyListeners, long penaltyMaxKeys, RateLimitListener listener, Clock clock,
      Ticker ticker, List<String> problems) {
    this.base = base;
    this.listener = listener;
    this.plain = listener == null && !base.shadow();
    this.ticker = ticker;
    this.schedule = schedule;
    this.clock = clock;
    this.steps = schedule == null ? 1 : schedule.rules().size() + 1;
    this.controller = controller;
    this.levels = controller == null ? 1 : controller.levels().size();
    this.tiers = tiers;
    this.resolver = resolver;
    List<Tiers.Tier> tierList = tiers == null ? List.of() : tiers.tiers();
    this.tierNames = new String[tierList.size()];
    for (int i = 0; i < tierList.size(); i++) {
      tierNames[i] = tierList.get(i).name();
      tierRows.put(tierNames[i], i);
    }
    String defaultTier = tiers == null ? null : tiers.defaultTier().orElse(null);
    int rows = tierList.size() + (defaultTier == null ? 1 : 0);
    this.fallbackRow = defaultTier == null ? tierList.size() : tierRows.get(defaultTier);
    this.unlimitedRow = new boolean[rows];
    this.unlimited = Decision.unlimited(base);
    if (penalty != null) {
      this.box = new PenaltyBox(base.name(), penalty, ticker, penaltyMaxKeys);
      penaltyListeners.forEach(box::addListener);
    } else {
      this.box = null;
    }
    this.penaltySlots = penalty == null ? 1 : 2;
    this.table = new Step[rows * steps * levels * penaltySlots];

    // Validate each part that replaces limits once, then compose every combination.
    String prefix = "policy " + base.name() + ": ";
    boolean[] badTier = new boolean[rows];
    for (int t = 0; t < tierList.size(); t++) {
      badTier[t] = !fits(tierList.get(t).limits(), "tier " + tierNames[t], prefix, problems);
    }
    boolean[] badStep = new boolean[steps];
    for (int s = 0; schedule != null && s < steps; s++) {
      badStep[s] = !fits(scheduled(s), scheduleName(s), prefix, problems);
    }
    boolean badPenalty = penalty != null && !fits(penalty.action(), "the penalty", prefix, problems);
    String conflict = conflict(tierList, prefix);
    if (conflict != null) {
      problems.add(conflict);
      return;
    }
    Map<LimitPolicy, KeySpace> views = new HashMap<>();
    Map<String, String> composeProblems = new LinkedHashMap<>();
    KeySpace baseSpace = store.keySpace(base);
    for (int row = 0; row < rows; row++) {
      Tiers.Tier tier = row < tierList.size() ? tierList.get(row) : null;
      if (tier != null && tier.limits().kind() == StepLimits.Kind.UNLIMITED) {
        unlimitedRow[row] = true;
        continue;
      }
      for (int s = 0; s < steps; s++) {
        for (int l = 0; l < levels; l++) {
          for (int p = 0; p < penaltySlots; p++) {
            int index = ((row * steps + s) * levels + l) * penaltySlots + p;
            if (badTier[row] || badStep[s] || (p == 1 && badPenalty)) {
              continue;
            }
            if (p == 1 && penalty.action().kind() == StepLimits.Kind.BLOCK) {
              Step open = table[index - 1];
              table[index] = open == null ? null : new Step(open.policy, null, true);
              continue;
            }
            double level = controller == null ? 1.0 : controller.levels().get(l);
            LimitPolicy effective;
            try {
              effective = compose(tier, scheduled(s), level, p == 1 ? penalty.action() : null);
            } catch (IllegalArgumentException | IllegalStateException e) {
              composeProblems.putIfAbsent(e.getMessage(), prefix + describe(tier, s, l, p) + ": " + e.getMessage());
              continue;
            }
            KeySpace space = views.computeIfAbsent(effective, baseSpace::view);
            table[index] = new Step(effective, space, false);
          }
        }
      }
    }
    problems.addAll(composeProblems.values());
  }

  private StepLimits scheduled(int step) {
    if (schedule == null) {
      return null;
    }
    return step < schedule.rules().size() ? schedule.rules().get(step).limits()
        : schedule.otherwise().orElse(null);
  }

  private String scheduleName(int step) {
    return step < schedule.rules().size() ? "schedule entry \"" + schedule.rules().get(step).condition() + "\""
        : "the schedule's default";
  }

  /** Whether limits that replace the base's fit the state kept for it; reports why not. */
  private boolean fits(StepLimits value, String what, String prefix, List<String> problems) {
    if (value == null || value.kind() != StepLimits.Kind.LIMITS) {
      return true;
    }
    LimitSpec spec = value.limits();
    int n = base.limits().size();
    if (spec.limits().size() != n) {
      problems.add(prefix + what + " has " + plural(spec.limits().size(), "limit") + " (" + spec + ") but the "
          + "policy has " + n + " (" + base.spec() + "); every step must have as many limits as the policy, in the "
          + "same order, because they share the state of each client");
      return false;
    }
    if (base.algorithm() != Algorithm.TOKEN_BUCKET) {
      for (int i = 0; i < n; i++) {
        if (spec.limits().get(i).periodNanos() != base.limits().get(i).periodNanos()) {
          problems.add(prefix + what + " has limit " + spec.limits().get(i) + " where the policy has "
              + base.limits().get(i) + "; " + base.algorithm() + " counts per window, so every step must keep the "
              + "policy's periods (or use TOKEN_BUCKET)");
          return false;
        }
      }
    }
    return true;
  }

  private String conflict(List<Tiers.Tier> tierList, String prefix) {
    if (schedule == null) {
      return null;
    }
    Tiers.Tier replacing = null;
    for (Tiers.Tier t : tierList) {
      if (t.limits().kind() == StepLimits.Kind.LIMITS) {
        replacing = t;
        break;
      }
    }
    if (replacing == null) {
      return null;
    }
    for (int s = 0; s < steps; s++) {
      StepLimits value = scheduled(s);
      if (value != null && value.kind() == StepLimits.Kind.LIMITS) {
        return prefix + "tier " + replacing.name() + " replaces the limits (" + replacing.limits() + ") and "
            + scheduleName(s) + " replaces them too (" + value + "); one of them must scale the other with a "
            + "percentage such as 20%";
      }
    }
    return null;
  }

  private LimitPolicy compose(Tiers.Tier tier, StepLimits scheduled, double level, StepLimits penalty) {
    LimitSpec limits = base.spec();
    double factor = 1.0;
    if (tier != null) {
      if (tier.limits().kind() == StepLimits.Kind.LIMITS) {
        limits = tier.limits().limits();
      } else {
        factor *= tier.limits().factor();
      }
    }
    if (scheduled != null) {
      if (scheduled.kind() == StepLimits.Kind.LIMITS) {
        limits = scheduled.limits();
      } else {
        factor *= scheduled.factor();
      }
    }
    factor *= level;
    if (penalty != null) {
      if (penalty.kind() == StepLimits.Kind.LIMITS) {
        limits = penalty.limits();
        factor = 1.0;
      } else {
        factor *= penalty.factor();
      }
    }
    LimitPolicy replaced = limits.equals(base.spec()) ? base : base.withLimits(limits);
    return replaced.scaled(factor);
  }

  private String describe(Tiers.Tier tier, int s, int l, int p) {
    List<String> parts = new ArrayList<>();
    parts.add(tier == null ? "clients without a tier" : "tier " + tier.name());
    if (schedule != null) {
      parts.add(scheduleName(s));
    }
    if (controller != null) {
      parts.add("level " + SpecReader.percent(controller.levels().get(l)));
    }
    if (p == 1) {
      parts.add("in the penalty box");
    }
    return String.join(", ", parts);
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  // ---- per call -------------------------------------------------------------------------------------------------

  private int row(C context) {
    if (resolver == null || context == null) {
      return fallbackRow;
    }
    String name = resolver.resolve(context);
    if (name == null) {
      return fallbackRow;
    }
    Integer row = tierRows.get(name);
    if (row != null) {
      return row;
    }
    for (int t = 0; t < tierNames.length; t++) {
      if (tierNames[t].equalsIgnoreCase(name)) {
        return t;
      }
    }
    return fallbackRow;
  }

  private int index(int row) {
    int level = controller == null ? 0 : controller.level();
    return ((row * steps + scheduleStep()) * levels + level) * penaltySlots;
  }

  private int scheduleStep() {
    if (schedule == null) {
      return 0;
    }
    long now = clock.millis();
    Window w = window;
    if (w == null || now < w.from || now >= w.until) {
      // racing threads compute the same window; the last write wins and is as good as any
      Instant instant = Instant.ofEpochMilli(now);
      int step = schedule.stepAt(instant);
      w = new Window(step < 0 ? steps - 1 : step, now, schedule.nextChangeAfter(instant).toEpochMilli());
      window = w;
    }
    return w.step;
  }

  private static void checkPermits(long permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1 but was " + permits);
    }
  }

  @Override
  public Decision acquire(String key, C context, long permits) {
    return decide(KeyNormalizer.canonical(key), row(context), permits);
  }

  @Override
  public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, C context, long permits) {
    return decide(bucket.key(), row(context), permits);
  }

  @Override
  public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return acquireShared(bucket, null, permits);
  }

  private Decision decide(String key, int row, long permits) {
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return complete(key, unlimited, false, 0);
    }
    int index = index(row);
    if (box == null) {
      return complete(key, table[index].space.acquire(key, permits), false, 0);
    }
    long now = ticker.read();
    long until = box.boxedUntil(key, now);
    if (until == PenaltyBox.NOT_BOXED) {
      return complete(key, table[index].space.acquire(key, permits), true, now);
    }
    Step boxed = table[index + 1];
    if (boxed.block) {
      return complete(key, blocked(boxed, until, now), false, now);
    }
    return complete(key, boxed.space.acquire(key, permits), false, now);
  }

  @Override
  public boolean tryAcquire(String key, C context, long permits) {
    if (!plain) {
      return acquire(key, context, permits).allowed();
    }
    String k = KeyNormalizer.canonical(key);
    int row = row(context);
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return true;
    }
    int index = index(row);
    if (box == null) {
      return table[index].space.tryAcquire(k, permits);
    }
    long now = ticker.read();
    if (box.boxedUntil(k, now) != PenaltyBox.NOT_BOXED) {
      Step boxed = table[index + 1];
      return !boxed.block && boxed.space.tryAcquire(k, permits);
    }
    boolean admitted = table[index].space.tryAcquire(k, permits);
    if (!admitted) {
      box.reject(k, now);
    }
    return admitted;
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, C context, long permits) {
    String k = KeyNormalizer.canonical(key);
    int row = row(context);
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return CompletableFuture.completedFuture(complete(k, unlimited, false, 0));
    }
    int index = index(row);
    long now = 0;
    boolean count = false;
    if (box != null) {
      now = ticker.read();
      long until = box.boxedUntil(k, now);
      if (until == PenaltyBox.NOT_BOXED) {
        count = true;
      } else if (table[index + 1].block) {
        return CompletableFuture.completedFuture(complete(k, blocked(table[index + 1], until, now), false, now));
      } else {
        index++;
      }
    }
    long at = now;
    boolean countRejection = count;
    return table[index].space.acquireAsync(k, permits).thenApply(d -> complete(k, d, countRejection, at));
  }

  private static Decision blocked(Step step, long until, long now) {
    long wait = until - now;
    return Decision.rejected(step.policy, 0, 0, wait, wait, wait);
  }

  /** Counts a store's rejection in the penalty box, applies shadow mode and reports to the listener. */
  private Decision complete(String key, Decision decision, boolean countRejection, long now) {
    if (countRejection && decision.rejected()) {
      box.reject(key, now);
    }
    return DefaultRateLimiter.complete(base, listener, key, decision);
  }

  // ---- RateLimiter ----------------------------------------------------------------------------------------------

  @Override
  public LimitPolicy policy() {
    return base;
  }

  @Override
  public boolean tryAcquire(String key, long permits) {
    return tryAcquire(key, null, permits);
  }

  @Override
  public Decision acquire(String key, long permits) {
    return acquire(key, null, permits);
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits) {
    return acquireAsync(key, null, permits);
  }

  @Override
  public BoundLimiter forKey(String key) {
    String k = KeyNormalizer.canonical(key);
    return new BoundLimiter() {
      @Override
      public String key() {
        return k;
      }

      @Override
      public LimitPolicy policy() {
        return base;
      }

      @Override
      public boolean tryAcquire(long permits) {
        return DefaultSteppedRateLimiter.this.tryAcquire(k, null, permits);
      }

      @Override
      public Decision acquire(long permits) {
        return decide(k, fallbackRow, permits);
      }
    };
  }

  // ---- SteppedRateLimiter ---------------------------------------------------------------------------------------

  @Override
  public Optional<LimitPolicy> currentPolicy(String tier) {
    int row = fallbackRow;
    if (tier != null) {
      Integer r = tierRows.get(tier.toLowerCase(Locale.ROOT));
      row = r == null ? fallbackRow : r;
    }
    return unlimitedRow[row] ? Optional.empty() : Optional.of(table[index(row)].policy);
  }

  @Override
  public Optional<StepController> controller() {
    return Optional.ofNullable(controller);
  }

  @Override
  public Optional<StepSchedule> schedule() {
    return Optional.ofNullable(schedule);
  }

  @Override
  public Optional<Tiers> tiers() {
    return Optional.ofNullable(tiers);
  }

  @Override
  public Optional<PenaltyBox> penaltyBox() {
    return Optional.ofNullable(box);
  }

  @Override
  public String toString() {
    return "SteppedRateLimiter{" + base + (tiers == null ? "" : ", tiers " + tiers)
        + (schedule == null ? "" : ", schedule " + schedule)
        + (controller == null ? "" : ", controller " + controller.name())
        + (box == null ? "" : ", penalty " + box.rule()) + "}";
  }
}
