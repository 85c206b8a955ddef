package io.limiter.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.LocalBucket;
import io.limiter.core.RateLimitStore;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The comparison filter: what a Bucket4j user writes by hand, following Bucket4j's documentation — one local bucket
 * per client IP in a bounded Caffeine cache, {@code tryConsumeAndReturnRemaining(1)}, an
 * {@code X-Rate-Limit-Remaining} header when allowed and 429 with {@code X-Rate-Limit-Retry-After-Seconds} when not.
 * Requests whose path starts with {@code /limited} use a separate, exhausted limit (to measure the reject path).
 *
 * <p>Thread-safe.
 */
public final class Bucket4jIpFilter implements Filter {

  private final Cache<String, LocalBucket> buckets = Caffeine.newBuilder()
      .maximumSize(RateLimitStore.defaultMaxKeys())
      .expireAfterAccess(Duration.ofHours(1))
      .build();
  private final Function<String, LocalBucket> open;
  private final Function<String, LocalBucket> limited;

  /**
   * @param open the limit of ordinary paths
   * @param limited the limit of paths under {@code /limited}
   */
  public Bucket4jIpFilter(LimitShape open, LimitShape limited) {
    this.open = ip -> open.bucket4j();
    this.limited = ip -> limited.bucket4j();
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String ip = request.getRemoteAddr();
    LocalBucket bucket = request.getRequestURI().startsWith("/limited")
        ? buckets.get("limited:" + ip, limited)
        : buckets.get(ip, open);
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      response.setHeader("X-Rate-Limit-Remaining", Long.toString(probe.getRemainingTokens()));
      chain.doFilter(req, res);
    } else {
      long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()));
      response.setHeader("X-Rate-Limit-Retry-After-Seconds", Long.toString(seconds));
      response.sendError(429, "Too Many Requests");
    }
  }
}
