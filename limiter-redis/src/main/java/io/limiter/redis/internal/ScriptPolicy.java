package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A policy prepared for its script, once: the limits in canonical order, the state tag, and the argument vector for
 * the policy's own cost (the common request), so that a decision only copies it and fills in the time. Also turns a
 * script reply into the {@link Decision}, choosing the deciding limit exactly like the in-memory stores: for a
 * rejection the limit with the longest wait, for an admission the one with the fewest permits left (first in the
 * policy's own order on ties).
 *
 * <p>State identity: a client's state belongs to the policy's name (in the key) and its <em>shape</em> (in the tag):
 * the algorithm and the periods of its limits, sorted (a spec names each period once). The script receives
 * the limits in that canonical order, so re-ordering the limits of a spec keeps the state, and so does any change of
 * counts, bursts, cost, shadow or failure mode (the scripts clamp the stored state to the new limits). A policy of
 * another shape under the same name finds a foreign tag and starts from empty state. Immutable and thread-safe.
 */
final class ScriptPolicy {

  /** ARGV[1] time, ARGV[2] tag and ':', ARGV[3] least TTL; limits follow. */
  private static final int HEADER = 3;

  /** Orders limits canonically: by period (unique within a spec), then capacity, should that ever change. */
  private static final Comparator<Limit> CANONICAL = Comparator.comparingLong(Limit::periodNanos)
      .thenComparingLong(Limit::burst).thenComparingLong(Limit::permits);

  final LimitPolicy policy;
  final LimitScript script;
  /** The limits in canonical order: the order of the script's arguments and reply words. */
  private final Limit[] limits;
  /** The limits, by canonical position, of the policy whose state this one decides on (its own, unless a view). */
  private final Limit[] layoutLimits;
  /** For each limit of the policy (in its own order), its position in {@link #limits}. */
  private final int[] position;
  private final String tag;
  /**
   * The tag as the scripts take it, followed by the ':' that ends it in a stored value: sent ready, so that a script
   * does not build the string for every request (in a vector, once per request).
   */
  private final String tagArg;
  private final String minTtl;
  private final String[] costArgs;
  /** The largest {@link LimitScript#spanMicros} of the limits. */
  final long spanMicros;

  /**
   * @param layout null to lay the limits out in canonical order under the policy's own shape tag; else a policy whose
   *     state this one decides on as a view, positionally (token-bucket levels may change periods): its tag and the
   *     canonical position of each of its limits are used for the limit at the same index here
   */
  private ScriptPolicy(LimitPolicy policy, String minTtl, @Nullable ScriptPolicy layout) {
    this(policy, minTtl, layout, null);
  }

  /**
   * @param owner null if this policy decides on its own state; else the policy it is a view of, whose limits at the
   *     same canonical positions lay out the state (a moving window's log size)
   */
  private ScriptPolicy(LimitPolicy policy, String minTtl, @Nullable ScriptPolicy layout,
      @Nullable ScriptPolicy owner) {
    this.policy = policy;
    List<Limit> own = policy.limits();
    this.limits = new Limit[own.size()];
    if (layout != null) {
      this.position = layout.position.clone();
      for (int i = 0; i < position.length; i++) {
        limits[position[i]] = own.get(i);
      }
    } else {
      Integer[] order = new Integer[own.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> CANONICAL.compare(own.get(a), own.get(b))); // stable
      this.position = new int[order.length];
      for (int c = 0; c < order.length; c++) {
        limits[c] = own.get(order[c]);
        position[order[c]] = c;
      }
    }
    this.script = LimitScript.of(policy.algorithm(), own);
    this.tag = layout != null ? layout.tag : shapeTag(script, limits);
    this.tagArg = tag + ":";
    ScriptPolicy states = owner != null ? owner : layout;
    this.layoutLimits = states != null ? states.layoutLimits : limits;
    this.minTtl = minTtl;
    this.costArgs = buildArgs(policy.cost());
    long span = 0;
    for (Limit limit : limits) {
      span = Math.max(span, script.spanMicros(limit));
    }
    this.spanMicros = span;
  }

  /**
   * Prepares a policy.
   *
   * @param policy the policy
   * @param minTtlMillis the least expiry of a key
   * @return the prepared policy
   * @throws IllegalArgumentException naming every limit the script cannot decide exactly
   */
  static ScriptPolicy of(LimitPolicy policy, long minTtlMillis) {
    checkSupported(policy);
    return new ScriptPolicy(policy, Long.toString(minTtlMillis), null);
  }

  /**
   * Prepares a policy that decides on this one's state (a step level or tier): of the same shape, laid out by its own
   * canonical order; else, where {@link LimitPolicy#canShareStateWith} allows it (token buckets whose periods
   * changed), on this policy's layout and tag, limit by limit in the policies' own order.
   *
   * @param effective the policy to decide with
   * @return the prepared policy
   * @throws IllegalArgumentException if it cannot share this policy's state, or a limit is beyond the scripts
   */
  ScriptPolicy view(LimitPolicy effective) {
    checkSupported(effective);
    ScriptPolicy own = new ScriptPolicy(effective, minTtl, null, this);
    if (effective.name().equals(policy.name()) && own.tag.equals(tag)) {
      return own;
    }
    if (policy.canShareStateWith(effective)) {
      return new ScriptPolicy(effective, minTtl, this);
    }
    throw new IllegalArgumentException("policy " + effective + " cannot decide on the state of " + policy
        + ": name, algorithm and the periods of the limits must match");
  }

  private static void checkSupported(LimitPolicy policy) {
    List<String> problems = new ArrayList<>();
    LimitScript script = LimitScript.of(policy.algorithm(), policy.limits());
    for (Limit limit : policy.limits()) {
      String problem = script.unsupported(limit);
      if (problem != null) {
        problems.add(problem);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("policy " + policy.name() + " cannot be decided on Redis: "
          + String.join("; ", problems));
    }
  }

  /**
   * The state tag of a shape: the script's letter and each period in nanoseconds (base 36), canonical order, a
   * period followed by {@code !} if its limit warms up (whether it does is part of the shape: it keeps more state).
   * Two policies share state exactly when their tags (and names) are equal.
   */
  static String shapeTag(LimitScript script, Limit[] canonical) {
    StringBuilder tag = new StringBuilder(2 + 8 * canonical.length).append(script.letter());
    for (int i = 0; i < canonical.length; i++) {
      if (i > 0) {
        tag.append('.');
      }
      tag.append(Long.toString(canonical[i].periodNanos(), 36));
      if (canonical[i].hasWarmup()) {
        tag.append('!');
      }
    }
    return tag.toString();
  }

  /** @return the state tag: the policy's shape */
  String tag() {
    return tag;
  }

  private String[] buildArgs(long permits) {
    String[] args = new String[HEADER + limits.length * script.argsPerLimit()];
    args[0] = "";
    args[1] = tagArg;
    args[2] = minTtl;
    for (int i = 0; i < limits.length; i++) {
      script.limitArgs(limits[i], layoutLimits[i], permits, args, HEADER + i * script.argsPerLimit());
    }
    return args;
  }

  /**
   * Returns the script arguments.
   *
   * @param permits the cost of the request
   * @param nowMicros the test clock in microseconds, or null to use the server's clock
   * @return the argument vector; for the policy's own cost on the server's clock the one shared array (no copy per
   *     decision, and coalesced requests of the policy are seen to share it at a glance): never modify it
   */
  String[] args(long permits, @Nullable String nowMicros) {
    if (permits == policy.cost() && nowMicros == null) {
      return costArgs;
    }
    String[] args = permits == policy.cost() ? costArgs.clone() : buildArgs(permits);
    if (nowMicros != null) {
      args[0] = nowMicros;
    }
    return args;
  }

  /**
   * Builds the decision from a script reply.
   *
   * @param reply {now, admitted, words…}
   * @param permits the cost of the request
   * @param offsetNanos how far the caller's clock is past the microsecond the script decided at (test clock only;
   *     0 with the server's clock); subtracted from every duration so that they count from the caller's reading
   * @return the decision
   */
  Decision decision(List<?> reply, long permits, long offsetNanos) {
    int wordsPerLimit = script.wordsPerLimit();
    if (reply == null || reply.size() != 2 + limits.length * wordsPerLimit) {
      throw new IllegalStateException("unexpected reply of the " + policy.algorithm() + " script for policy "
          + policy.name() + ": " + reply);
    }
    boolean allowed = ((Number) reply.get(1)).longValue() == 1;
    long[] words = new long[limits.length * wordsPerLimit];
    for (int i = 0; i < words.length; i++) {
      words[i] = ((Number) reply.get(2 + i)).longValue();
    }
    if (limits.length == 1) {
      long remaining = script.remaining(limits[0], words, 0);
      long reset = shift(script.resetNanos(limits[0], words, 0), offsetNanos);
      long refill = shift(script.refillNanos(limits[0], words, 0), offsetNanos);
      return allowed ? Decision.allowed(policy, 0, remaining, reset, refill)
          : Decision.rejected(policy, 0, remaining, retry(script.waitNanos(limits[0], permits, words, 0),
              offsetNanos), reset, refill);
    }
    long[] remaining = new long[limits.length];
    long[] reset = new long[limits.length];
    long[] refill = new long[limits.length];
    long maxWait = 0;
    int deciding = 0;
    int fewest = 0;
    for (int i = 0; i < limits.length; i++) { // the policy's own order; c is the canonical position
      int c = position[i];
      int o = c * wordsPerLimit;
      remaining[i] = script.remaining(limits[c], words, o);
      reset[i] = shift(script.resetNanos(limits[c], words, o), offsetNanos);
      refill[i] = shift(script.refillNanos(limits[c], words, o), offsetNanos);
      if (remaining[i] < remaining[fewest]) {
        fewest = i;
      }
      if (!allowed) {
        long wait = script.waitNanos(limits[c], permits, words, o);
        if (wait > maxWait) {
          maxWait = wait;
          deciding = i;
        }
      }
    }
    return Decision.of(policy, allowed, allowed ? fewest : deciding, retry(maxWait, offsetNanos), remaining, reset,
        refill);
  }

  private static long shift(long nanos, long offsetNanos) {
    return Math.max(0, nanos - offsetNanos);
  }

  /** A rejection's wait: at least the next microsecond (the script rejected at this one). */
  private static long retry(long waitNanos, long offsetNanos) {
    if (waitNanos == Decision.NEVER) {
      return Decision.NEVER;
    }
    return Math.max(1000, waitNanos) - offsetNanos;
  }

  /**
   * Returns the arguments of the settle script for a reservation of this policy.
   *
   * @param delta the actual cost minus the reserved one; not 0
   * @param chargedAtMicros the server time of the reservation's charge (the first word of its reply)
   * @param nowMicros the test clock in microseconds, or null to use the server's clock
   * @return a fresh argument vector
   */
  String[] settleArgs(long delta, long chargedAtMicros, @Nullable String nowMicros) {
    String[] args = new String[HEADER + 3 + limits.length * script.argsPerLimit()];
    args[0] = nowMicros != null ? nowMicros : "";
    args[1] = tagArg;
    args[2] = minTtl;
    args[3] = String.valueOf(script.letter());
    args[4] = Long.toString(chargedAtMicros);
    args[5] = delta > 0 ? "1" : "-1";
    long n = delta == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(delta);
    for (int i = 0; i < limits.length; i++) {
      // more than a limit's capacity changes nothing (never fuller than full, never emptier than empty)
      long capacity = policy.algorithm() == io.limiter.core.Algorithm.TOKEN_BUCKET ? limits[i].burst()
          : limits[i].permits();
      script.limitArgs(limits[i], layoutLimits[i], Math.min(n, capacity), args,
          HEADER + 3 + i * script.argsPerLimit());
    }
    return args;
  }

  /** The number of limits (each has two state words in a token bucket's state, four if the policy warms up). */
  int limitCount() {
    return limits.length;
  }

  /** @return whether the policy warms up: its state has four words a limit (pacing too) */
  boolean warms() {
    return script == WarmBucketScript.INSTANCE;
  }

  /**
   * The arguments of {@code pace.lua}: a token bucket's decision arguments and the maximum wait.
   *
   * @param maxWaitMicros the longest wait in whole microseconds
   */
  String[] paceArgs(long permits, @Nullable String nowMicros, long maxWaitMicros) {
    String[] decide = args(permits, nowMicros);
    String[] args = Arrays.copyOf(decide, decide.length + 1);
    args[decide.length] = Long.toString(maxWaitMicros);
    return args;
  }

  /** The arguments of {@code unpace.lua}: the state words a reservation wrote and those it replaced (or none). */
  String[] unpaceArgs(@Nullable String nowMicros, long[] written, long @Nullable [] previous) {
    String[] args = new String[HEADER + 2 + 2 * written.length];
    args[0] = nowMicros != null ? nowMicros : "";
    args[1] = tagArg;
    args[2] = minTtl;
    args[3] = Integer.toString(written.length);
    for (int i = 0; i < written.length; i++) {
      args[HEADER + 1 + i] = Long.toString(written[i]);
      args[HEADER + 2 + written.length + i] = previous != null ? Long.toString(previous[i]) : "0";
    }
    args[HEADER + 1 + written.length] = previous != null ? "1" : "0";
    return args;
  }

  @Override
  public String toString() {
    return "ScriptPolicy{" + policy + "}";
  }
}
