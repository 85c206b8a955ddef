package io.limiter.bench.overload;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * Netflix concurrency-limits' {@link SimpleLimiter} in front of a servlet, as its own servlet filter does (whose
 * artifact is built for {@code javax.servlet}): a call without a permit gets 429; a call that completes reports
 * success (its round trip feeds the limit), one that throws or answers 5xx reports a drop. Thread-safe as the limiter.
 */
final class ConcurrencyLimitFilter implements Filter {

  private final Limiter<Void> limiter;

  ConcurrencyLimitFilter(Limit limit) {
    this.limiter = SimpleLimiter.newBuilder().limit(limit).build();
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Optional<Limiter.Listener> listener = limiter.acquire(null);
    if (listener.isEmpty()) {
      ((HttpServletResponse) response).setStatus(429);
      return;
    }
    boolean ok = false;
    try {
      chain.doFilter(request, response);
      ok = ((HttpServletResponse) response).getStatus() < 500;
    } finally {
      if (ok) {
        listener.get().onSuccess();
      } else {
        listener.get().onDropped();
      }
    }
  }
}
