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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Caffeine-backed store: one cache over all policies, sharing the store's ticker. Each entry expires the longest
 * refill time of any policy that decided on its cells (the policy's own, or a step level's or tier's, see
 * {@link CellGroup#maxRefillNanos()}) after its last access, which is never before its state is full again (the clock
 * is read before the lookup, see {@link LocalKeySpace}), so time-based expiry is lossless.
 *
 * <p>The bound of {@code maxKeys} is not Caffeine's size eviction: W-TinyLFU ranks keys by how often they were seen,
 * so a flood of cold keys evicted a quiet, exhausted client, who came back with a full bucket. Instead, an insert over
 * the bound moves the same {@link EvictionHand} as the in-memory store over the cache's map: cold keys go first, an
 * exhausted client stays, and lossy evictions are counted. The hand only kills its victims (a compare-and-set on the
 * cell); each inserting thread removes them from the cache after it let go of the hand. Caffeine runs its maintenance
 * on the writing thread when its write buffer is full (a flood of inserts fills it), and a removal under the hand's
 * lock made every other inserting thread wait for that maintenance too: with 16 threads flooding a store of 1M keys,
 * threads spent about 40% of their time parked on the hand's lock.
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
  /** Cells the hand killed, to be removed from the cache outside its lock; {@link #killedCount} counts them. */
  private final ConcurrentLinkedQueue<Killed> killed = new ConcurrentLinkedQueue<>();
  private final AtomicLong killedCount = new AtomicLong();

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
        .evictionListener((GroupKey key, Cell cell, RemovalCause cause) -> {
          if (key != null && cell != null) {
            key.group.layout.killUnconditionally(cell, ticker.read() - origin);
          }
        })
        .build();
    EvictionHand.Segment all = EvictionHand.mapSegment(cache.asMap(), key -> key.group.layout, (key, dead) -> {
      killedCount.incrementAndGet();
      killed.add(new Killed(key, dead));
    });
    // killed cells still in the cache are not counted: they are as good as gone
    this.hand = new EvictionHand(() -> List.of(all), this::liveKeys, maxKeys, evictedActive);
  }

  private long now() {
    return ticker.read() - origin;
  }

  private long liveKeys() {
    return cache.estimatedSize() - killedCount.get();
  }

  /** Removes up to {@code max} cells the hand killed from the cache (not under the hand's lock, see above). */
  private void removeKilled(long max) {
    for (long n = 0; n < max; n++) {
      Killed k = killed.poll();
      if (k == null) {
        return;
      }
      cache.asMap().remove(k.key, k.cell);
      killedCount.decrementAndGet();
    }
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
    return liveKeys();
  }

  @Override
  public long evictedActiveKeys() {
    return evictedActive.sum();
  }

  @Override
  public void cleanUp() {
    removeKilled(Long.MAX_VALUE);
    cache.cleanUp();
    // bounded: under a continuing flood the size stays above the bound, and the inserting threads evict themselves
    for (long excess = liveKeys() - maxKeys; excess > 0 && liveKeys() > maxKeys;
        excess -= EvictionHand.MAX_VICTIMS) {
      if (!hand.evict(now(), true)) {
        break;
      }
    }
    removeKilled(Long.MAX_VALUE);
  }

  @Override
  public String toString() {
    return "CaffeineRateLimitStore{keys~" + liveKeys() + "}";
  }

  /** A cell the hand killed, and its key. */
  private record Killed(GroupKey key, Cell cell) {
  }

  /** A cache key: the cell group (by identity: one per policy name and state shape) and the client key. */
  private record GroupKey(CellGroup group, String key) {
  }

  private final class Space extends LocalKeySpace {
    Space(LimitPolicy policy, CellGroup group) {
      super(policy, group, CaffeineRateLimitStore.this.ticker, origin);
    }

    @Override
    Cell lookup(String key) {
      return cache.getIfPresent(new GroupKey(group, key));
    }

    @Override
    Cell insert(String key, Cell created) {
      return cache.get(new GroupKey(group, key), k -> created);
    }

    @Override
    void inserted() {
      if (liveKeys() > maxKeys) {
        hand.afterInsert(now());
      }
      if (killedCount.get() > 0) {
        // a few more than the hand kills per call, so the queue drains while threads insert
        removeKilled(2L * EvictionHand.MAX_VICTIMS);
      }
    }

    @Override
    void discard(String key, Cell dead) {
      cache.asMap().remove(new GroupKey(group, key), dead);
    }
  }
}
