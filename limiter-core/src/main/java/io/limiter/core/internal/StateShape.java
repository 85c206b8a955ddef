package io.limiter.core.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The identity of a policy's state in a store: its name, its algorithm and the periods of its limits in canonical
 * order (by period, then capacity), and which of them warm up (a limit that warms up keeps a second word of state, how
 * cold its bucket is; without it a limit is one {@code tat}). Nothing else about a policy is part of it: the counts, bursts, default cost,
 * shadow mode and failure mode may change and the state carries over, interpreted under the new limits (kernels
 * clamp what they read, so a client never gets more than a full bucket nor waits longer than the new limit's own worst
 * case). A policy of another shape under the same name starts from empty state. Immutable.
 */
final class StateShape {

  private final String name;
  private final Algorithm algorithm;
  private final long[] periods;
  /** Per canonical position: whether the limit warms up (a second word of state: how cold the bucket is). */
  private final boolean[] warmups;
  private final int hash;

  private StateShape(String name, Algorithm algorithm, long[] periods, boolean[] warmups) {
    this.name = name;
    this.algorithm = algorithm;
    this.periods = periods;
    this.warmups = warmups;
    this.hash = ((name.hashCode() * 31 + algorithm.hashCode()) * 31 + Arrays.hashCode(periods)) * 31
        + Arrays.hashCode(warmups);
  }

  static StateShape of(LimitPolicy policy) {
    List<Limit> limits = policy.limits();
    int[] rank = canonicalRanks(limits);
    long[] periods = new long[limits.size()];
    boolean[] warmups = new boolean[limits.size()];
    for (int i = 0; i < rank.length; i++) {
      periods[rank[i]] = limits.get(i).periodNanos();
      warmups[rank[i]] = limits.get(i).hasWarmup();
    }
    return new StateShape(policy.name(), policy.algorithm(), periods, warmups);
  }

  /** Returns, for each limit in spec order, its position in canonical order (by period, then capacity). */
  static int[] canonicalRanks(List<Limit> limits) {
    Integer[] order = new Integer[limits.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Long.compare(limits.get(a).periodNanos(), limits.get(b).periodNanos());
      return c != 0 ? c : Long.compare(limits.get(a).burst(), limits.get(b).burst());
    });
    int[] rank = new int[order.length];
    for (int r = 0; r < order.length; r++) {
      rank[order[r]] = r;
    }
    return rank;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof StateShape other && hash == other.hash && name.equals(other.name)
        && algorithm == other.algorithm && Arrays.equals(periods, other.periods)
        && Arrays.equals(warmups, other.warmups));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return name + ":" + algorithm + Arrays.toString(periods) + (hasWarmup() ? "warmup" + Arrays.toString(warmups) : "");
  }

  private boolean hasWarmup() {
    for (boolean w : warmups) {
      if (w) {
        return true;
      }
    }
    return false;
  }
}
