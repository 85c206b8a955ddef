package io.limiter.core;

import io.limiter.core.internal.CaffeineRateLimitStore;
import io.limiter.core.internal.InMemoryRateLimitStore;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Builds a store that keeps its state in this JVM: {@link #buildInMemory()} (a concurrent hash map of compact
 * per-key cells, no dependency) or {@link #buildCaffeine()} (a Caffeine cache, when Caffeine is already in use).
 *
 * <p>Both are bounded by {@link #maxKeys(long)} over all policies. Keys whose limits are full again are dropped
 * without changing any decision; when more than {@code maxKeys} keys are active at once, each insert evicts, with
 * bounded work on the inserting thread, keys that have used at most half of their own policy's limits (the cold keys
 * of a flood, never an exhausted client among them), and an evicted client starts again with full limits. Only when
 * no such key is in reach may the store exceed {@code maxKeys} by {@code max(64, maxKeys/64)}, beyond which it evicts
 * the least used key in sight.
 * This is the price of a hard memory bound under a flood of distinct keys; {@code RateLimitStore#trackedKeys()} and
 * {@link RateLimitStore#evictedActiveKeys()} show when it happens.
 *
 * <p>A builder is not thread-safe; the stores it builds are.
 */
public final class LocalStoreBuilder {

  private long maxKeys = InMemoryRateLimitStore.DEFAULT_MAX_KEYS;
  private Ticker ticker = Ticker.system();
  private Executor executor = ForkJoinPool.commonPool();

  LocalStoreBuilder() {
  }

  /**
   * Sets the most keys the store tracks at once over all policies; the default is 1,000,000.
   *
   * @param maxKeys at least 16
   * @return this builder
   */
  public LocalStoreBuilder maxKeys(long maxKeys) {
    if (maxKeys < 16) {
      throw new IllegalArgumentException("maxKeys must be >= 16 but was " + maxKeys);
    }
    this.maxKeys = maxKeys;
    return this;
  }

  /**
   * Sets the clock; the default is {@link Ticker#system()}. Tests pass a manual ticker.
   *
   * @param ticker the clock
   * @return this builder
   */
  public LocalStoreBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    return this;
  }

  /**
   * Sets where background clean-up runs; the default is the common fork-join pool. Tests pass {@code Runnable::run}
   * to make clean-up happen on the calling thread.
   *
   * @param executor runs clean-up tasks
   * @return this builder
   */
  public LocalStoreBuilder executor(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
    return this;
  }

  /**
   * Builds the default in-memory store. A policy with a single token-bucket limit (the default algorithm) keeps no
   * object and no key string per key: a 128-bit keyed hash of the key and the bucket's state sit in primitive arrays,
   * about 32 to 44 bytes a key all in. Other policies (several limits, windows) keep their keys as
   * {@link #buildInMemoryWithKeyStrings()} does. Decisions on existing keys never lock.
   *
   * @return a new in-memory store
   */
  public RateLimitStore buildInMemory() {
    return new InMemoryRateLimitStore(maxKeys, ticker, executor, true);
  }

  /**
   * Builds an in-memory store that keeps every key string, in a concurrent hash map of per-key cells (about 64 bytes
   * a key plus the key string). Decides exactly as {@link #buildInMemory()}; use it where something needs the key
   * strings in memory, e.g. to inspect the store in a debugger or a heap dump.
   *
   * @return a new in-memory store that keeps key strings
   */
  public RateLimitStore buildInMemoryWithKeyStrings() {
    return new InMemoryRateLimitStore(maxKeys, ticker, executor, false);
  }

  /**
   * Builds a store on a Caffeine cache bounded by {@code maxKeys}, sharing the ticker with Caffeine.
   *
   * @return a new Caffeine-backed store
   * @throws IllegalStateException if Caffeine is not on the class path
   */
  public RateLimitStore buildCaffeine() {
    try {
      Class.forName("com.github.benmanes.caffeine.cache.Caffeine", false, LocalStoreBuilder.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("the Caffeine store needs com.github.ben-manes.caffeine:caffeine on the "
          + "class path; add it or use buildInMemory()", e);
    }
    return new CaffeineRateLimitStore(maxKeys, ticker, executor);
  }
}
