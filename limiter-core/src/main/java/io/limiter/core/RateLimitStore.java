package io.limiter.core;

import io.limiter.core.internal.InMemoryRateLimitStore;

/**
 * Where the state of rate limits lives: in this JVM ({@link #inMemory()}, {@link #caffeine()}) or on a server shared
 * by many application instances (the Redis store in {@code limiter-redis}).
 *
 * <p>A store holds one {@link KeySpace} per policy. It is bounded: local stores keep at most a configured number of
 * keys, and keys whose limits are full again (as if never used) are dropped without changing any later decision.
 *
 * <pre>{@code
 * RateLimitStore store = RateLimitStore.builder().maxKeys(100_000).buildInMemory();
 * RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "10/second"), store);
 * }</pre>
 *
 * <p>Implementations are thread-safe.
 */
public interface RateLimitStore extends AutoCloseable {

  /**
   * Returns the key space of a policy, creating it on first use. The state behind it belongs to the policy's name and
   * the shape of its limits (algorithm and periods, in any order): key spaces of policies that differ only in counts,
   * bursts, cost, shadow mode or failure mode share their clients' state; a policy of another shape under the same
   * name starts from empty state.
   *
   * @param policy the policy
   * @return its key space in this store
   */
  KeySpace keySpace(LimitPolicy policy);

  /**
   * Decides and charges in one call; a shortcut for {@code keySpace(policy).acquire(key, permits)}.
   *
   * @param key a canonical key (non-blank, at most 256 UTF-8 bytes)
   * @param policy the policy
   * @param permits the cost, at least 1
   * @return the decision
   */
  default Decision acquire(String key, LimitPolicy policy, long permits) {
    return keySpace(policy).acquire(key, permits);
  }

  /**
   * Returns the number of keys the store tracks now, over all policies; remote stores may answer an estimate or -1.
   *
   * @return the number of tracked keys
   */
  long trackedKeys();

  /**
   * Returns how many keys the store dropped while their limits were not yet full again (their clients start over).
   * Local stores do this only when more than their maximum number of keys are active at once.
   *
   * @return the number of lossy evictions since the store was created; 0 for stores that never evict
   */
  default long evictedActiveKeys() {
    return 0;
  }

  /** Drops expired state now, instead of waiting for the store's own amortized clean-up. */
  default void cleanUp() {
  }

  /** Releases connections and threads the store owns; local stores need nothing and do nothing. */
  @Override
  default void close() {
  }

  /**
   * Returns an in-memory store with the defaults of {@link #builder()}.
   *
   * @return a new store
   */
  static RateLimitStore inMemory() {
    return builder().buildInMemory();
  }

  /**
   * Returns a Caffeine-backed store with the defaults of {@link #builder()}; needs Caffeine on the class path.
   *
   * @return a new store
   */
  static RateLimitStore caffeine() {
    return builder().buildCaffeine();
  }

  /**
   * Starts a builder for a local store.
   *
   * @return a new builder
   */
  static LocalStoreBuilder builder() {
    return new LocalStoreBuilder();
  }

  /** @return the default maximum number of keys of local stores: 1,000,000 */
  static long defaultMaxKeys() {
    return InMemoryRateLimitStore.DEFAULT_MAX_KEYS;
  }
}
