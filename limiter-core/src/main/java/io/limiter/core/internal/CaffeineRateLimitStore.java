package io.limiter.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The Caffeine-backed store: one cache over all policies, sharing the store's ticker. Each entry expires the longest
 * refill time of any policy that decided on its cells (the policy's own, or a step level's or tier's, see
 * {@link CellGroup#maxRefillNanos()}) after its last access, which is never before its state is full again (the clock
 * is read before the lookup, see {@link LocalKeySpace}), so time-based expiry is lossless.
 *
 * <p>The bound of {@code maxKeys} is not Caffeine's size eviction: W-TinyLFU ranks keys by how often they were seen,
 * so a flood of cold keys evicted a quiet, exhausted client, who came back with a full bucket. Instead, an insert over
 * the bound moves the same {@link EvictionHand} as the in-memory store over the cache's map: cold keys go first, an
 * exhausted client stays, and lossy evictions are counted.
 *
 * <p>{@link KeySpace#handle(String) Key handles} (and so {@code RateLimiter.forKey}) are the default ones here: each
 * decision looks the key up, because that lookup renews the entry's access time, on which lossless expiry rests.
 *
 * <p>Expired cells are CAS-ed to DEAD in Caffeine's eviction listener, which runs atomically with the removal, so a
 * decision still holding the cell retries on a fresh one (see {@link Cell}).
 */
public final class CaffeineRateLimitStore implements RateLimitStore {

  private final Ticker ticker;
  private final long origin;
  private final Cache<GroupKey, Cell> cache;
  private final ConcurrentHashMap<LimitPolicy, Space> spaces = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<StateShape, CellGroup> groups = new ConcurrentHashMap<>();
  private final LongAdder evictedActive = new LongAdder();
  private final long maxKeys;
  private final EvictionHand hand;

  public CaffeineRateLimitStore(long maxKeys, Ticker ticker, Executor executor) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.origin = LocalKeySpace.origin(ticker);
    this.maxKeys = maxKeys;
    this.cache = Caffeine.newBuilder()
        .ticker(ticker::read)
        .executor(executor)
        .expireAfter(new Expiry<GroupKey, Cell>() {
          @Override
          public long expireAfterCreate(GroupKey key, Cell value, long currentTime) {
            return key.group.maxRefillNanos();
          }

          @Override
          public long expireAfterUpdate(GroupKey key, Cell value, long currentTime, long currentDuration) {
            // never shorten: after the clock went backwards the state is full later than refill time from "now"
            return Math.max(currentDuration, key.group.maxRefillNanos());
          }

          @Override
          public long expireAfterRead(GroupKey key, Cell value, long currentTime, long currentDuration) {
            // never shorten: after the clock went backwards the state is full later than refill time from "now"
            return Math.max(currentDuration, key.group.maxRefillNanos());
          }
        })
        .evictionListener((@Nullable GroupKey key, @Nullable Cell cell, RemovalCause cause) -> {
          if (key != null && cell != null) {
            key.group.layout.killUnconditionally(cell, ticker.read() - origin);
          }
        })
        .build();
    EvictionHand.Segment all = EvictionHand.mapSegment(cache.asMap(), key -> key.group.layout,
        (key, dead) -> cache.asMap().remove(key, dead));
    this.hand = new EvictionHand(() -> List.of(all), cache::estimatedSize, maxKeys, evictedActive);
  }

  private long now() {
    return ticker.read() - origin;
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Space space = spaces.get(policy);
    return space != null ? space : spaces.computeIfAbsent(policy, this::newSpace);
  }

  private Space newSpace(LimitPolicy policy) {
    return new Space(policy, groups.computeIfAbsent(StateShape.of(policy), shape -> new CellGroup(policy)));
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
    // bounded: under a continuing flood the size stays above the bound, and the inserting threads evict themselves
    for (long excess = cache.estimatedSize() - maxKeys; excess > 0 && cache.estimatedSize() > maxKeys;
        excess -= EvictionHand.MAX_VICTIMS) {
      if (!hand.evict(now(), true)) {
        return;
      }
    }
  }

  @Override
  public String toString() {
    return "CaffeineRateLimitStore{keys~" + cache.estimatedSize() + "}";
  }

  /** A cache key: the cell group (by identity: one per policy name and state shape) and the client key. */
  private record GroupKey(CellGroup group, String key) {
  }

  private final class Space extends LocalKeySpace {
    Space(LimitPolicy policy, CellGroup group) {
      super(policy, group, CaffeineRateLimitStore.this.ticker, origin);
    }

    @Override
    @Nullable Cell lookup(String key) {
      return cache.getIfPresent(new GroupKey(group, key));
    }

    @Override
    Cell insert(String key, Cell created) {
      return cache.get(new GroupKey(group, key), k -> created);
    }

    @Override
    void inserted() {
      if (cache.estimatedSize() > maxKeys) {
        hand.afterInsert(now());
      }
    }

    @Override
    void discard(String key, Cell dead) {
      cache.asMap().remove(new GroupKey(group, key), dead);
    }
  }
}
