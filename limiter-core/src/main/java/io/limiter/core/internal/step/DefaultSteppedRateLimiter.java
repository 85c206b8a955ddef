package io.limiter.core.internal.step;

import io.limiter.core.Algorithm;
import io.limiter.core.BoundLimiter;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The stepped limiter. Every effective policy (tier row × schedule step × level × penalty) is composed, validated
 * and bound to a store view once, in the constructor, into one flat table; a call computes the table index from a
 * few volatile reads and decides on that view. Equal effective policies share one view.
 *
 * <p>Why concurrent level and schedule changes are safe: a call reads the level and step once and decides entirely
 * under that step's limits; the store decides and charges atomically per key. A decision racing a change is simply a
 * decision under the previous step, and every step's decision honours its own limits on the shared state, so no
 * interleaving admits more than the highest step allows.
 *
 * <p>Following a registry change ({@link #prepare}): the table is composed again for the new base policy, off the call
 * path, and swapped in with one volatile write; a call reads the table once and decides wholly under the old or the
 * new one. Schedule, controller, tiers and the penalty box (with the clients in it) are kept: levels and tiers apply to
 * the new base. Each client's state follows the state-identity rule, since every view is a view of the new base's key
 * space: the same shape carries it over, another shape starts from empty.
 */
public final class DefaultSteppedRateLimiter<C> implements SteppedRateLimiter<C> {

  /** The store of the table's key spaces: where claims of this limiter are decided together. */
  private final RateLimitStore store;
  private final @Nullable RateLimitListener listener;
  private final Ticker ticker;

  private final @Nullable StepSchedule schedule;
  private final Clock clock;
  private final int steps;
  private volatile @Nullable Window window;

  private final @Nullable StepController controller;
  private final int levels;

  private final @Nullable Tiers tiers;
  private final @Nullable TierResolver<C> resolver;
  private final Map<String, Integer> tierRows = new HashMap<>();
  private final String[] tierNames;
  private final boolean[] unlimitedRow;

  private final @Nullable PenaltyRule penalty;
  private final @Nullable PenaltyBox box;
  private final int penaltySlots;
  private final boolean penalizeShared;
  private final int countingLevel;

  /** Everything that depends on the base policy; replaced whole when the base changes. */
  private volatile Table current;

  /** One effective step: the limits, and the store view that decides with them, or a block. */
  private static final class Step {
    final LimitPolicy policy;
    /** The view that decides with the limits; null for a block, which the store never sees. */
    private final @Nullable KeySpace space;
    final boolean block;

    Step(LimitPolicy policy, @Nullable KeySpace space, boolean block) {
      this.policy = policy;
      this.space = space;
      this.block = block;
    }

    /** The store view of a step that is not a block (callers check {@link #block} first). */
    KeySpace space() {
      return Objects.requireNonNull(space, "a block step has no store view");
    }
  }

  /**
   * The base policy and every effective step composed from it: what a registry change replaces, in one write.
   *
   * @param base the base policy
   * @param plain whether {@code tryAcquire} may skip building decisions (no listener, not shadow)
   * @param fallbackRow the tier row of requests without a known tier
   * @param unlimited the decision of an unlimited tier
   * @param table the effective steps, by {@link #index}
   * @param warnings what the composition warned about
   */
  private record Table(LimitPolicy base, boolean plain, int fallbackRow, Decision unlimited, Step[] table,
      List<String> warnings) {
  }

  /** The schedule step, valid for wall-clock millis in [from, until). */
  private record Window(int step, long from, long until) {
  }

  public DefaultSteppedRateLimiter(LimitPolicy base, RateLimitStore store, @Nullable StepSchedule schedule,
      @Nullable StepController controller, @Nullable Tiers tiers, @Nullable TierResolver<C> resolver,
      @Nullable PenaltyRule penalty, List<PenaltyListener> penaltyListeners, long penaltyMaxKeys,
      long penaltyMaxBytes, boolean penalizeShared, @Nullable RateLimitListener listener, Clock clock, Ticker ticker,
      List<String> problems) {
    this.store = store;
    this.listener = listener;
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
    // without tiers there is one row (the policy's own limits); with tiers, requests without a known tier get the
    // declared default, else the lowest tier: an unknown or forged tier name never earns more than the least plan
    int rows = tierList.isEmpty() ? 1 : tierList.size();
    this.unlimitedRow = new boolean[rows];
    for (int t = 0; t < tierList.size(); t++) {
      unlimitedRow[t] = tierList.get(t).limits().kind() == StepLimits.Kind.UNLIMITED;
    }
    this.penalizeShared = penalizeShared;
    // rejections count towards the penalty box only at the controller's ceiling: below it the level, not the client,
    // is why a well-behaved client is rejected
    this.countingLevel = controller == null ? 0 : controller.ceiling();
    if (penalty != null) {
      this.box = new PenaltyBox(base.name(), penalty, ticker, penaltyMaxKeys, penaltyMaxBytes);
      penaltyListeners.forEach(box::addListener);
    } else {
      this.box = null;
    }
    this.penalty = penalty;
    this.penaltySlots = penalty == null ? 1 : 2;
    Table table = compose(base, problems);
    this.current = table != null ? table : new Table(base, false, 0, Decision.unlimited(base),
        new Step[rows * steps * levels * penaltySlots], List.of());
    log(this.current.warnings());
  }

  /**
   * Composes the steps for a new base policy of the same name, e.g. after the registry replaced it, without changing
   * anything yet.
   *
   * @param next the new base policy
   * @param problems receives why the steps cannot apply to it (tier or schedule limits that do not fit its limits),
   *     each naming the policy and the part
   * @return what swaps the new steps in (one volatile write), or null if there were problems or nothing changes
   */
  public @Nullable Runnable prepare(LimitPolicy next, List<String> problems) {
    Table now = current;
    if (next.equals(now.base())) {
      return null;
    }
    if (!next.name().equals(now.base().name())) {
      problems.add("policy " + now.base().name() + ": a stepped limiter cannot follow a policy of another name ("
          + next.name() + ")");
      return null;
    }
    Table table = compose(next, problems);
    if (table == null) {
      return null;
    }
    return () -> {
      current = table;
      log(table.warnings());
    };
  }

  private static void log(List<String> warnings) {
    for (String w : warnings) {
      System.getLogger(SteppedRateLimiter.class.getName()).log(System.Logger.Level.WARNING, w);
    }
  }

  /** Validates each part that replaces limits once against the base, then composes every combination. */
  private @Nullable Table compose(LimitPolicy base, List<String> problems) {
    int before = problems.size();
    List<Tiers.Tier> tierList = tiers == null ? List.of() : tiers.tiers();
    int rows = unlimitedRow.length;
    Step[] table = new Step[rows * steps * levels * penaltySlots];
    List<String> warnings = new ArrayList<>();
    String prefix = "policy " + base.name() + ": ";
    boolean[] badTier = new boolean[rows];
    for (int t = 0; t < tierList.size(); t++) {
      badTier[t] = !fits(base, tierList.get(t).limits(), "tier " + tierNames[t], prefix, problems);
    }
    boolean[] badStep = new boolean[steps];
    for (int s = 0; schedule != null && s < steps; s++) {
      badStep[s] = !fits(base, scheduled(s), scheduleName(s), prefix, problems);
    }
    StepLimits penaltyAction = penalty == null ? null : penalty.action(); // slot p == 1 (boxed) exists only with it
    boolean badPenalty = penaltyAction != null && !fits(base, penaltyAction, "the penalty", prefix, problems);
    String defaultTier = tiers == null ? null : tiers.defaultTier().orElse(null);
    // Tiers checks that its default tier is one of its tiers
    int fallback = tierList.isEmpty() ? 0 : defaultTier != null
        ? Objects.requireNonNull(tierRows.get(defaultTier), "default tier row")
        : lowestTier(base, tierList, badTier, prefix, problems);
    String conflict = conflict(tierList, prefix);
    if (conflict != null) {
      problems.add(conflict);
      return null;
    }
    Map<LimitPolicy, KeySpace> views = new HashMap<>();
    Map<String, String> composeProblems = new LinkedHashMap<>();
    KeySpace baseSpace = store.keySpace(base);
    for (int row = 0; row < rows; row++) {
      Tiers.Tier tier = row < tierList.size() ? tierList.get(row) : null;
      if (unlimitedRow[row]) {
        continue;
      }
      for (int s = 0; s < steps; s++) {
        for (int l = 0; l < levels; l++) {
          for (int p = 0; p < penaltySlots; p++) {
            int index = ((row * steps + s) * levels + l) * penaltySlots + p;
            if (badTier[row] || badStep[s] || (p == 1 && badPenalty)) {
              continue;
            }
            if (p == 1 && penaltyAction != null && penaltyAction.kind() == StepLimits.Kind.BLOCK) {
              Step open = table[index - 1];
              table[index] = open == null ? null : new Step(open.policy, null, true);
              continue;
            }
            double level = controller == null ? 1.0 : controller.levels().get(l);
            LimitPolicy effective;
            try {
              effective = compose(base, tier, scheduled(s), level, p == 1 ? penaltyAction : null);
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
    if (composeProblems.isEmpty()) {
      collapsedLevels(tierList, rows, table, base, warnings);
    }
    if (schedule != null) {
      for (String w : schedule.warnings()) {
        warnings.add("policy " + base.name() + ": " + w);
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new Table(base, listener == null && !base.shadow(), Math.max(0, fallback), Decision.unlimited(base), table,
        List.copyOf(warnings));
  }

  /**
   * The tier whose limits are at or below every other tier's, limit by limit (as a rate); -1 and a problem when the
   * tiers are not ordered that way, so that the operator names the default.
   */
  private int lowestTier(LimitPolicy base, List<Tiers.Tier> tierList, boolean[] badTier, String prefix,
      List<String> problems) {
    for (boolean bad : badTier) {
      if (bad) {
        return -1;
      }
    }
    int lowest = -1;
    for (int t = 0; t < tierList.size(); t++) {
      boolean atOrBelowAll = true;
      for (int o = 0; o < tierList.size() && atOrBelowAll; o++) {
        atOrBelowAll = o == t || atOrBelow(base, tierList.get(t), tierList.get(o));
      }
      if (atOrBelowAll) {
        lowest = t;
        break;
      }
    }
    if (lowest < 0) {
      problems.add(prefix + "the tiers (" + tiers + ") have no lowest tier for requests whose tier is missing or "
          + "unknown (none is at or below all others on every limit); name it with default=<tier>");
    }
    return lowest;
  }

  private boolean atOrBelow(LimitPolicy base, Tiers.Tier a, Tiers.Tier b) {
    if (b.limits().kind() == StepLimits.Kind.UNLIMITED) {
      return true;
    }
    if (a.limits().kind() == StepLimits.Kind.UNLIMITED) {
      return false;
    }
    List<io.limiter.core.Limit> la = compose(base, a, null, 1.0, null).limits();
    List<io.limiter.core.Limit> lb = compose(base, b, null, 1.0, null).limits();
    for (int i = 0; i < la.size() && i < lb.size(); i++) {
      // permits per nanosecond, compared without division: pa / Ta <= pb / Tb
      double ra = (double) la.get(i).permits() * lb.get(i).periodNanos();
      double rb = (double) lb.get(i).permits() * la.get(i).periodNanos();
      if (ra > rb || la.get(i).burst() > lb.get(i).burst() && ra == rb) {
        return false;
      }
    }
    return true;
  }

  /** Warns when neighbouring levels give the same limits: rounding to whole permits leaves nothing to step. */
  private void collapsedLevels(List<Tiers.Tier> tierList, int rows, Step[] table, LimitPolicy base,
      List<String> warnings) {
    if (controller == null || levels < 2) {
      return;
    }
    java.util.Set<String> seen = new java.util.LinkedHashSet<>();
    for (int row = 0; row < rows; row++) {
      if (unlimitedRow[row]) {
        continue;
      }
      for (int s = 0; s < steps; s++) {
        List<String> same = new ArrayList<>();
        for (int l = 1; l < levels; l++) {
          Step upper = table[((row * steps + s) * levels + l - 1) * penaltySlots];
          Step lower = table[((row * steps + s) * levels + l) * penaltySlots];
          if (upper != null && lower != null && upper.policy.limits().equals(lower.policy.limits())) {
            same.add(SpecReader.percent(controller.levels().get(l - 1)) + " and "
                + SpecReader.percent(controller.levels().get(l)) + " (" + lower.policy.spec() + ")");
          }
        }
        if (!same.isEmpty()) {
          String what = (tierList.isEmpty() ? "" : row < tierList.size() ? "tier " + tierList.get(row).name() + ", "
              : "") + (schedule == null ? "" : scheduleName(s) + ", ");
          seen.add("policy " + base.name() + ": " + what + "levels " + String.join("; ", same) + " of step "
              + "controller " + controller.name() + " give the same limits (scaling rounds down to whole permits, "
              + "never below 1), so stepping between them throttles nothing; use a limit with more permits per "
              + "period (e.g. 60/minute instead of 1/second) or fewer levels");
        }
      }
    }
    warnings.addAll(seen);
  }

  private @Nullable StepLimits scheduled(int step) {
    if (schedule == null) {
      return null;
    }
    return step < schedule.rules().size() ? schedule.rules().get(step).limits()
        : schedule.otherwise().orElse(null);
  }

  private String scheduleName(int step) {
    StepSchedule s = Objects.requireNonNull(schedule, "schedule"); // steps are named only when there is a schedule
    return step < s.rules().size() ? "schedule entry \"" + s.rules().get(step).condition() + "\""
        : "the schedule's default";
  }


  /** Whether limits that replace the base's fit the state kept for it; reports why not. */
  private static boolean fits(LimitPolicy base, @Nullable StepLimits value, String what, String prefix,
      List<String> problems) {
    if (value == null || value.kind() != StepLimits.Kind.LIMITS) {
      return true;
    }
    LimitSpec spec = replacing(value);
    int n = base.limits().size();
    if (spec.limits().size() != n) {
      problems.add(prefix + what + " has " + plural(spec.limits().size(), "limit") + " (" + spec + ") but the "
          + "policy has " + n + " (" + base.spec() + "); every step must have as many limits as the policy, in the "
          + "same order, because they share the state of each client");
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (spec.limits().get(i).hasWarmup() != base.limits().get(i).hasWarmup()) {
        problems.add(prefix + what + " has limit " + spec.limits().get(i) + " where the policy has "
            + base.limits().get(i) + "; a limit that warms up keeps a second word of state per client, so every step "
            + "must warm up the same limits as the policy (\"warmup <period>\" on both or neither)");
        return false;
      }
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

  private @Nullable String conflict(List<Tiers.Tier> tierList, String prefix) {
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

  private static LimitPolicy compose(LimitPolicy base, Tiers.@Nullable Tier tier, @Nullable StepLimits scheduled,
      double level, @Nullable StepLimits penalty) {
    LimitSpec limits = base.spec();
    double factor = 1.0;
    if (tier != null) {
      if (tier.limits().kind() == StepLimits.Kind.LIMITS) {
        limits = replacing(tier.limits());
      } else {
        factor *= tier.limits().factor();
      }
    }
    if (scheduled != null) {
      if (scheduled.kind() == StepLimits.Kind.LIMITS) {
        limits = replacing(scheduled);
      } else {
        factor *= scheduled.factor();
      }
    }
    factor *= level;
    if (penalty != null) {
      if (penalty.kind() == StepLimits.Kind.LIMITS) {
        limits = replacing(penalty);
        factor = 1.0;
      } else {
        factor *= penalty.factor();
      }
    }
    LimitPolicy replaced = limits.equals(base.spec()) ? base : base.withLimits(limits);
    return replaced.scaled(factor);
  }

  /** The limits of a {@link StepLimits.Kind#LIMITS} value, which always has them ({@link StepLimits#of}). */
  private static LimitSpec replacing(StepLimits value) {
    return Objects.requireNonNull(value.limits(), "limits");
  }

  private String describe(Tiers.@Nullable Tier tier, int s, int l, int p) {
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
  // Each call reads the table once (Table t = current) and decides wholly under it.

  private int row(Table t, @Nullable C context) {
    if (resolver == null || context == null) {
      return t.fallbackRow();
    }
    return rowOf(t, resolver.resolve(context));
  }

  /**
   * The row of a tier name: exact, or with ASCII letters folded to lower case. Nothing else folds: Unicode case
   * mapping would let look-alikes ({@code ınternal}, {@code İnternal}, the Kelvin sign for {@code k}) select a tier.
   */
  private int rowOf(Table t, @Nullable String name) {
    if (name == null) {
      return t.fallbackRow();
    }
    Integer row = tierRows.get(name);
    if (row == null) {
      String folded = SpecReader.asciiLowerCase(name);
      row = folded == null ? null : tierRows.get(folded);
    }
    return row == null ? t.fallbackRow() : row;
  }

  private int level() {
    return controller == null ? 0 : controller.level();
  }

  private int index(int row, int level) {
    return ((row * steps + scheduleStep()) * levels + level) * penaltySlots;
  }

  /** Whether a rejection at this level counts towards the penalty box. */
  private boolean counts(int level, boolean shared) {
    return level <= countingLevel && (penalizeShared || !shared);
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
  public Decision acquire(String key, @Nullable C context, long permits) {
    Table t = current;
    return decide(t, KeyNormalizer.canonical(key), row(t, context), permits, false);
  }

  @Override
  public Decision acquireShared(String key, @Nullable C context, long permits) {
    Table t = current;
    return decide(t, KeyNormalizer.canonical(key), row(t, context), permits, true);
  }

  @Override
  public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, @Nullable C context, long permits) {
    // the bucket's key is a reserved stored key already: it must not be canonicalised (that would escape it)
    Table t = current;
    return decide(t, bucket.key(), row(t, context), permits, true);
  }

  @Override
  public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return acquireShared(bucket, null, permits);
  }

  private Decision decide(Table t, String key, int row, long permits, boolean shared) {
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return complete(t, key, t.unlimited(), false, 0);
    }
    int level = level();
    int index = index(row, level);
    if (box == null) {
      return complete(t, key, t.table()[index].space().acquire(key, permits), false, 0);
    }
    long now = ticker.read();
    long until = box.boxedUntil(key, now);
    if (until == PenaltyBox.NOT_BOXED) {
      return complete(t, key, t.table()[index].space().acquire(key, permits), counts(level, shared), now);
    }
    Step boxed = t.table()[index + 1];
    if (boxed.block) {
      return complete(t, key, blocked(boxed, until, now), false, now);
    }
    return complete(t, key, boxed.space().acquire(key, permits), false, now);
  }

  @Override
  public Reservation reserve(String key, @Nullable C context, long permits) {
    return reserveOne(claim(key, context, permits));
  }

  @Override
  public Reservation reserveShared(String key, @Nullable C context, long permits) {
    return reserveOne(claimShared(key, context, permits));
  }

  @Override
  public Reservation reserveShared(MissingKeyStrategy.SharedBucket bucket, @Nullable C context, long permits) {
    return reserveOne(claimShared(bucket, context, permits));
  }

  @Override
  public Reservation reserve(String key, long permits) {
    return reserve(key, null, permits);
  }

  @Override
  public Reservation reserveShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return reserveShared(bucket, null, permits);
  }

  /** {@link #decide}, as a reservation: the claim of the same tier, level and penalty box, reserved alone. */
  private static Reservation reserveOne(Claim claim) {
    return Claim.reserveAll(List.of(claim)).get(0);
  }

  @Override
  public Claim claim(String key, @Nullable C context, long permits) {
    Table t = current;
    return claim(t, KeyNormalizer.canonical(key), row(t, context), permits, false);
  }

  @Override
  public Claim claimShared(String key, @Nullable C context, long permits) {
    Table t = current;
    return claim(t, KeyNormalizer.canonical(key), row(t, context), permits, true);
  }

  @Override
  public Claim claimShared(MissingKeyStrategy.SharedBucket bucket, @Nullable C context, long permits) {
    Table t = current;
    return claim(t, bucket.key(), row(t, context), permits, true);
  }

  @Override
  public Claim claim(String key, long permits) {
    return claim(key, null, permits);
  }

  @Override
  public Claim claimShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return claimShared(bucket, null, permits);
  }

  /**
   * The claim of a reservation under the tier, level and penalty box in force now, all read from one table: a store
   * claim of the step's state, or (unlimited, blocked) a claim decided without the store.
   */
  private Claim claim(Table t, String key, int row, long permits, boolean shared) {
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return Claim.deferred(() -> Reservation.none(complete(t, key, t.unlimited(), false, 0), key));
    }
    int level = level();
    int index = index(row, level);
    long now = box == null ? 0 : ticker.read();
    long until = box == null ? PenaltyBox.NOT_BOXED : box.boxedUntil(key, now);
    boolean count = box != null && until == PenaltyBox.NOT_BOXED && counts(level, shared);
    if (until != PenaltyBox.NOT_BOXED) {
      Step boxed = t.table()[index + 1];
      if (boxed.block) {
        return Claim.deferred(() -> Reservation.none(complete(t, key, blocked(boxed, until, now), false, now), key));
      }
      index++;
    }
    Claim claim = Claim.of(store, t.table()[index].space(), key, permits).soft(t.base().shadow());
    return t.plain() && !count ? claim
        : claim.completedBy(r -> r.withDecision(complete(t, key, r.decision(), count, now)));
  }

  @Override
  public boolean tryAcquire(String key, @Nullable C context, long permits) {
    Table t = current;
    if (!t.plain()) {
      String k = KeyNormalizer.canonical(key);
      return decide(t, k, row(t, context), permits, false).allowed();
    }
    String k = KeyNormalizer.canonical(key);
    int row = row(t, context);
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return true;
    }
    int level = level();
    int index = index(row, level);
    if (box == null) {
      return t.table()[index].space().tryAcquire(k, permits);
    }
    long now = ticker.read();
    if (box.boxedUntil(k, now) != PenaltyBox.NOT_BOXED) {
      Step boxed = t.table()[index + 1];
      return !boxed.block && boxed.space().tryAcquire(k, permits);
    }
    boolean admitted = t.table()[index].space().tryAcquire(k, permits);
    if (!admitted && counts(level, false)) {
      box.reject(k, now);
    }
    return admitted;
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, @Nullable C context, long permits) {
    Table t = current;
    String k = KeyNormalizer.canonical(key);
    int row = row(t, context);
    checkPermits(permits);
    if (unlimitedRow[row]) {
      return CompletableFuture.completedFuture(complete(t, k, t.unlimited(), false, 0));
    }
    int level = level();
    int index = index(row, level);
    long now = 0;
    boolean count = false;
    if (box != null) {
      now = ticker.read();
      long until = box.boxedUntil(k, now);
      if (until == PenaltyBox.NOT_BOXED) {
        count = counts(level, false);
      } else if (t.table()[index + 1].block) {
        return CompletableFuture.completedFuture(complete(t, k, blocked(t.table()[index + 1], until, now), false,
            now));
      } else {
        index++;
      }
    }
    long at = now;
    boolean countRejection = count;
    return t.table()[index].space().acquireAsync(k, permits).thenApply(d -> complete(t, k, d, countRejection, at));
  }

  private static Decision blocked(Step step, long until, long now) {
    long wait = until - now;
    return Decision.rejected(step.policy, 0, 0, wait, wait, wait);
  }

  /** Counts a store's rejection in the penalty box, applies shadow mode and reports to the listener. */
  private Decision complete(Table t, String key, Decision decision, boolean countRejection, long now) {
    if (countRejection && decision.rejected()) {
      Objects.requireNonNull(box, "box").reject(key, now); // rejections are counted only with a penalty box
    }

    return DefaultRateLimiter.complete(t.base(), listener, key, decision);
  }

  // ---- RateLimiter ----------------------------------------------------------------------------------------------

  /** @return the base policy now in force (a registry change may have replaced the one it was built with) */
  @Override
  public LimitPolicy policy() {
    return current.base();
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
        return current.base();
      }

      @Override
      public boolean tryAcquire(long permits) {
        return DefaultSteppedRateLimiter.this.tryAcquire(k, null, permits);
      }

      @Override
      public Decision acquire(long permits) {
        Table t = current;
        return decide(t, k, t.fallbackRow(), permits, false);
      }
    };
  }

  // ---- SteppedRateLimiter ---------------------------------------------------------------------------------------

  @Override
  public Optional<LimitPolicy> currentPolicy(@Nullable String tier) {
    Table t = current;
    int row = rowOf(t, tier); // the same lookup as decisions, so operators see what requests with this name get
    return unlimitedRow[row] ? Optional.empty() : Optional.of(t.table()[index(row, level())].policy);
  }

  @Override
  public List<String> warnings() {
    return current.warnings();
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
    return "SteppedRateLimiter{" + current.base() + (tiers == null ? "" : ", tiers " + tiers)
        + (schedule == null ? "" : ", schedule " + schedule)
        + (controller == null ? "" : ", controller " + controller.name())
        + (box == null ? "" : ", penalty " + box.rule()) + "}";
  }
}
