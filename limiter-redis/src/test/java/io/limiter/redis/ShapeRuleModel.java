package io.limiter.redis;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

/**
 * A reference model of the state-identity rule, independent of any store: the state of a key belongs to the policy's
 * name and shape (algorithm and the sorted periods of its limits). Under a policy of the same shape the stored state
 * is read with the new limits, clamped (a token bucket's debt to at most its burst period, a window's counts to at
 * most its permits); an admission writes the clamped state charged, a rejection leaves the stored state as it was.
 * Under another shape the state counts as empty, and a rejection deletes it. The kernels are the in-memory ones (GCRA,
 * fixed window, two-window sliding estimate, moving-window log) on a
 * nanosecond clock, so the model decides like the in-memory store where no policy changes.
 *
 * <p>It answers what a store must decide: outcome, deciding limit, the remaining permits of each limit and the wait of
 * a rejection (exact nanoseconds; Redis rounds it up to whole microseconds). Not thread-safe.
 */
final class ShapeRuleModel {

  /** A model decision. */
  record Expected(boolean allowed, int limitIndex, long[] remaining, long retryAfterNanos) {
  }

  private static final class State {
    String shape;
    long[] words; // per canonical limit: tat | index, count | index, curr, prev
    List<MovingLog> logs; // per canonical limit, for a moving window
  }

  /**
   * A moving window's log: the times of the last permits, oldest first, at most {@code size} of them (the limit's
   * permits when the state was made; later limits of the same shape decide with at most that many).
   */
  private record MovingLog(long size, List<Long> times) {
    long live(long now, long window) {
      return times.stream().filter(t -> now - t < window).count();
    }

    /** Until the j-th newest entry is a window old; 0 if there is none or it is. */
    long expiry(long j, long now, long window) {
      if (j < 0 || j >= times.size()) {
        return 0;
      }
      return Math.max(0, times.get(times.size() - 1 - (int) j) + window - now);
    }

    void take(long n, long now) {
      long t = times.isEmpty() ? now : Math.max(now, times.get(times.size() - 1));
      for (long i = 0; i < n; i++) {
        times.add(t);
      }
      while (times.size() > size) {
        times.remove(0);
      }
    }
  }

  private final Map<String, State> states = new HashMap<>();

  static String shape(LimitPolicy policy) {
    StringBuilder shape = new StringBuilder(policy.algorithm().name());
    canonical(policy).forEach(l -> shape.append(' ').append(l.periodNanos()));
    return shape.toString();
  }

  private static List<Limit> canonical(LimitPolicy policy) {
    List<Limit> limits = new ArrayList<>(policy.limits());
    limits.sort(Comparator.comparingLong(Limit::periodNanos));
    return limits;
  }

  private static int words(Algorithm algorithm) {
    return switch (algorithm) {
      case TOKEN_BUCKET -> 1;
      case FIXED_WINDOW -> 2;
      case SLIDING_WINDOW -> 3;
      case MOVING_WINDOW, CONCURRENCY -> throw new IllegalArgumentException("a log, not words");
    };
  }

  Expected acquire(String key, LimitPolicy policy, long permits, long now) {
    List<Limit> limits = canonical(policy);
    Algorithm algorithm = policy.algorithm();
    if (algorithm == Algorithm.MOVING_WINDOW) {
      return acquireLogged(key, policy, limits, permits, now);
    }
    int w = words(algorithm);
    State state = states.computeIfAbsent(policy.name() + "\u0000" + key, k -> new State());
    String shape = shape(policy);
    boolean foreign = state.words != null && !shape.equals(state.shape);
    long[] before = new long[limits.size() * w];
    long[] waits = new long[limits.size()];
    long[] after = new long[before.length];
    for (int c = 0; c < limits.size(); c++) {
      Limit limit = limits.get(c);
      int o = c * w;
      long[] stored = foreign || state.words == null ? null : state.words;
      switch (algorithm) {
        case TOKEN_BUCKET -> {
          long b = limit.burstPeriodNanos();
          long t = limit.emissionIntervalNanos();
          long debt = stored == null ? 0 : Math.max(0, stored[o] - now);
          if (debt > b) {
            debt = b;
          }
          before[o] = now + debt;
          waits[c] = permits > limit.burst() ? Decision.NEVER : Math.max(0, debt + permits * t - b);
          after[o] = now + debt + (permits > limit.burst() ? 0 : permits * t);
        }
        case FIXED_WINDOW -> {
          long p = limit.permits();
          long current = Math.floorDiv(now, limit.periodNanos());
          long index = current;
          long count = 0;
          if (stored != null && stored[o + 1] > 0 && stored[o] >= current) {
            index = stored[o];
            count = stored[o + 1];
          }
          if (count > p) {
            count = p;
          }
          before[o] = index;
          before[o + 1] = count;
          waits[c] = permits > p ? Decision.NEVER : count + permits <= p ? 0
              : Math.max(1, (index + 1) * limit.periodNanos() - now);
          after[o] = index;
          after[o + 1] = count + permits;
        }
        case SLIDING_WINDOW -> {
          long p = limit.permits();
          long win = limit.periodNanos();
          long current = Math.floorDiv(now, win);
          long index = current;
          long curr = 0;
          long prev = 0;
          if (stored != null && !(stored[o + 1] == 0 && stored[o + 2] == 0)) {
            if (current <= stored[o]) {
              index = stored[o];
              curr = stored[o + 1];
              prev = stored[o + 2];
            } else if (current == stored[o] + 1) {
              prev = stored[o + 1];
            }
          }
          if (curr > p) {
            curr = p;
          }
          if (prev > p) {
            prev = p;
          }
          before[o] = index;
          before[o + 1] = curr;
          before[o + 2] = prev;
          waits[c] = permits > p ? Decision.NEVER : slidingWait(p, win, index, curr, prev, now, permits);
          after[o] = index;
          after[o + 1] = curr + permits;
          after[o + 2] = prev;
        }
        default -> throw new IllegalStateException();
      }
    }
    boolean allowed = true;
    for (long wait : waits) {
      allowed &= wait == 0;
    }
    long[] decided = allowed ? after : before;
    if (allowed) {
      state.shape = shape;
      state.words = after;
      state.logs = null;
    } else if (foreign) {
      state.words = null;
    }
    state.logs = null; // a moving window's log is another shape: replaced, or deleted by the rejection
    return report(policy, limits, waits, allowed, c -> remaining(algorithm, limits.get(c), decided, c * w, now));
  }

