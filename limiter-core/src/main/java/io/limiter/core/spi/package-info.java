/**
 * Extension points for store implementers: what a store does when it fails ({@link
 * io.limiter.core.spi.StoreFailureHandler}). A new store implements {@link io.limiter.core.RateLimitStore} and
 * {@link io.limiter.core.KeySpace} and proves itself with {@code RateLimitStoreContract} from {@code limiter-test}.
 */
@NullMarked
package io.limiter.core.spi;

import org.jspecify.annotations.NullMarked;
