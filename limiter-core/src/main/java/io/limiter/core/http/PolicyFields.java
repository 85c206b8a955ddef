package io.limiter.core.http;

import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parts of a policy's IETF fields that never change: its whole {@code RateLimit-Policy} value and each limit's
 * quoted item name. Every web response would otherwise format them again (they were the largest share of the
 * servlet filter's own CPU time in the HTTP benchmark's profile). Cached per equal policy, bounded: step levels and
 * tiers create a few policies each, and past the bound the fields are simply formatted per call. Immutable.
 */
final class PolicyFields {

  private static final int MAX_CACHED = 1024;
  private static final ConcurrentHashMap<LimitPolicy, PolicyFields> CACHE = new ConcurrentHashMap<>();

  /** The {@code RateLimit-Policy} items of the policy. */
  final String policyField;
  /** Per limit, its item name as an sf-string, e.g. {@code "orders/minute"}. */
  final String[] itemNames;

  private PolicyFields(LimitPolicy policy) {
    List<Limit> limits = policy.limits();
    itemNames = new String[limits.size()];
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < itemNames.length; i++) {
      Limit limit = limits.get(i);
      String name = limits.size() == 1 ? policy.name() : policy.name() + "/" + limit.periodText();
      itemNames[i] = RateLimitHeaders.appendSfString(new StringBuilder(), name).toString();
      if (i > 0) {
        field.append(", ");
      }
      field.append(itemNames[i]).append(";q=").append(limit.permits())
          .append(";w=").append(Math.max(1, RateLimitHeaders.ceilSeconds(limit.periodNanos())));
    }
    policyField = field.toString();
  }

  static PolicyFields of(LimitPolicy policy) {
    PolicyFields fields = CACHE.get(policy);
    if (fields == null) {
      fields = new PolicyFields(policy);
      if (CACHE.size() < MAX_CACHED) {
        PolicyFields raced = CACHE.putIfAbsent(policy, fields);
        fields = raced != null ? raced : fields;
      }
    }
    return fields;
  }
}
