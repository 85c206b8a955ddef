package io.limiter.redis.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local fallback store for {@code LOCAL_FALLBACK}: a bounded local store whose limits are divided by the number
 * of application instances, so that while Redis is down the instances together admit about what Redis would have.
 * Each limit keeps its period; its permits and burst are divided and rounded down, but never below the policy's cost
 * (a request of the normal cost must stay possible). With one instance the limits are used as they are. State is
 * kept per policy name and shape, not per policy: step levels and tiers share it, as they share it on Redis.
 */
final class DividedStore implements RateLimitStore {

  private static final int MAX_CACHED_POLICIES = 1024;

  private final RateLimitStore local;
  private final int instances;
  private final ConcurrentHashMap<LimitPolicy, LimitPolicy> divided = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, KeySpace> byName = new ConcurrentHashMap<>();

  DividedStore(RateLimitStore local, int instances) {
    this.local = Objects.requireNonNull(local, "local");
    this.instances = instances;
  }

  /** The policy's share of one instance. */
  LimitPolicy divided(LimitPolicy policy) {
    if (instances == 1) {
      return policy;
    }
    LimitPolicy cached = divided.get(policy);
    if (cached != null) {
      return cached;
    }
    List<Limit> limits = new ArrayList<>();
    for (Limit limit : policy.limits()) {
      long permits = Math.max(policy.cost(), limit.permits() / instances);
      if (policy.algorithm() == Algorithm.TOKEN_BUCKET) {
        limits.add(Limit.of(permits, limit.period(), Math.max(policy.cost(), limit.burst() / instances)));
      } else {
        limits.add(Limit.of(permits, limit.period()));
      }
    }
    LimitPolicy result = policy.withLimits(LimitSpec.of(limits));
    if (divided.size() < MAX_CACHED_POLICIES) {
      divided.put(policy, result);
    }
    return result;
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return new Space(policy);
  }

  @Override
  public Decision acquire(String key, LimitPolicy policy, long permits) {
    return stateOf(policy).acquire(key, permits, divided(policy));
  }

  /**
   * The local state of a policy's name: shared by every policy of that name and shape (the base policy, its step
   * levels and tiers), so that a step change during an outage keeps each client's local count. A policy of another
   * shape replaces it (its clients start afresh, as on Redis).
   */
  private KeySpace stateOf(LimitPolicy policy) {
    KeySpace state = byName.get(policy.name());
    if (state != null && (state.policy() == policy || state.policy().canShareStateWith(policy))) {
      return state;
    }
    return byName.compute(policy.name(), (name, current) -> current != null
        && current.policy().canShareStateWith(policy) ? current : local.keySpace(policy));
  }
  @Override
  public long trackedKeys() {
    return local.trackedKeys();
  }

  @Override
  public long evictedActiveKeys() {
    return local.evictedActiveKeys();
  }

  @Override
  public void cleanUp() {
    local.cleanUp();
  }

  @Override
  public void close() {
    local.close();
  }

  /** A policy's view of its name's local state. */
  private final class Space implements KeySpace {
    private final LimitPolicy policy;

    Space(LimitPolicy policy) {
      this.policy = policy;
    }

    @Override
    public LimitPolicy policy() {
      return policy;
    }

    @Override
    public Decision acquire(String key, long permits) {
      return DividedStore.this.acquire(key, policy, permits);
    }

    @Override
    public Decision acquire(String key, long permits, LimitPolicy effective) {
      return DividedStore.this.acquire(key, effective, permits);
    }
  }
}
