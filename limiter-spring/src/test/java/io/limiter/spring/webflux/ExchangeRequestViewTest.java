package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.KeyResolver;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.PathSpellings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/** What the WebFlux filter reads from an exchange: the servlet adapter's readings, from WebFlux's request. */
class ExchangeRequestViewTest {

  private static ExchangeRequestView view(MockServerHttpRequest.BaseBuilder<?> request) {
    return ExchangeRequestView.of(MockServerWebExchange.from(request), null);
  }

  /** A request with the path exactly as given (get(String) would encode its percent signs once more). */
  private static MockServerHttpRequest.BaseBuilder<?> raw(String rawPath) {
    return MockServerHttpRequest.method(HttpMethod.GET, URI.create(rawPath));
  }

  private static List<String> spellings(String rawPath) {
    PathSpellings s = view(raw(rawPath)).pathSpellings();
    assertThat(s.refusal()).as(rawPath).isNull();
    return Arrays.asList(s.forMatching(false));
  }

  @Test
  void aPlainPathHasOneSpelling() {
    assertThat(spellings("/api/data")).containsExactly("/api/data");
  }

  @Test
  void theCanonicalSpellingsAndTheReadingWebFluxRoutesBy() {
    // the servlet containers resolve the dots; WebFlux routes /files/x/..;/..;/health under /files/**
    assertThat(spellings("/files/x/..;/..;/health")).contains("/health", "/files/x/../../health");
    assertThat(spellings("/api/%64ata;x=1")).contains("/api/data");
    assertThat(spellings("/api%2Fdata")).contains("/api/data");
  }

  @Test
  void anUnreadablePathIsRefusedAndTheContextPathIsCut() {
    assertThat(view(raw("/api/%C0%AE%C0%AE/x")).pathSpellings().refusal()).isNotNull();
    PathSpellings inContext = view(MockServerHttpRequest.get("/app/api/data").contextPath("/app")).pathSpellings();
    assertThat(inContext.forMatching(false)).containsExactly("/api/data");
  }

  @Test
  void headersPeerPrincipalAndAttributes() {
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/x")
        .header("X-API-Key", "k1").header("X-Forwarded-For", "203.0.113.1", "198.51.100.2")
        .remoteAddress(new InetSocketAddress("2001:db8::1", 443)));
    exchange.getAttributes().put("tenant", "t1");
    HttpRequestView v = ExchangeRequestView.of(exchange, "alice");
    assertThat(v.method()).isEqualTo("GET");
    assertThat(v.header("x-api-key")).isEqualTo("k1");
    assertThat(v.headers("X-Forwarded-For")).containsExactly("203.0.113.1", "198.51.100.2");
    assertThat(v.headers("Absent")).isEmpty();
    assertThat(v.peerAddress()).isEqualTo("2001:db8:0:0:0:0:0:1");
    assertThat(v.principalName()).isEqualTo("alice");
    assertThat(v.attribute("tenant")).isEqualTo("t1");
    // the IPv6 peer keyed by its /64, as on the servlet side
    assertThat(ClientIpResolver.builder().build().resolve(v)).isEqualTo(
        ClientIpResolver.builder().build().resolve(ExchangeRequestView.of(MockServerWebExchange.from(
            MockServerHttpRequest.get("/").remoteAddress(new InetSocketAddress("2001:db8::ffff", 1))), null)));
  }

  @Test
  void anExchangeResolverWorksOnWebFluxOnly() {
    KeyResolver<ServerWebExchange> byQuery = e -> e.getRequest().getQueryParams().getFirst("k");
    KeyResolver<HttpRequestView> adapted = ExchangeRequestView.resolver(byQuery);
    assertThat(adapted.resolve(view(MockServerHttpRequest.get("/x?k=v")))).isEqualTo("v");
    HttpRequestView other = new HttpRequestView() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public PathSpellings pathSpellings() {
        return PathSpellings.of("/");
      }

      @Override
      public String header(String name) {
        return null;
      }

      @Override
      public List<String> headers(String name) {
        return List.of();
      }

      @Override
      public String peerAddress() {
        return null;
      }

      @Override
      public String principalName() {
        return null;
      }

      @Override
      public Object attribute(String name) {
        return null;
      }
    };
    assertThatThrownBy(() -> adapted.resolve(other)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ServerWebExchange");
  }
}
