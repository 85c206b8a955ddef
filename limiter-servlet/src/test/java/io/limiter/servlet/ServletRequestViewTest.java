package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.limiter.core.KeyResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.PathSpellings;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The servlet adapter of {@link HttpRequestView}: what it reads from the request, per dispatch. */
class ServletRequestViewTest {

  private final HttpServletRequest request = mock(HttpServletRequest.class);

  @Test
  void readsMethodHeadersPeerPrincipalAndAttributes() {
    when(request.getMethod()).thenReturn("PATCH");
    when(request.getHeader("X-Key")).thenReturn("k1");
    when(request.getHeaders("X-Forwarded-For")).thenReturn(Collections.enumeration(List.of("1.1.1.1", "2.2.2.2")));
    when(request.getRemoteAddr()).thenReturn("[2001:db8::1]");
    Principal alice = () -> "alice";
    when(request.getUserPrincipal()).thenReturn(alice);
    when(request.getAttribute("plan")).thenReturn(42);
    ServletRequestView view = ServletRequestView.of(request);
    assertThat(view.method()).isEqualTo("PATCH");
    assertThat(view.header("X-Key")).isEqualTo("k1");
    assertThat(view.header("X-Other")).isNull();
    assertThat(view.headers("X-Forwarded-For")).containsExactly("1.1.1.1", "2.2.2.2");
    assertThat(view.headers("X-Other")).as("absent (the container answers null or empty)").isEmpty();
    assertThat(view.peerAddress()).isEqualTo("[2001:db8::1]");
    assertThat(view.principalName()).isEqualTo("alice");
    assertThat(view.attribute("plan")).isEqualTo(42);
    assertThat(view.request()).isSameAs(request);
  }

  @Test
  void anonymousRequestHasNoPrincipalName() {
    assertThat(ServletRequestView.of(request).principalName()).isNull();
  }

  @Test
  void aRequestDispatchRefusesAnUnreadablePathAndComputesItOnce() {
    when(request.getDispatcherType()).thenReturn(DispatcherType.REQUEST);
    when(request.getRequestURI()).thenReturn("/app/api/%zz");
    when(request.getContextPath()).thenReturn("/app");
    ServletRequestView view = ServletRequestView.of(request);
    PathSpellings path = view.pathSpellings();
    assertThat(path.refusal()).isNotNull();
    assertThat(view.pathSpellings()).isSameAs(path);
    verify(request, times(1)).getRequestURI();
  }

  @Test
  void aForwardIsNotRefusedAndAnIncludeReadsItsTarget() {
    when(request.getDispatcherType()).thenReturn(DispatcherType.FORWARD);
    when(request.getRequestURI()).thenReturn("/app/api/%zz");
    when(request.getContextPath()).thenReturn("/app");
    assertThat(ServletRequestView.of(request).pathSpellings().refusal()).isNull();

    HttpServletRequest include = mock(HttpServletRequest.class);
    when(include.getDispatcherType()).thenReturn(DispatcherType.INCLUDE);
    when(include.getRequestURI()).thenReturn("/app/page");
    when(include.getAttribute(RequestDispatcher.INCLUDE_REQUEST_URI)).thenReturn("/app/api//data/");
    when(include.getAttribute(RequestDispatcher.INCLUDE_CONTEXT_PATH)).thenReturn("/app");
    PathSpellings spellings = ServletRequestView.of(include).pathSpellings();
    assertThat(spellings.refusal()).isNull();
    assertThat(spellings.get(0)).isEqualTo("/api/data");
  }

  @Test
  void aServletResolverReadsTheServletRequestAndRefusesAnotherStacksRequest() {
    when(request.getRequestedSessionId()).thenReturn("s1");
    KeyResolver<HttpRequestView> bySession = ServletRequestView.resolver(HttpServletRequest::getRequestedSessionId);
    assertThat(bySession.resolve(ServletRequestView.of(request))).isEqualTo("s1");
    HttpRequestView other = (HttpRequestView) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {HttpRequestView.class}, (proxy, method, args) -> null);
    assertThatThrownBy(() -> bySession.resolve(other)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reads an HttpServletRequest");
  }
}
