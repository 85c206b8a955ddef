package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Moving window, as in the in-memory kernel (an exact log of the times of the last permits), on the microsecond clock:
 * {@code moving_window.lua} decides, {@code moving_window_settle.lua} settles; both share the log helpers of
 * {@code moving_window_log.lua}. The log needs a binary search to count what still counts, so the script computes the
 * durations itself and replies four words per limit: remaining, µs until the log is empty (reset), µs until the
 * request's permits would pass ({@code -1}: never), µs until one more permit. Every entry is a whole microsecond, so
 * the durations equal the in-memory kernel's at the same floored clock. Immutable.
 */
final class MovingWindowScript extends LimitScript {

  static final MovingWindowScript INSTANCE = new MovingWindowScript('m', "moving_window.lua");
  /**
   * A concurrency limit: the same script and log, each entry the lease of a call in flight (taken when it starts,
   * counting for the lease), returned by a settlement when the call ends; its own letter keeps its state apart.
   */
  static final MovingWindowScript LEASES = new MovingWindowScript('c', "moving_window.lua");

  /** Settles reservations of moving windows and returns leases; decides nothing (its decision side is unused). */
  private static final MovingWindowScript SETTLE = new MovingWindowScript('-', "moving_window_settle.lua");

  private MovingWindowScript(char letter, String body) {
    super(letter, 4, 4, "prelude.lua", "state.lua", "moving_window_log.lua", body);
  }

  @Override
  LimitScript settleScript() {
    return SETTLE;
  }

  @Override
  long spanMicros(Limit limit) {
    return limit.periodNanos() / 1000; // an entry is counted until a window after it
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    limitArgs(limit, limit, permits, args, offset);
  }

  /** The limit's period and permits, the request's permits, and the size of a new log: the layout's permits. */
  @Override
  void limitArgs(Limit limit, Limit layout, long permits, String[] args, int offset) {
    args[offset] = Long.toString(limit.periodNanos() / 1000);
    args[offset + 1] = Long.toString(limit.permits());
    args[offset + 2] = Long.toString(permits);
    args[offset + 3] = Long.toString(layout.permits());
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    return words[o + 2] < 0 ? Decision.NEVER : words[o + 2] * 1000;
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    return words[o];
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    return words[o + 1] * 1000;
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    return words[o + 3] * 1000;
  }
}
