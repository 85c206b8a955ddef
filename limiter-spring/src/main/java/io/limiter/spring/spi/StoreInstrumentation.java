package io.limiter.spring.spi;

import io.limiter.core.RateLimitStore;

/**
 * Wraps the application's store before the registry uses it, e.g. to time it (the metrics auto-configuration
 * contributes one). Beans of this type are applied in order. Implementations must be thread-safe and return a store
 * that keeps the wrapped store's contract.
 */
@FunctionalInterface
public interface StoreInstrumentation {

  /**
   * @param store the store
   * @return the wrapped store
   */
  RateLimitStore instrument(RateLimitStore store);
}
