package io.limiter.core.step;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.internal.step.DefaultSteppedRateLimiter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The step-function throttling settings of one policy, whichever front-end they come from (servlet init-params,
 * Spring Boot properties, {@code @RateLimit} attributes, code): {@code tiers}, {@code tier-key}, {@code schedule},
 * {@code adaptive} (the name of a {@link StepController}) and {@code penalty}. {@link #build} is the one place that
 * checks their combination (tiers need a tier key, a tier key needs tiers, the controller must exist) and builds the
 * {@link SteppedRateLimiter}; every front-end reports the same problems in the same words, each naming the setting it
 * came from through {@link #label(String)}. Immutable and thread-safe.
 */
public final class StepParts {

  /** The names of the parts, in the vocabulary every front-end shares. */
  public static final List<String> NAMES = List.of("tiers", "tier-key", "schedule", "adaptive", "penalty");

  private static final StepParts NONE = new StepParts(null, null, null, null, null, false, n -> n);

  /** Tiers were written but did not parse: the combination is still checked as if they were there. */
  private boolean tiersWritten;
  /** A part did not parse (its problem is reported): {@link #build} reports the combination but builds nothing. */
  private boolean broken;

  private final @Nullable Tiers tiers;
  private final @Nullable String tierKey;
  private final @Nullable StepSchedule schedule;
  private final @Nullable String adaptive;
  private final @Nullable PenaltyRule penalty;
  private final boolean penalizeSharedKeys;
  private final UnaryOperator<String> label;

  private StepParts(@Nullable Tiers tiers, @Nullable String tierKey, @Nullable StepSchedule schedule,
      @Nullable String adaptive, @Nullable PenaltyRule penalty, boolean penalizeSharedKeys,
      UnaryOperator<String> label) {
    this.tiers = tiers;
    this.tierKey = blankToNull(tierKey);
    this.schedule = schedule;
    this.adaptive = blankToNull(adaptive);
    this.penalty = penalty;
    this.penalizeSharedKeys = penalizeSharedKeys;
    this.label = Objects.requireNonNull(label, "label");
  }

  /** @return no parts: the policy's limits apply as they are */
  public static StepParts none() {
    return NONE;
  }

  /**
   * Parts already parsed (built in code, or parsed by a front-end that reported its own parse problems).
   *
   * @param tiers the tiers, or null
   * @param tierKey where a call's tier comes from as written (the front-end resolves it), or null
   * @param schedule the schedule, or null
   * @param adaptive the name of a step controller, or null
   * @param penalty the penalty rule, or null
   * @param penalizeSharedKeys whether the penalty box may box keys many clients share
   * @param label names a part for messages: {@code tier-key} to {@code init-param rule.api.tier-key}
   * @return the parts
   */
  public static StepParts of(@Nullable Tiers tiers, @Nullable String tierKey, @Nullable StepSchedule schedule,
      @Nullable String adaptive, @Nullable PenaltyRule penalty, boolean penalizeSharedKeys,
      UnaryOperator<String> label) {
    return new StepParts(tiers, tierKey, schedule, adaptive, penalty, penalizeSharedKeys, label);
  }

  /**
   * Parses the parts as written; blank means not set. Every parse problem is added to {@code problems}, naming its
   * part through {@code label} and the position in the value.
   *
   * @param tiers the tier spec, or null
   * @param tierKey the tier key, or null (checked by the front-end that resolves it)
   * @param schedule the schedule spec, or null
   * @param adaptive the controller name, or null
   * @param penalty the penalty spec, or null
   * @param label names a part for messages: {@code tier-key} to {@code property limiter.policies.api.tier-key}
   * @param problems receives what is wrong
   * @return the parts that parsed
   */
  public static StepParts parse(@Nullable String tiers, @Nullable String tierKey, @Nullable String schedule,
      @Nullable String adaptive, @Nullable String penalty, UnaryOperator<String> label, List<String> problems) {
    Tiers t = null;
    StepSchedule s = null;
    PenaltyRule p = null;
    try {
      t = tiers == null || tiers.isBlank() ? null : Tiers.parse(tiers, label.apply("tiers"));
    } catch (RateLimitConfigException e) {
      problems.addAll(e.problems());
    }
    try {
      s = schedule == null || schedule.isBlank() ? null : StepSchedule.parse(schedule, label.apply("schedule"));
    } catch (RateLimitConfigException e) {
      problems.addAll(e.problems());
    }
    try {
      p = penalty == null || penalty.isBlank() ? null : PenaltyRule.parse(penalty, label.apply("penalty"));
    } catch (RateLimitConfigException e) {
      problems.addAll(e.problems());
    }
    StepParts parts = new StepParts(t, tierKey, s, adaptive, p, false, label);
    parts.tiersWritten = blankToNull(tiers) != null;
    parts.broken = t == null && blankToNull(tiers) != null || s == null && blankToNull(schedule) != null
        || p == null && blankToNull(penalty) != null;
    return parts;
  }

  /**
   * @param label names a part for messages, as in {@link #of}
   * @return the same parts, named by {@code label}
   */
  public StepParts withLabel(UnaryOperator<String> label) {
    StepParts parts = new StepParts(tiers, tierKey, schedule, adaptive, penalty, penalizeSharedKeys, label);
    parts.tiersWritten = tiersWritten;
    parts.broken = broken;
    return parts;
  }

  /** @return the tiers, or null */
  public @Nullable Tiers tiers() {
    return tiers;
  }

  /** @return the tier key as written, or null */
  public @Nullable String tierKey() {
    return tierKey;
  }

  /** @return the schedule, or null */
  public @Nullable StepSchedule schedule() {
    return schedule;
  }

  /** @return the name of the step controller, or null */
  public @Nullable String adaptive() {
    return adaptive;
  }

  /** @return the penalty rule, or null */
  public @Nullable PenaltyRule penalty() {
    return penalty;
  }

  /** @return whether the penalty box may box keys many clients share (the missing-key bucket, global) */
  public boolean penalizeSharedKeys() {
    return penalizeSharedKeys;
  }

  /**
   * @param part one of {@link #NAMES}
   * @return where that part is (or would be) set, for messages, e.g. {@code init-param rule.api.tier-key}
   */
  public String label(String part) {
    return label.apply(part);
  }

  /** @return whether no part is set */
  public boolean isEmpty() {
    return tiers == null && !tiersWritten && tierKey == null && schedule == null && adaptive == null
        && penalty == null && !broken;
  }

  /** @return the names of the parts that are set, in the order of {@link #NAMES} */
  public Set<String> names() {
    Set<String> set = new LinkedHashSet<>();
    Object[] values = {tiers, tierKey, schedule, adaptive, penalty};
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        set.add(NAMES.get(i));
      }
    }
    return set;
  }

  /**
   * Checks the combination of the parts with the policy and the known controllers, and builds the limiter. Its
   * request context is the tier <em>name</em> (the tier resolver is the identity): each caller finds the tier its
   * own way and passes the name, so that one limiter can serve a filter and an aspect.
   *
   * <p>The limiter follows the registry's changes of the policy ({@link RateLimiterRegistry#replace}): its tiers,
   * schedule, levels and penalty apply to the new limits from the next call on, each client's state kept or reset by
   * the state-identity rule; a change the steps cannot apply to (tier, schedule or penalty limits that no longer fit
   * the policy's) is refused by the registry with the reason, and nothing changes.
   *
   * @param policy the policy the parts step
   * @param registry the store and decision listener of the limiter
   * @param controllers the step controllers {@code adaptive} may name
   * @param penaltyListeners told about clients entering and leaving the penalty box
   * @param where the element that uses the parts, for problems of the combination, e.g. {@code rule.api.*}
   * @param problems receives every problem, each naming its setting
   * @return the limiter, or null if there were problems
   */
  public @Nullable SteppedRateLimiter<String> build(LimitPolicy policy, RateLimiterRegistry registry,
      StepControllerRegistry controllers, List<PenaltyListener> penaltyListeners, String where,
      List<String> problems) {
    int before = problems.size();
    SteppedRateLimiter.Builder<String> b = SteppedRateLimiter.<String>builder(policy, registry.store())
        .listener(registry.listener());
    boolean hasTiers = tiers != null || tiersWritten;
    if (hasTiers && tierKey == null) {
      problems.add(where + ": tiers need a tier key (" + label("tier-key") + ", e.g. attribute:plan) to find a "
          + "call's tier");
    } else if (!hasTiers && tierKey != null) {
      problems.add(label("tier-key") + ": tier key \"" + tierKey + "\" needs tiers (" + label("tiers") + ")");
    } else if (tiers != null) {
      b.tiers(tiers).tierResolver(tier -> tier);
    }
    if (schedule != null) {
      b.schedule(schedule);
    }
    StepController controller = controller(controllers, problems);
    if (controller != null) {
      b.controller(controller);
    }
    if (penalty != null) {
      b.penalty(penalty).penalizeSharedKeys(penalizeSharedKeys);
      penaltyListeners.forEach(b::penaltyListener);
    }
    if (problems.size() > before || broken) {
      return null;
    }
    try {
      SteppedRateLimiter<String> limiter = b.build();
      if (limiter instanceof DefaultSteppedRateLimiter<String> stepped) {
        // the steps follow the registry's changes of the policy (levels and tiers apply to the new limits), or
        // refuse a change they cannot follow: the registry then changes nothing
        registry.addFollower(policy.name(), (change, refused) -> stepped.prepare(change.current(), refused));
      }
      return limiter;
    } catch (RateLimitConfigException e) {
      for (String p : e.problems()) {
        String line = where + ": " + p;
        if (!problems.contains(line)) {
          problems.add(line);
        }
      }
      return null;
    }
  }

  /**
   * Checks what the parts refer to by name, also when something else is wrong and {@link #build} is not reached, so
   * that every problem is listed at once.
   *
   * @param controllers the step controllers {@code adaptive} may name
   * @param problems receives an unknown controller, with the known ones
   * @return the controller named by {@code adaptive}, or null (none named, or unknown)
   */
  public @Nullable StepController controller(StepControllerRegistry controllers, List<String> problems) {
    if (adaptive == null) {
      return null;
    }
    StepController controller = controllers.find(adaptive).orElse(null);
    if (controller == null) {
      problems.add(label("adaptive") + ": unknown step controller \"" + adaptive + "\"; known controllers: "
          + (controllers.names().isEmpty() ? "none" : controllers.names()));
    }
    return controller;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("StepParts{");
    Object[] values = {tiers, tierKey, schedule, adaptive, penalty};
    String sep = "";
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        sb.append(sep).append(NAMES.get(i)).append(' ').append(values[i]);
        sep = ", ";
      }
    }
    return sb.append('}').toString();
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
