package io.limiter.spring.internal;

import io.limiter.core.Decision;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.aop.RateLimitAspectSupport;
import jakarta.servlet.http.HttpServletResponse;
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
    RateLimitHeaders.write(decisions, headerMode, response::setHeader);
  }
}
