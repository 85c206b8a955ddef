package io.limiter.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Caffeine-backed store: one cache over all policies, bounded by {@code maxKeys}, sharing the store's ticker.
 * Each entry expires a policy's longest refill time after its last access, which is never before its state is full
 * again (the clock is read before the lookup, see {@link LocalKeySpace}), so time-based expiry is lossless. Size-based
 * eviction under a flood of keys is not; it is counted.
 *
 * <p>Evicted and expired cells are CAS-ed to DEAD in Caffeine's eviction listener, which runs atomically with the
 * removal, so a decision still holding the cell retries on a fresh one (see {@link Cell}).
 */
public final class CaffeineRateLimitStore implements RateLimitStore {

  private final Ticker ticker;
  private final long origin;
  private final Cache<SpaceKey, Cell> cache;
  private final ConcurrentHashMap<LimitPolicy, Space> spaces = new ConcurrentHashMap<>();
  private final LongAdder evictedActive = new LongAdder();

  public CaffeineRateLimitStore(long maxKeys, Ticker ticker, Executor executor) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.origin = LocalKeySpace.origin(ticker);
    this.cache = Caffeine.newBuilder()
        .maximumSize(maxKeys)
        .ticker(ticker::read)
        .executor(executor)
        .expireAfter(new Expiry<SpaceKey, Cell>() {
          @Override
          public long expireAfterCreate(SpaceKey key, Cell value, long currentTime) {
            return key.space.base.maxRefillNanos;
          }

          @Override
          public long expireAfterUpdate(SpaceKey key, Cell value, long currentTime, long currentDuration) {
            // never shorten: after the clock went backwards the state is full later than refill time from "now"
            return Math.max(currentDuration, key.space.base.maxRefillNanos);
          }

          @Override
          public long expireAfterRead(SpaceKey key, Cell value, long currentTime, long currentDuration) {
            // never shorten: after the clock went backwards the state is full later than refill time from "now"
            return Math.max(currentDuration, key.space.base.maxRefillNanos);
          }
        })
        .evictionListener((SpaceKey key, Cell cell, RemovalCause cause) -> {
          if (key != null && cell != null) {
            boolean active = key.space.base.killUnconditionally(cell, ticker.read() - origin);
            if (active && cause == RemovalCause.SIZE) {
              evictedActive.increment();
            }
          }
        })
        .build();
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Space space = spaces.get(policy);
    return space != null ? space : spaces.computeIfAbsent(policy, Space::new);
  }

  @Override
  public long trackedKeys() {
    return cache.estimatedSize();
  }

  @Override
  public long evictedActiveKeys() {
    return evictedActive.sum();
  }

  @Override
  public void cleanUp() {
    cache.cleanUp();
  }

  @Override
  public String toString() {
    return "CaffeineRateLimitStore{keys~" + cache.estimatedSize() + "}";
  }

  /** A cache key: the key space (by identity) and the client key. */
  private record SpaceKey(Space space, String key) {
  }

  private final class Space extends LocalKeySpace {
    Space(LimitPolicy policy) {
      super(policy, CaffeineRateLimitStore.this.ticker, origin);
    }

    @Override
    Cell lookup(String key) {
      return cache.getIfPresent(new SpaceKey(this, key));
    }

    @Override
    Cell insert(String key, Cell created) {
      return cache.get(new SpaceKey(this, key), k -> created);
    }

    @Override
    void discard(String key, Cell dead) {
      cache.asMap().remove(new SpaceKey(this, key), dead);
    }
  }
}
