package io.limiter.core.spi;

import io.limiter.core.RateLimitStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * Creates a store from a URI and string options, so that configuration given as text (a servlet init-param, a
 * property) can name a store that the configuring module does not depend on: {@code redis://127.0.0.1:6379} finds
 * the provider of {@code limiter-redis} on the class path through {@link ServiceLoader}.
 *
 * <p>Store modules implement this interface and list the implementation in
 * {@code META-INF/services/io.limiter.core.spi.RateLimitStoreProvider}. Implementations are stateless and
 * thread-safe.
 */
public interface RateLimitStoreProvider {

  /**
   * Returns the URI schemes this provider creates stores for, in lower case (e.g. {@code redis}, {@code rediss}).
   *
   * @return the schemes, never empty
   */
  Set<String> schemes();

  /**
   * Creates a store.
   *
   * @param uri the store's address; its scheme is one of {@link #schemes()}
   * @param options provider-specific settings by name; a name the provider does not know is an error
   * @return a new store, owned by the caller (close it when done)
   * @throws IllegalArgumentException listing every invalid option, one per line, each with its name and value
   */
  RateLimitStore create(URI uri, Map<String, String> options);

  /**
   * Finds the provider for the scheme of {@code uri} among those visible to {@code loader} and creates the store.
   *
   * @param uri the store's address, e.g. {@code redis://127.0.0.1:6379}
   * @param options provider-specific settings by name
   * @param loader where to look for providers
   * @return a new store, owned by the caller
   * @throws IllegalArgumentException if the URI does not parse, no provider handles its scheme (the message lists
   *     the schemes that are available), or the provider rejects the options
   */
  static RateLimitStore create(String uri, Map<String, String> options, ClassLoader loader) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    URI parsed;
    try {
      parsed = new URI(uri.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("store URI \"" + uri + "\" does not parse: " + e.getMessage(), e);
    }
    if (parsed.getScheme() == null) {
      throw new IllegalArgumentException("store URI \"" + uri + "\" has no scheme; expected e.g. redis://host:6379");
    }
    String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
    Set<String> known = new TreeSet<>();
    List<RateLimitStoreProvider> matching = new ArrayList<>();
    for (RateLimitStoreProvider provider : ServiceLoader.load(RateLimitStoreProvider.class, loader)) {
      known.addAll(provider.schemes());
      if (provider.schemes().contains(scheme)) {
        matching.add(provider);
      }
    }
    if (matching.isEmpty()) {
      throw new IllegalArgumentException("no rate limit store provider for scheme \"" + scheme + "\" of store URI \""
          + uri + "\"; " + (known.isEmpty() ? "none is on the class path"
              : "available schemes: " + String.join(", ", known))
          + " (for redis:// add io.limiter:limiter-redis)");
    }
    return matching.get(0).create(parsed, options);
  }
}
