package io.limiter.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Derives the rate limit key (the client: an IP, an API key, a user) from a request context. Generic over the
 * context so that the core knows no servlet or Spring type: the servlet module resolves from
 * {@code HttpServletRequest}, the Spring module from a method invocation.
 *
 * <p>A resolver returns {@code null} (or a blank string) when the context has no key, e.g. a request without an
 * API-key header. It never invents a fallback such as {@code ""}: the integration applies the rule's
 * {@link MissingKeyStrategy} instead, so two clients can never share a bucket by accident. Implementations must be
 * thread-safe and fast; they run on every request.
 *
 * @param <C> the request context
 */
@FunctionalInterface
public interface KeyResolver<C> {

  /**
   * @param context the request context
   * @return the key, or null if the context carries none
   */
  @Nullable String resolve(C context);

  /**
   * Returns a resolver that tries this one, then {@code fallback} when this one finds no key.
   *
   * @param fallback the next resolver
   * @return the combined resolver
   */
  default KeyResolver<C> orElse(KeyResolver<C> fallback) {
    Objects.requireNonNull(fallback, "fallback");
    return context -> {
      String key = resolve(context);
      return isMissing(key) ? fallback.resolve(context) : key;
    };
  }

  /**
   * Returns a resolver that always answers {@code key}: one bucket for everybody, e.g. a global limit.
   *
   * @param key the key, not blank
   * @param <C> the request context
   * @return the resolver
   */
  static <C> KeyResolver<C> constant(String key) {
    if (isMissing(key)) {
      throw new IllegalArgumentException("a constant key must not be blank but was \"" + key + "\"");
    }
    return context -> key;
  }

  /**
   * Returns a resolver whose key combines the keys of all parts (e.g. API key and IP), or is missing when any part is.
   * The key is a {@link KeyKind#COMPOSITE} key ({@link KeyKind#composite(List)}): parts are escaped and joined with
   * {@code '|'} behind {@code c:}, so different part values never produce the same key, nor a key of another kind.
   *
   * @param parts the resolvers, at least one
   * @param <C> the request context
   * @return the composite resolver
   */
  static <C> KeyResolver<C> composite(List<? extends KeyResolver<C>> parts) {
    List<KeyResolver<C>> all = List.copyOf(parts);
    if (all.isEmpty()) {
      throw new IllegalArgumentException("a composite key needs at least one part");
    }
    return context -> {
      String[] keys = new String[all.size()];
      for (int i = 0; i < keys.length; i++) {
        String part = all.get(i).resolve(context);
        if (isMissing(part)) {
          return null;
        }
        keys[i] = part;
      }
      return KeyKind.composite(Arrays.asList(keys));
    };
  }

  /**
   * @param key a resolved key
   * @return whether it counts as missing: null or blank
   */
  static boolean isMissing(@Nullable String key) {
    return key == null || key.isBlank();
  }
}
