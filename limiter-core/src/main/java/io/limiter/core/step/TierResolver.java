package io.limiter.core.step;

import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Names the client tier (plan) of a request, e.g. from an API-key lookup, a header, a principal's authority or a
 * request attribute. Generic over the request context, like {@link io.limiter.core.KeyResolver}, so the core knows
 * no servlet or Spring type; any {@code KeyResolver<C>} is a tier resolver too ({@code keyResolver::resolve}).
 *
 * <p>Returns the tier's name (matched case-insensitively against the {@link Tiers}), or null when the request names
 * none; missing and unknown tiers get the declared default. Implementations must be thread-safe and fast; they run on
 * every request.
 *
 * @param <C> the request context
 */
@FunctionalInterface
public interface TierResolver<C> {

  /**
   * @param context the request context
   * @return the tier name, or null if the request has none
   */
  @Nullable String resolve(C context);


  /**
   * Returns a resolver that tries this one, then {@code fallback} when this one names no tier.
   *
   * @param fallback the next resolver
   * @return the combined resolver
   */
  default TierResolver<C> orElse(TierResolver<C> fallback) {
    Objects.requireNonNull(fallback, "fallback");
    return context -> {
      String tier = resolve(context);
      return tier == null || tier.isBlank() ? fallback.resolve(context) : tier;
    };
  }

  /**
   * Returns a resolver that always names the same tier: every client of an endpoint on one plan.
   *
   * @param tier the tier name
   * @param <C> the request context
   * @return the resolver
   */
  static <C> TierResolver<C> constant(String tier) {
    Objects.requireNonNull(tier, "tier");
    return context -> tier;
  }

  /**
   * Returns a resolver that finds the first value starting with {@code prefix} and names the tier after the rest:
   * with prefix {@code PLAN_}, the authorities {@code [ROLE_USER, PLAN_pro]} name the tier {@code pro}. Suited to
   * principal authorities or group memberships.
   *
   * @param values the values of a request, e.g. its principal's authorities; may return null
   * @param prefix the prefix that marks a tier value, not empty
   * @param <C> the request context
   * @return the resolver
   */
  static <C> TierResolver<C> fromPrefixed(Function<? super C, ? extends Iterable<String>> values, String prefix) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException("prefix must not be empty");
    }
    return context -> {
      Iterable<String> all = values.apply(context);
      if (all != null) {
        for (String value : all) {
          if (value != null && value.length() > prefix.length() && value.startsWith(prefix)) {
            return value.substring(prefix.length());
          }
        }
      }
      return null;
    };
  }
}
