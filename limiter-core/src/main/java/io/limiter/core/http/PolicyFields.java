package io.limiter.core.http;

import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import java.util.List;

/**
 * The parts of a policy's IETF fields that never change: its whole {@code RateLimit-Policy} value and each limit's
 * quoted item name. Every web response would otherwise format them again (they were the largest share of the
 * servlet filter's own CPU time in the HTTP benchmark's profile). Cached per equal policy by each
 * {@link RateLimitHeaders.Writer}, never in a static cache (which would pin a web application's classes after a
 * redeploy). Immutable.
 */
final class PolicyFields {

  /** The {@code RateLimit-Policy} items of the policy. */
  final String policyField;
  /** Per limit, its item name as an sf-string, e.g. {@code "orders/minute"}. */
  final String[] itemNames;
  /** Whether the policy caps calls in flight: its items carry the draft's {@code qu} and no time parameters. */
  final boolean concurrent;
  /** The length of the longest item name: a size hint for the {@code RateLimit} field. */
  final int itemLength;

  PolicyFields(LimitPolicy policy) {
    List<Limit> limits = policy.limits();
    itemNames = new String[limits.size()];
    StringBuilder field = new StringBuilder();
    concurrent = limits.get(0).isConcurrent();
    for (int i = 0; i < itemNames.length; i++) {
      Limit limit = limits.get(i);
      String name = limits.size() == 1 ? policy.name() : policy.name() + "/" + limit.periodText();
      itemNames[i] = RateLimitHeaders.appendSfString(new StringBuilder(), name).toString();
      if (i > 0) {
        field.append(", ");
      }
      field.append(itemNames[i]).append(";q=").append(limit.permits());
      if (concurrent) {
        // the draft's unit for calls in flight; a window would be the lease, which says nothing to a client
        field.append(";qu=\"concurrent-requests\"");
      } else {
        field.append(";w=").append(Math.max(1, RateLimitHeaders.ceilSeconds(limit.periodNanos())));
      }
    }
    policyField = field.toString();
    int longest = 0;
    for (String name : itemNames) {
      longest = Math.max(longest, name.length());
    }
    itemLength = longest;
  }
}
