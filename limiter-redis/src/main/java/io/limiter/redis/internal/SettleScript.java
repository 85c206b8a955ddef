package io.limiter.redis.internal;

import io.limiter.core.Limit;

/**
 * The one script that settles reservations of every algorithm ({@code settle.lua}, after the prelude, the state
 * helpers and the token bucket's warm-up arithmetic): the arithmetic of the in-memory kernels' settlement on the state the algorithm's script wrote. A separate
 * script rather than a mode of the acquire scripts, so that a request's decision stays the one lean call it is, and a
 * settlement at the reserved cost costs no call at all. It runs through the connector like the others (hence a
 * {@link LimitScript}); it decides nothing, so the decision-side methods are not used.
 */
final class SettleScript extends LimitScript {

  static final SettleScript INSTANCE = new SettleScript();

  private SettleScript() {
    super('-', 0, 0, "prelude.lua", "state.lua", "warm.lua", "settle.lua");
  }

  @Override
  long spanMicros(Limit limit) {
    throw new UnsupportedOperationException("the settle script decides nothing");
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    throw new UnsupportedOperationException("the settle script decides nothing");
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    throw new UnsupportedOperationException("the settle script decides nothing");
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    throw new UnsupportedOperationException("the settle script decides nothing");
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    throw new UnsupportedOperationException("the settle script decides nothing");
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    throw new UnsupportedOperationException("the settle script decides nothing");
  }
}
