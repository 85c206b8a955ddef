package io.limiter.spring;

import io.limiter.core.KeyResolver;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Named key resolvers that {@code @RateLimit(key = "name")} refers to, e.g. a tenant from a security context:
 *
 * <pre>{@code
 * public void addKeyResolvers(KeyResolverRegistry resolvers) {
 *   resolvers.register("tenant", invocation -> TenantContext.current());
 * }
 * }</pre>
 *
 * Names are letters, digits, {@code -}, {@code _} and {@code .}, and must not shadow a built-in reference
 * ({@code ip}, {@code principal}, {@code global}, {@code header:...}, {@code attribute:...}). Filled during startup by
 * one thread; read-only afterwards.
 */
public final class KeyResolverRegistry {

  /** The built-in references, which custom resolvers may not shadow. */
  public static final Set<String> BUILT_IN = Set.of("ip", "principal", "global", "header", "attribute");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private final Map<String, KeyResolver<RateLimitInvocation>> resolvers = new LinkedHashMap<>();

  /**
   * Registers a resolver under a name.
   *
   * @param name the name used in {@code @RateLimit(key = ...)}
   * @param resolver derives the key from a call; returns null when the call has none
   * @return this registry
   * @throws IllegalArgumentException if the name is malformed, built in, or already registered
   */
  public KeyResolverRegistry register(String name, KeyResolver<RateLimitInvocation> resolver) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(resolver, "resolver");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("key resolver name must consist of letters, digits, '-', '_' and '.' but was \""
          + name + "\"");
    }
    if (BUILT_IN.contains(name)) {
      throw new IllegalArgumentException("key resolver name \"" + name + "\" is built in; choose another name");
    }
    if (resolvers.putIfAbsent(name, resolver) != null) {
      throw new IllegalArgumentException("key resolver \"" + name + "\" is already registered");
    }
    return this;
  }

  /** @return the registered resolvers by name, in registration order */
  public Map<String, KeyResolver<RateLimitInvocation>> asMap() {
    return Collections.unmodifiableMap(resolvers);
  }
}
