/**
 * A {@link io.limiter.core.RateLimitStore} on Redis (standalone, Sentinel or Cluster) via Lettuce, shared by every
 * application instance that uses the same Redis: {@link io.limiter.redis.RedisRateLimitStore}, built with {@link
 * io.limiter.redis.RedisRateLimitStoreBuilder} or created from a URI.
 */
@NullMarked
package io.limiter.redis;

import org.jspecify.annotations.NullMarked;
