package io.limiter.core;

import io.limiter.core.internal.InMemoryRateLimitStore;
import java.util.List;
import java.util.concurrent.CompletionStage;

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
   * Reserves several claims (a request's policies) all or nothing: decides them in order and returns the store's
   * reservations, one per claim, up to and including the first that is not {@linkplain Reservation#allowed()
   * allowed} and not {@linkplain Claim#soft() soft}; if there is one, none of the returned reservations holds permits
   * and the claims after it are not decided. A soft claim's rejection takes nothing and does not stop the others.
   * Completions ({@link Claim#complete}) are the caller's to apply.
   *
   * <p>The default reserves each claim in its key space in order and refunds the permits taken before a rejection:
   * all or nothing for the request, but not atomic to concurrent observers (another request may see, and be
   * rejected by, permits that are refunded a moment later). A store that decides the claims in one atomic step
   * overrides it: the Redis store, with one script call when every claim's script can run in a vector (and, on a
   * Cluster, every key hashes to one slot). The local stores use the default: their decisions are lock-free per key,
   * and deciding several keys in one step would need a lock on the single-key path.
   *
   * <p>A store throws only before it has taken anything (a claim whose key space is not its own, a bad key).
   *
   * @param claims store claims of this store ({@link Claim#store()} is this store), in order
   * @return the reservations, before completion
   */
  default List<Reservation> reserveAll(List<Claim> claims) {
    return Claim.reserveInOrder(claims);
  }

  /**
   * {@link #reserveAll(List)} without blocking the caller: the same reservations, by the same contract (in order, up
   * to and including the first rejection of a claim that is not soft, nothing held after a rejection), as a stage.
   * It is what {@link Claim#reserveAllAsync(List)} calls for a group of claims of this store.
   *
   * <p>The default reserves each claim with {@link KeySpace#reserveAsync(String, long)} in order, the next once the
   * previous is decided, and on a rejection refunds the permits taken before it with {@link Reservation#refundAsync()}
   * and completes once the refunds are done: it blocks nowhere if the key spaces' async forms do not, and completes at
   * once on the local stores. The Redis store overrides it with the one script call {@link #reserveAll(List)} makes,
   * sent through the client's asynchronous API.
   *
   * <p>The stage fails only where {@link #reserveAll(List)} would throw: before anything is taken (a claim of another
   * store, a bad key), or, for the default, with what a key space's reservation failed with after the permits taken
   * before it were refunded.
   *
   * @param claims store claims of this store, in order
   * @return the reservations, before completion; completes on the thread that decides the last claim (the caller's
   *     for local stores, a remote store's I/O or timer thread otherwise)
   */
  default CompletionStage<List<Reservation>> reserveAllAsync(List<Claim> claims) {
    return Claim.reserveInOrderAsync(claims);
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
