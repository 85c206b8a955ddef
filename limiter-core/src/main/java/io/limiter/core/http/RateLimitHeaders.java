package io.limiter.core.http;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Formats {@link Decision}s as HTTP header fields, for every web integration (servlet filter, Spring MVC, …).
 *
 * <h2>IETF fields (draft-ietf-httpapi-ratelimit-headers-10, structured fields per RFC 9651)</h2>
 * One quota policy item per limit of every policy that decided the request:
 * <pre>
 * RateLimit-Policy: "orders/minute";q=10;w=60, "orders/hour";q=100;w=3600
 * RateLimit: "orders/minute";r=0;t=6, "orders/hour";r=90;t=36
 * </pre>
 * The item name is the policy name for a single-limit policy, else {@code <policy>/<period>}; it is an sf-string
 * ({@code "} and {@code \} escaped; characters outside printable ASCII replaced by {@code ?}). {@code q} is the
 * limit's permits and {@code w} its period in seconds (rounded up, at least 1); {@code r} the permits remaining
 * (never negative) and {@code t} the seconds until more quota is available (rounded up; 0 when full).
 *
 * <p>A {@link io.limiter.core.Limit#concurrent concurrency limit} is written in the draft's
 * {@code concurrent-requests} quota unit, without time parameters (a permit comes back when a call ends, which no one
 * can predict): {@code "chat";q=5;qu="concurrent-requests"} and {@code "chat";r=2}. A request it rejects gets
 * {@code Retry-After: 1}.
 *
 * <h2>Retry-After</h2>
 * {@code ceil(retryAfter)} in whole seconds, at least 1 (never 0 from truncation), and never earlier than the
 * {@code t} of the rejecting limit's item (other items' {@code t} says when <em>they</em> gain quota, which may be later
 * without mattering for the retry). A request that can never succeed gets no {@code Retry-After}.
 *
 * <p>Degraded decisions (the store failed) carry no rate limit fields, since nothing is known about the quota, and
 * neither do {@link Decision#unlimited() unlimited} ones (a client tier without a limit).
 * All methods are thread-safe. The static ones format a policy's fixed field parts on every call; a {@link #writer()}
 * keeps them in its own bounded cache, so a filter or handler that writes the fields of every response creates one
 * writer and uses it (no JVM-global state: the cache goes with its owner, e.g. on a web application's redeploy).
 */
public final class RateLimitHeaders {

  /** {@code RateLimit-Policy}. */
  public static final String POLICY = "RateLimit-Policy";
  /** {@code RateLimit}. */
  public static final String RATE_LIMIT = "RateLimit";
  /** {@code Retry-After}. */
  public static final String RETRY_AFTER = "Retry-After";
  /** {@code X-RateLimit-Limit}. */
  public static final String LEGACY_LIMIT = "X-RateLimit-Limit";
  /** {@code X-RateLimit-Remaining}. */
  public static final String LEGACY_REMAINING = "X-RateLimit-Remaining";
  /** {@code X-RateLimit-Reset}. */
  public static final String LEGACY_RESET = "X-RateLimit-Reset";

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private RateLimitHeaders() {
  }

  /**
   * Writes the fields for the decisions of one request: the rate limit fields in {@code mode}, and
   * {@code Retry-After} if any decision rejected the request.
   *
   * @param decisions the decisions of every policy that applied, in order; may be empty
   * @param mode which rate limit fields to write
   * @param header receives (name, value) pairs, e.g. {@code response::setHeader}
   */
  public static void write(List<Decision> decisions, HeaderMode mode, BiConsumer<String, String> header) {
    write(decisions, mode, header, PolicyFields::new);
  }

  /** Room for an item's parts besides its name: ", ", ";r=" and ";t=" with numbers of a few digits. */
  private static final int ITEM_NUMBERS = 24;

  /**
   * @return a writer with its own cache of each policy's fixed field parts; thread-safe, one per filter or handler
   */
  public static Writer writer() {
    return new Writer();
  }

  /**
   * Writes the fields as {@link RateLimitHeaders#write(List, HeaderMode, BiConsumer)} does, keeping each policy's
   * fixed parts (its {@code RateLimit-Policy} value and item names) in a cache of its own, bounded to 1024 policies
   * (past the bound they are formatted per call). Thread-safe.
   */
  public static final class Writer {

    private static final int MAX_CACHED = 1024;
    private final ConcurrentHashMap<LimitPolicy, PolicyFields> cache = new ConcurrentHashMap<>();

    private Writer() {
    }

    /**
     * @param decisions the decisions of every policy that applied, in order; may be empty
     * @param mode which rate limit fields to write
     * @param header receives (name, value) pairs, e.g. {@code response::setHeader}
     */
    public void write(List<Decision> decisions, HeaderMode mode, BiConsumer<String, String> header) {
      RateLimitHeaders.write(decisions, mode, header, lookup);
    }

    /** {@link #fields}, bound once rather than per response. */
    private final Function<LimitPolicy, PolicyFields> lookup = this::fields;

    private PolicyFields fields(LimitPolicy policy) {
      PolicyFields fields = cache.get(policy);
      if (fields == null) {
        fields = new PolicyFields(policy);
        if (cache.size() < MAX_CACHED) {
          PolicyFields raced = cache.putIfAbsent(policy, fields);
          fields = raced != null ? raced : fields;
        }
      }
      return fields;
    }
  }

  private static void write(List<Decision> decisions, HeaderMode mode, BiConsumer<String, String> header,
      Function<LimitPolicy, PolicyFields> fields) {
    Objects.requireNonNull(decisions, "decisions");
    Objects.requireNonNull(header, "header");
    if (mode == HeaderMode.IETF || mode == HeaderMode.BOTH) {
      String policy = policyField(decisions, fields);
      if (!policy.isEmpty()) {
        header.accept(POLICY, policy);
        header.accept(RATE_LIMIT, rateLimitField(decisions, fields));
      }
    }
    if (mode == HeaderMode.LEGACY || mode == HeaderMode.BOTH) {
      Decision tightest = tightest(decisions);
      if (tightest != null) {
        header.accept(LEGACY_LIMIT, Long.toString(tightest.limit().permits()));
        header.accept(LEGACY_REMAINING, Long.toString(tightest.remaining()));
        header.accept(LEGACY_RESET, Long.toString(ceilSeconds(tightest.resetAfterNanos())));
      }
    }
    long retryAfter = retryAfterSeconds(decisions);
    if (retryAfter > 0) {
      header.accept(RETRY_AFTER, Long.toString(retryAfter));
    }
  }

  /**
   * @param decision the decision of one policy
   * @param mode which rate limit fields to write
   * @param header receives (name, value) pairs
   */
  public static void write(Decision decision, HeaderMode mode, BiConsumer<String, String> header) {
    write(List.of(decision), mode, header);
  }

  /**
   * Returns the {@code Retry-After} seconds for the decisions of one request: the longest wait of any rejection,
   * rounded up, at least 1; 0 if nothing was rejected or no retry can succeed.
   *
   * @param decisions the decisions
   * @return delay-seconds, or 0 for no header
   */
  public static long retryAfterSeconds(List<Decision> decisions) {
    long max = 0;
    for (int k = 0; k < decisions.size(); k++) { // indexed: no iterator per response
      Decision d = decisions.get(k);
      if (d.rejected()) {
        if (d.retryAfterNanos() == Decision.NEVER) {
          return 0;
        }
        // calls in flight end at no known time (the decision's wait is the oldest lease's expiry): try again soon
        long wait = d.policy().algorithm() == io.limiter.core.Algorithm.CONCURRENCY ? NANOS_PER_SECOND
            : Math.max(d.retryAfterNanos(), d.refillAfterNanos());
        max = Math.max(max, Math.max(1, ceilSeconds(wait)));
      }
    }
    return max;
  }

  /**
   * @param decision one decision
   * @return its {@code Retry-After} seconds, or 0 for none
   */
  public static long retryAfterSeconds(Decision decision) {
    return retryAfterSeconds(List.of(decision));
  }

  /**
   * @param decisions the decisions of one request
   * @return the {@code RateLimit-Policy} field value, or "" if there is nothing to say
   */
  public static String policyField(List<Decision> decisions) {
    return policyField(decisions, PolicyFields::new);
  }

  private static String policyField(List<Decision> decisions, Function<LimitPolicy, PolicyFields> fields) {
    String single = null;
    StringBuilder sb = null;
    for (int k = 0; k < decisions.size(); k++) { // indexed: no iterator per response
      Decision d = decisions.get(k);
      if (d.degraded() || d.unlimited()) {
        continue;
      }
      String field = fields.apply(d.policy()).policyField;
      if (single == null && sb == null) {
        single = field; // the usual case, one policy: the cached string as it is
      } else {
        if (sb == null) {
          sb = new StringBuilder(single);
        }
        sb.append(", ").append(field);
      }
    }
    return sb != null ? sb.toString() : single != null ? single : "";
  }

  /**
   * @param decisions the decisions of one request
   * @return the {@code RateLimit} field value, or "" if there is nothing to say
   */
  public static String rateLimitField(List<Decision> decisions) {
    return rateLimitField(decisions, PolicyFields::new);
  }

  private static String rateLimitField(List<Decision> decisions, Function<LimitPolicy, PolicyFields> fields) {
    StringBuilder sb = null;
    for (int k = 0; k < decisions.size(); k++) {
      Decision d = decisions.get(k);
      if (d.degraded() || d.unlimited()) {
        continue;
      }
      PolicyFields f = fields.apply(d.policy());
      String[] names = f.itemNames;
      if (sb == null) {
        if ((f.concurrent || names.length == 1) && noneAfter(decisions, k)) {
          // one item, the usual field: item(..) of an empty builder, concatenated at its exact length instead
          long refill = f.concurrent ? -1 : d.refillAfterNanos();
          return refill >= 0 ? names[0] + ";r=" + d.remaining() + ";t=" + ceilSeconds(refill)
              : names[0] + ";r=" + d.remaining();
        }
        // sized for every decision's items like the first one's (names, ";r=" and ";t=" with their numbers): the
        // builder does not grow on the way for the usual one or two policies
        sb = new StringBuilder((f.itemLength + ITEM_NUMBERS) * names.length * (decisions.size() - k));
      }
      if (f.concurrent) {
        item(sb, names[0], d.remaining(), -1);
      } else if (names.length == 1) {
        // one limit: the decision's own fields are its state (no LimitState list to allocate)
        item(sb, names[0], d.remaining(), d.refillAfterNanos());
      } else {
        List<Decision.LimitState> states = d.limitStates();
        for (int i = 0; i < names.length; i++) {
          item(sb, names[i], states.get(i).remaining(), states.get(i).refillAfterNanos());
        }
      }
    }
    return sb == null ? "" : sb.toString();
  }

  /** @return whether no decision after index {@code k} has fields */
  private static boolean noneAfter(List<Decision> decisions, int k) {
    for (int i = k + 1; i < decisions.size(); i++) {
      Decision d = decisions.get(i);
      if (!d.degraded() && !d.unlimited()) {
        return false;
      }
    }
    return true;
  }

  /** One item; {@code refillAfterNanos < 0}: none (a concurrency limit). */
  private static void item(StringBuilder sb, String name, long remaining, long refillAfterNanos) {
    if (sb.length() > 0) {
      sb.append(", ");
    }
    sb.append(name).append(";r=").append(remaining);
    if (refillAfterNanos >= 0) {
      sb.append(";t=").append(ceilSeconds(refillAfterNanos));
    }
  }

  /**
   * Appends {@code value} as an RFC 9651 sf-string: quoted, with {@code "} and {@code \} escaped; characters outside
   * printable ASCII (which sf-strings cannot carry) become {@code ?}.
   *
   * @param sb where to append
   * @param value the text
   * @return {@code sb}
   */
  public static StringBuilder appendSfString(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7E) {
        sb.append('?');
      } else {
        sb.append(c);
      }
    }
    return sb.append('"');
  }

  /** The rejecting decision with the longest wait, else the admitting one with the fewest permits left. */
  private static @Nullable Decision tightest(List<Decision> decisions) {
    Decision best = null;
    for (int k = 0; k < decisions.size(); k++) { // indexed: no iterator per response
      Decision d = decisions.get(k);
      if (d.degraded() || d.unlimited()) {
        continue;
      }
      if (best == null) {
        best = d;
      } else if (d.rejected() != best.rejected()) {
        best = d.rejected() ? d : best;
      } else if (d.rejected() ? d.retryAfterNanos() > best.retryAfterNanos() : d.remaining() < best.remaining()) {
        best = d;
      }
    }
    return best;
  }

  /**
   * @param nanos a non-negative duration
   * @return whole seconds, rounded up
   */
  public static long ceilSeconds(long nanos) {
    if (nanos <= 0) {
      return 0;
    }
    return nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
  }
}
