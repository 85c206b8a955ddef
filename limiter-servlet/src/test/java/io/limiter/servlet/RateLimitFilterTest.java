package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.RateLimitStore;
import io.limiter.test.FailingStore;
import io.limiter.test.ManualTicker;
import io.limiter.web.RateLimitRule;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The filter's decisions against a manual clock, with mocked servlet objects (no container, no sleeping). */
class RateLimitFilterTest {

  private final ManualTicker ticker = new ManualTicker();
  private final AtomicInteger chained = new AtomicInteger();
  private final FilterChain chain = (req, resp) -> chained.incrementAndGet();

  /** A response that records status, headers and body. */
  static final class Recorded {
    final Map<String, String> headers = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    int status = 200;
    final HttpServletResponse response = mock(HttpServletResponse.class);

    Recorded() throws Exception {
      doAnswer(i -> headers.put(i.getArgument(0), i.getArgument(1))).when(response).setHeader(anyString(),
          anyString());
      doAnswer(i -> status = i.<Integer>getArgument(0)).when(response).setStatus(org.mockito.ArgumentMatchers.anyInt());
      when(response.getOutputStream()).thenReturn(new ServletOutputStream() {
        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
        }

        @Override
        public void write(int b) {
          body.write(b);
        }
      });
    }

    String body() {
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  static HttpServletRequest request(String uri) {
    HttpServletRequest request = mock(HttpServletRequest.class);
    Map<String, Object> attributes = new HashMap<>();
    when(request.getMethod()).thenReturn("GET");
    when(request.getRequestURI()).thenReturn("/ctx" + uri);
    when(request.getContextPath()).thenReturn("/ctx");
    when(request.getDispatcherType()).thenReturn(DispatcherType.REQUEST);
    when(request.getRemoteAddr()).thenReturn("192.0.2.1");
    doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(request).setAttribute(anyString(), any());
    when(request.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.<String>getArgument(0)));
    return request;
  }

  static RateLimitFilter init(RateLimitFilter filter) throws Exception {
    ServletContext context = mock(ServletContext.class);
    when(context.getServletRegistrations()).thenReturn(Collections.emptyMap());
    FilterConfig config = mock(FilterConfig.class);
    when(config.getServletContext()).thenReturn(context);
    when(config.getFilterName()).thenReturn("f");
    when(config.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
    filter.init(config);
    return filter;
  }

  @Test
  void refillsWithTheClockAndRetryAfterIsExact() throws Exception {
    RateLimitFilter filter = init(RateLimitFilter.builder()
        .store(RateLimitStore.builder().ticker(ticker).buildInMemory())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("2/minute").build())
        .build());
    for (int i = 0; i < 2; i++) {
      filter.doFilter(request("/api/x"), new Recorded().response, chain);
    }
    Recorded rejected = new Recorded();
    filter.doFilter(request("/api/x"), rejected.response, chain);
    assertThat(chained).hasValue(2);
    assertThat(rejected.status).isEqualTo(429);
    assertThat(rejected.headers).containsEntry("Retry-After", "30").containsEntry("RateLimit", "\"api\";r=0;t=30");

    ticker.advance(Duration.ofSeconds(30).minusNanos(1));
    Recorded stillRejected = new Recorded();
    filter.doFilter(request("/api/x"), stillRejected.response, chain);
    assertThat(stillRejected.status).isEqualTo(429);
    assertThat(stillRejected.headers).containsEntry("Retry-After", "1");

    ticker.advance(Duration.ofNanos(1));
    Recorded allowed = new Recorded();
    filter.doFilter(request("/api/x"), allowed.response, chain);
    assertThat(chained).hasValue(3);
    assertThat(allowed.headers).containsEntry("RateLimit", "\"api\";r=0;t=30").doesNotContainKey("Retry-After");

    Recorded elsewhere = new Recorded();
    filter.doFilter(request("/other"), elsewhere.response, chain);
    assertThat(chained).hasValue(4);
    assertThat(elsewhere.headers).isEmpty();
  }

  /** Held strongly so the level sticks: the expected store failures below would otherwise log stack traces. */
  private static final java.util.logging.Logger FAILURE_LOG =
      java.util.logging.Logger.getLogger(io.limiter.core.spi.StoreFailureHandler.class.getName());

  @Test
  void aFailingStoreFailsClosedWith503OrOpenPerPolicy() throws Exception {
    FAILURE_LOG.setLevel(java.util.logging.Level.SEVERE);
    RateLimitStore broken = FailingStore.down();
    RateLimitFilter filter = init(RateLimitFilter.builder()
        .store(broken)
        .rule(RateLimitRule.builder("closed").paths("/closed").limits("5/minute")
            .failureMode(FailureMode.FAIL_CLOSED).build())
        .rule(RateLimitRule.builder("open").paths("/open").limits("5/minute").build())
        .failClosedRetryAfter(Duration.ofSeconds(7))
        .build());
    Recorded closed = new Recorded();
    filter.doFilter(request("/closed"), closed.response, chain);
    assertThat(closed.status).isEqualTo(503);
    assertThat(closed.headers).containsEntry("Retry-After", "7").doesNotContainKey("RateLimit");
    assertThat(closed.body()).contains("\"status\":503").contains("\"type\":\"about:blank\"")
        .contains("\"violated-policies\":[\"closed\"]");
    assertThat(chained).hasValue(0);

    Recorded open = new Recorded();
    filter.doFilter(request("/open"), open.response, chain);
    assertThat(chained).hasValue(1);
    assertThat(open.headers).isEmpty();
  }

  @Test
  void publishesDecisionsInARequestAttribute() throws Exception {
    RateLimitFilter filter = init(RateLimitFilter.builder()
        .store(RateLimitStore.builder().ticker(ticker).buildInMemory())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("5/minute").build())
        .rule(RateLimitRule.builder("probe").paths("/api/*").limits("1/minute").shadow(true).build())
        .build());
    HttpServletRequest first = request("/api/x");
    filter.doFilter(first, new Recorded().response, chain);
    HttpServletRequest second = request("/api/x");
    Recorded response = new Recorded();
    filter.doFilter(second, response.response, chain);
    @SuppressWarnings("unchecked")
    List<Decision> visible = (List<Decision>) second.getAttribute(RateLimitFilter.DECISIONS_ATTRIBUTE);
    @SuppressWarnings("unchecked")
    List<Decision> shadow = (List<Decision>) second.getAttribute(RateLimitFilter.SHADOW_REJECTIONS_ATTRIBUTE);
    assertThat(visible).singleElement().satisfies(d -> assertThat(d.remaining()).isEqualTo(3));
    assertThat(shadow).singleElement().satisfies(d -> assertThat(d.policy().name()).isEqualTo("probe"));
    assertThat(first.getAttribute(RateLimitFilter.SHADOW_REJECTIONS_ATTRIBUTE)).isNull();
    assertThat(response.headers.get("RateLimit")).isEqualTo("\"api\";r=3;t=12");
    assertThat(chained).hasValue(2);
  }
}
