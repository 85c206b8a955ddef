package io.limiter.redis.internal;

import io.limiter.core.Ticker;
import io.limiter.core.spi.StoreFailureHandler;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The validated settings of a store, handed from the builder to the store.
 *
 * @param keyPrefix prefix of every key
 * @param commandTimeout bound of every Redis call
 * @param failureHandler a custom handler, or null for the standard one per failure mode
 * @param closedRetryAfter retry-after of fail-closed rejections
 * @param failureLogInterval least time between two failure log lines of a policy
 * @param fallbackMaxKeys bound of the local fallback store
 * @param instances divisor of the limits in the local fallback store
 * @param recoveryBackoff first wait before probing a failed Redis
 * @param recoveryBackoffMax longest wait between probes
 * @param denyCacheSize entries of the local deny cache, 0 for none
 * @param localTicker clock of back-off (and of the deny cache unless testing)
 * @param testTicker tests only: the time the scripts decide at, or null for Redis {@code TIME}
 * @param coalesce whether decisions waiting for the same connection share script calls ({@link Coalescer})
 */
public record StoreSettings(String keyPrefix, Duration commandTimeout, @Nullable StoreFailureHandler failureHandler,
    Duration closedRetryAfter, Duration failureLogInterval, long fallbackMaxKeys, int instances,
    Duration recoveryBackoff, Duration recoveryBackoffMax, int denyCacheSize, Ticker localTicker,
    @Nullable Ticker testTicker, boolean coalesce) {
}
