package io.limiter.spring.internal;

import io.limiter.core.Decision;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.servlet.RateLimitFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Puts the {@code RateLimit} fields of an admitted call on the response, before the handler writes it, when the call
 * is the Spring MVC handler method of the current request (not, say, a rate limited service it calls).
 */
public final class MvcAdmissionHandler implements RateLimitAspectSupport.AdmissionHandler {

  private final HeaderMode headerMode;
  private final RateLimitHeaders.Writer fields = RateLimitHeaders.writer();

  /**
   * @param headerMode which fields to write
   */
  public MvcAdmissionHandler(HeaderMode headerMode) {
    this.headerMode = headerMode;
  }

  @Override
  public void admitted(RateLimitInvocation invocation, List<Decision> decisions) {
    if (headerMode == HeaderMode.NONE) {
      return;
    }
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    if (!(attributes instanceof ServletRequestAttributes servlet)) {
      return;
    }
    HttpServletResponse response = servlet.getResponse();
    Object handler = servlet.getRequest().getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
    if (response == null || response.isCommitted() || !(handler instanceof HandlerMethod method)
        || !method.getMethod().equals(invocation.getMethod())) {
      return;
    }
    fields.write(withFilterDecisions(servlet.getRequest(), decisions), headerMode, response::setHeader);
  }

  /**
   * Prepends the decisions of limiter-servlet's filter (URL rules) for this request, so that the response describes
   * every limit that applied instead of the last writer's.
   *
   * @param request the request
   * @param decisions the decisions of the annotations
   * @return all decisions, the filter's first
   */
  public static List<Decision> withFilterDecisions(HttpServletRequest request, List<Decision> decisions) {
    Object filtered = request.getAttribute(RateLimitFilter.DECISIONS_ATTRIBUTE);
    if (!(filtered instanceof List<?> list) || list.isEmpty()) {
      return decisions;
    }
    List<Decision> all = new ArrayList<>(list.size() + decisions.size());
    for (Object o : list) {
      if (o instanceof Decision d) {
        all.add(d);
      }
    }
    all.addAll(decisions);
    return all;
  }
}
