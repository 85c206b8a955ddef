package io.limiter.redis;

import io.limiter.core.RateLimitStore;
import io.limiter.redis.internal.UriStoreFactory;
import java.util.Map;

/**
 * A {@link RateLimitStore} on Redis: every application instance that uses the same Redis (standalone, Sentinel or
 * Cluster) shares one count per client and policy, so a limit holds across all of them.
 *
 * <pre>{@code
 * RedisRateLimitStore store = RedisRateLimitStore.builder()
 *     .uri("redis://127.0.0.1:6379")
 *     .commandTimeout(Duration.ofMillis(100))
 *     .build();
 * RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "100/minute"), store);
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * Each decision is one run of one Lua script per algorithm: its own {@code EVALSHA}, or, for decisions that queued
 * while a call was in flight on the connection, one step of a single call that decides them in arrival order
 * (coalescing, see {@link RedisRateLimitStoreBuilder#coalesce}). The script reads the client's state and the
 * server's clock ({@code TIME}, microseconds), decides every limit of the policy, charges all of them or none, and
 * writes the state with an expiry of about the time until it is full again, atomically. Decisions equal those of the
 * in-memory store at the server's microsecond (durations rounded up to whole microseconds), so admission is exact
 * across any number of instances while the Redis primary is healthy. Application clocks play no part.
 *
 * <p>When Redis fails (down, stalled beyond the command timeout, or answering errors), each policy's
 * {@link io.limiter.core.FailureMode} decides: admit (degraded), reject (degraded: HTTP layers answer 503), or decide
 * in a bounded local store. The store then stops waiting for Redis and probes it with back-off until it answers, and
 * goes back to it without a restart. A timed-out call is never retried (it may have been counted). See
 * {@code docs/redis.md} for what a failover can lose.
 *
 * <p>Key layout: {@code <prefix>{<policy>:<key>}}, one key per client and policy, hash-tagged for Redis Cluster.
 *
 * <p>Thread-safe. All decisions share one pipelined connection. {@link #close()} closes it, and the client too if the
 * store created it.
 */
public interface RedisRateLimitStore extends RateLimitStore {

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  static RedisRateLimitStoreBuilder builder() {
    return new RedisRateLimitStoreBuilder();
  }

  /**
   * Creates a store from a URI and settings given as text: the way configuration files and the servlet filter create
   * one. The same settings, with the URI as setting {@code uri}, are what the {@code redis}
   * {@link io.limiter.core.spi.RateLimitStoreProvider} takes (servlet init-params {@code store=redis},
   * {@code store.uri=redis://…}, {@code store.command-timeout=…}).
   *
   * <p>Settings (all optional; durations as {@code 100ms}, {@code 2s}, {@code 1m} or ISO-8601 {@code PT0.1S}):
   * <ul>
   *   <li>{@code cluster}: {@code true} for Redis Cluster; the URI may then list several seed nodes separated by
   *       commas ({@code redis://10.0.0.1:7000,redis://10.0.0.2:7000})
   *   <li>{@code key-prefix} (default {@code limiter:}), {@code command-timeout} (default {@code 100ms}),
   *       {@code connect-timeout} (default {@code 1s})
   *   <li>{@code closed-retry-after} (default {@code 5s}), {@code failure-log-interval} (default {@code 1m})
   *   <li>{@code fallback-max-keys} (default {@code 100000}), {@code instances} (default {@code 1})
   *   <li>{@code recovery-backoff} (default {@code 100ms}), {@code recovery-backoff-max} (default {@code 2s})
   *   <li>{@code deny-cache-size} (default {@code 0}: off)
   * </ul>
   * Each maps to the {@link RedisRateLimitStoreBuilder} method of the same meaning.
   *
   * @param uri a Lettuce Redis URI, e.g. {@code redis://:secret@127.0.0.1:6379/0}, {@code rediss://…},
   *     {@code redis-sentinel://host:26379#mymaster}
   * @param settings settings by name; unknown names are errors
   * @return a new store
   * @throws IllegalArgumentException listing every invalid setting, one per line, naming it and its value
   */
  static RedisRateLimitStore fromUri(String uri, Map<String, String> settings) {
    return UriStoreFactory.create(uri, settings);
  }

  /**
   * Returns the store's counters.
   *
   * @return a snapshot
   */
  RedisStoreStats stats();

  /**
   * Returns the Redis key that holds a client's state under a policy, for operations and tests.
   *
   * @param policyName the policy's name
   * @param key the client key
   * @return the key, {@code <prefix>{<policy>:<key>}} with {@code %}, braces (and in the policy {@code :})
   *     percent-encoded
   */
  String redisKey(String policyName, String key);

  /**
   * Always -1: counting keys would need a scan of the server.
   *
   * @return -1
   */
  @Override
  long trackedKeys();
}
