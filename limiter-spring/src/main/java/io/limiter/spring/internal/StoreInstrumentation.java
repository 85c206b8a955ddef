package io.limiter.spring.internal;

import io.limiter.core.RateLimitStore;

/** Wraps the application's store before the registry uses it, e.g. to time it (a bean of the metrics support). */
@FunctionalInterface
public interface StoreInstrumentation {

  /**
   * @param store the store
   * @return the wrapped store
   */
  RateLimitStore instrument(RateLimitStore store);
}
