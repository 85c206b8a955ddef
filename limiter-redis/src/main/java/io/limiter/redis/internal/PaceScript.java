package io.limiter.redis.internal;

import io.limiter.core.Limit;

/**
 * Reserves a future slot for a waiting caller in one call ({@code pace.lua}), and gives it back
 * ({@code unpace.lua}, {@link #UNPACE}). Separate scripts rather than a mode of the token bucket's, so that a plain
 * decision stays the one lean call it is. They read and write the token bucket's state with its arguments, so the
 * limit-side arithmetic here is {@link TokenBucketScript}'s.
 */
final class PaceScript extends LimitScript {

  static final PaceScript INSTANCE = new PaceScript("pace.lua");
  static final PaceScript UNPACE = new PaceScript("unpace.lua");

  private static final LimitScript TOKEN_BUCKET = TokenBucketScript.INSTANCE;

  private PaceScript(String body) {
    super(body, 'g', 5, 2);
  }

  @Override
  long spanMicros(Limit limit) {
    return TOKEN_BUCKET.spanMicros(limit);
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    TOKEN_BUCKET.limitArgs(limit, permits, args, offset);
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    return TOKEN_BUCKET.waitNanos(limit, permits, words, o);
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    return TOKEN_BUCKET.remaining(limit, words, o);
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    return TOKEN_BUCKET.resetNanos(limit, words, o);
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    return TOKEN_BUCKET.refillNanos(limit, words, o);
  }
}