  /**
   * The decision in the policy's own order, ties to the first limit, like the in-memory stores.
   *
   * @param remaining the remaining permits of the limit at a canonical position
   */
  private static Expected report(LimitPolicy policy, List<Limit> limits, long[] waits, boolean allowed,
      IntToLongFunction remaining) {
    List<Limit> own = policy.limits();
    long[] left = new long[own.size()];
    int fewest = 0;
    int deciding = 0;
    long maxWait = 0;
    for (int i = 0; i < own.size(); i++) {
      int c = limits.indexOf(own.get(i));
      left[i] = remaining.applyAsLong(c);
      if (left[i] < left[fewest]) {
        fewest = i;
      }
      if (waits[c] > maxWait) {
        maxWait = waits[c];
        deciding = i;
      }
    }
    return new Expected(allowed, allowed ? fewest : deciding, left, allowed ? 0 : maxWait);
  }

  /** The rule for a moving window: a log per limit, kept at its size; another shape counts as no log. */
  private Expected acquireLogged(String key, LimitPolicy policy, List<Limit> limits, long permits, long now) {
    State state = states.computeIfAbsent(policy.name() + "\u0000" + key, k -> new State());
    String shape = shape(policy);
    boolean foreign = state.logs != null && !shape.equals(state.shape);
    List<MovingLog> logs = foreign ? null : state.logs;
    state.words = null; // another algorithm's words: another shape, replaced or deleted by the rejection
    long[] waits = new long[limits.size()];
    boolean allowed = true;
    for (int c = 0; c < limits.size(); c++) {
      Limit limit = limits.get(c);
      long p = logs == null ? limit.permits() : Math.min(limit.permits(), logs.get(c).size());
      waits[c] = permits > p ? Decision.NEVER
          : logs == null ? 0 : logs.get(c).expiry(p - permits, now, limit.periodNanos());
      allowed &= waits[c] == 0;
    }
    if (allowed) {
      if (logs == null) {
        logs = new ArrayList<>();
        for (Limit limit : limits) {
          logs.add(new MovingLog(limit.permits(), new ArrayList<>()));
        }
      }
      for (MovingLog log : logs) {
        log.take(permits, now);
      }
      state.shape = shape;
      state.logs = logs;
    } else if (foreign) {
      state.logs = null;
    }
    List<MovingLog> decided = logs;
    return report(policy, limits, waits, allowed, c -> {
      Limit limit = limits.get(c);
      long p = decided == null ? limit.permits() : Math.min(limit.permits(), decided.get(c).size());
      return decided == null ? p : Math.max(0, p - decided.get(c).live(now, limit.periodNanos()));
    });
  }

  private static long remaining(Algorithm algorithm, Limit limit, long[] s, int o, long now) {
    switch (algorithm) {
      case TOKEN_BUCKET: {
        long debt = Math.max(0, s[o] - now);
        long b = limit.burstPeriodNanos();
        return debt >= b ? 0 : (b - debt) / limit.emissionIntervalNanos();
      }
      case FIXED_WINDOW:
        return Math.max(0, limit.permits() - s[o + 1]);
      default: {
        long win = limit.periodNanos();
        long e = Math.min(Math.max(now - s[o] * win, 0), win - 1);
        long prev = s[o + 2];
        long weighted = prev - java.math.BigInteger.valueOf(prev).multiply(java.math.BigInteger.valueOf(e))
            .divide(java.math.BigInteger.valueOf(win)).longValueExact();
        return Math.max(0, limit.permits() - s[o + 1] - weighted);
      }
    }
  }

  /** The in-memory sliding-window kernel's wait, for counts already shifted into the window {@code index}. */
  private static long slidingWait(long p, long win, long index, long curr, long prev, long now, long n) {
    long e = Math.min(Math.max(now - index * win, 0), win - 1);
    long room = p - curr - n;
    if (room >= 0 && (prev == 0 || room >= prev || e >= win - threshold(room, prev, win))) {
      return 0;
    }
    long start = index * win;
    if (room >= 0 && prev > 0) {
      long q = threshold(room, prev, win);
      if (q > 0) {
        return Math.max(1, start + win - q - now);
      }
    }
    long nextStart = start + win;
    long nextRoom = p - n;
    long at = curr == 0 || nextRoom >= curr ? nextStart : nextStart + win - threshold(nextRoom, curr, win);
    return Math.max(1, at - now);
  }

  private static long threshold(long room, long prev, long win) {
    return room * (win / prev) + room * (win % prev) / prev;
  }
}
