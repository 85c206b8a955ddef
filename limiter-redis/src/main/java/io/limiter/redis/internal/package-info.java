/**
 * Implementation of the Redis store: the Lua scripts and their Java halves, the Lettuce connection, the recovery
 * gate, the deny cache and the local fallback. Not API: other modules must not use it.
 */
@NullMarked
package io.limiter.redis.internal;

import org.jspecify.annotations.NullMarked;
