package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Repository;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/servlet.md's Java blocks: the programmatic filter is the region {@code builder} below, run against a servlet
 * context; the annotated servlets' annotations are written here with the same text and read by the filter's
 * annotation support.
 */
class ServletSnippetsTest {

  private static RateLimitFilter builder(ServletContext servletContext, RateLimitListener myMetricsListener) {
    // tag::builder[]
    RateLimitFilter filter = RateLimitFilter.builder()
        .clientIp(ClientIpResolver.builder().trustedProxies("10.0.0.0/8").build())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("100/minute").build())
        .rule(RateLimitRule.builder("login").paths("/login").methods("POST").limits("5/minute").build())
        .exclude("/health")
        .store(RateLimitStore.inMemory())          // or a shared RateLimiterRegistry: .registry(registry)
        .listener(myMetricsListener)
        .build();
    servletContext.addFilter("rateLimit", filter)
        .addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");
    // end::builder[]
    return filter;
  }

  @Test
  void theProgrammaticFilterIsAddedToTheContext() {
    ServletContext context = mock(ServletContext.class);
    FilterRegistration.Dynamic registration = mock(FilterRegistration.Dynamic.class);
    when(context.addFilter(eq("rateLimit"), any(jakarta.servlet.Filter.class))).thenReturn(registration);
    RateLimitFilter filter = builder(context, new RateLimitListener() { });
    verify(context).addFilter("rateLimit", filter);
    verify(registration).addMappingForUrlPatterns(any(), anyBoolean(), eq("/*"));
  }

  /** The page's first servlet. */
  @RateLimit("5/minute")                          // every method of this servlet, per client IP
  public static class GreetingServlet extends HttpServlet {
  }

  /** The page's second servlet. */
  public static class ReportServlet extends HttpServlet {
    @Override
    @RateLimit(value = "3/minute", key = "header:X-API-Key")   // GET only, per API key
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
    }
  }

  @Test
  void theAnnotatedServletsAreWrittenHereAndRead() throws Exception {
    String self = Repository.read(Repository.root()
        .resolve("limiter-docs/src/test/java/io/limiter/servlet/ServletSnippetsTest.java")).replaceAll("\\s+", " ");
    List<String> annotations = DocBlock.of("docs/servlet.md#annotated-servlets").annotations();
    assertThat(annotations).containsExactly("@RateLimit(\"5/minute\")", "@Override",
        "@RateLimit(value = \"3/minute\", key = \"header:X-API-Key\")");
    annotations.forEach(a -> assertThat(self).contains(a));
    assertThat(GreetingServlet.class.getAnnotation(RateLimit.class).value()).isEqualTo("5/minute");
    RateLimit report = ReportServlet.class.getDeclaredMethod("doGet", HttpServletRequest.class,
        HttpServletResponse.class).getAnnotation(RateLimit.class);
    assertThat(report.key()).isEqualTo("header:X-API-Key");
  }
}
