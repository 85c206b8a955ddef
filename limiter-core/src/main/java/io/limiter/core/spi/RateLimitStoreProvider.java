package io.limiter.core.spi;

import io.limiter.core.RateLimitStore;
import java.util.Map;

/**
 * Creates a {@link RateLimitStore} from text settings, so that configuration by name (a servlet init-param
 * {@code store=redis}, a property) can choose a store without compile-time coupling. Implementations are found with
 * {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/io.limiter.core.spi.RateLimitStoreProvider}) or named by their class name; they need a
 * public no-argument constructor and must be thread-safe.
 */
public interface RateLimitStoreProvider {

  /**
   * @return the short name configuration uses to pick this store, e.g. {@code redis}; lower case, unique among the
   *     providers on the class path
   */
  String name();

  /**
   * Creates a store.
   *
   * @param settings the store's settings with their prefix removed (for the servlet filter: every init-param
   *     {@code store.<setting>} as {@code <setting>}); unknown settings should be rejected
   * @return a new store, which the caller closes when it is done
   * @throws IllegalArgumentException naming every setting that is missing or invalid, with its value
   */
  RateLimitStore create(Map<String, String> settings);
}
