package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.servlet.EmbeddedApp.Container;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request layer read through {@link ServletRequestView} on both containers, where a client can shape the request:
 * a header field sent several times (the view must give every line in the order received, and the first line as the
 * header's value, as the servlet API does), and all or nothing across path rules (a rule that rejects, or a key the
 * request lacks, leaves no permit taken by the rules decided before it, also across a forward). Raw requests:
 * {@code java.net.http} would not send a header name twice in every spelling. The peer is 127.0.0.1.
 */
class RequestViewIT {

  static Stream<Container> containers() {
    return Stream.of(Container.JETTY, Container.TOMCAT);
  }

  private static int status(EmbeddedApp app, String path, String... headers) {
    return app.raw(path, headers).status();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void forwardingHeaderLinesAreOneChainInTheOrderReceived(Container container) throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    RateLimitFilter filter = RateLimitFilter.builder()
        .clientIp(ClientIpResolver.builder().trustedProxies("127.0.0.1", "10.0.0.0/8").build())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("2/hour").build())
        .listener(listener)
        .build();
    try (EmbeddedApp app = container.builder().filter(filter).servlet("api", new TestServlets.Counting(), "/api/*")
        .start()) {
      // the client's own line comes first, the proxy's appended line last: varying its own line (in any case of the
      // header's name) gives the client no fresh bucket
      for (int i = 0; i < 4; i++) {
        String name = i % 2 == 0 ? "X-Forwarded-For" : "x-FORWARDED-for";
        assertThat(status(app, "/api/x", name, "6.6.6." + i, "X-Forwarded-For", "198.51.100.7, 10.1.1.1"))
            .as("request %d", i).isEqualTo(i < 2 ? 200 : 429);
      }
      // trusted hops are skipped right to left across line boundaries
      assertThat(status(app, "/api/x", "X-Forwarded-For", "6.6.6.6, 203.0.113.9", "X-Forwarded-For", "10.2.2.2",
          "X-Forwarded-For", "10.3.3.3")).isEqualTo(200);
      // an empty line between trusted hops is a malformed hop: the peer's bucket, never a hop further left
      assertThat(status(app, "/api/x", "X-Forwarded-For", "6.6.6.7, 203.0.113.8", "X-Forwarded-For", "",
          "X-Forwarded-For", "10.3.3.3")).isEqualTo(200);
      Set<String> keys = new LinkedHashSet<>(listener.allowedKeys);
      keys.addAll(listener.overLimitKeys);
      assertThat(keys).hasSize(3);
      assertThat(keys).anySatisfy(k -> assertThat(k).endsWith("198.51.100.7"))
          .anySatisfy(k -> assertThat(k).endsWith("203.0.113.9"))
          .anySatisfy(k -> assertThat(k).endsWith("127.0.0.1"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void forwardedLinesAreOneListOfElementsInTheOrderReceived(Container container) throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    RateLimitFilter filter = RateLimitFilter.builder()
        .clientIp(ClientIpResolver.builder().trustedProxies("127.0.0.1", "10.0.0.0/8")
            .forwardedHeader(io.limiter.web.ForwardedHeader.FORWARDED).build())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("2/hour").build())
        .listener(listener)
        .build();
    try (EmbeddedApp app = container.builder().filter(filter).servlet("api", new TestServlets.Counting(), "/api/*")
        .start()) {
      for (int i = 0; i < 3; i++) {
        assertThat(status(app, "/api/x", "Forwarded", "for=6.6.6." + i, "forwarded",
            "for=\"198.51.100.7\";proto=https, for=10.1.1.1")).as("request %d", i).isEqualTo(i < 2 ? 200 : 429);
      }
      // a quoted comma is inside one value, not between elements: malformed, so the peer's bucket
      assertThat(status(app, "/api/x", "Forwarded", "for=\"6.6.6.6, 203.0.113.9\"")).isEqualTo(200);
      assertThat(status(app, "/api/x", "Forwarded", "for=\"6.6.6.6, 203.0.113.10\"")).isEqualTo(200);
      assertThat(status(app, "/api/x", "Forwarded", "for=\"6.6.6.6, 203.0.113.11\"")).as("the peer's bucket spent")
          .isEqualTo(429);
      Set<String> keys = new LinkedHashSet<>(listener.allowedKeys);
      keys.addAll(listener.overLimitKeys);
      assertThat(keys).hasSize(2);
      assertThat(keys).anySatisfy(k -> assertThat(k).endsWith("198.51.100.7"))
          .anySatisfy(k -> assertThat(k).endsWith("127.0.0.1"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void aHeaderKeySentSeveralTimesIsItsFirstLine(Container container) throws Exception {
    try (EmbeddedApp app = container.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "2/hour")
        .param("rule.api.key", "header:X-API-Key")
        .servlet("api", new TestServlets.Counting(), "/api/*").start()) {
      // rotating the later lines gives no fresh bucket
      for (int i = 0; i < 3; i++) {
        assertThat(status(app, "/api/x", "X-API-Key", "alice", "X-API-Key", "rot" + i, "x-api-key", "rot" + i))
            .as("request %d", i).isEqualTo(i < 2 ? 200 : 429);
      }
      assertThat(status(app, "/api/x", "X-API-Key", "rot0", "X-API-Key", "alice")).as("another first line")
          .isEqualTo(200);
      assertThat(status(app, "/api/x", "X-API-Key", "  alice  ")).as("trimmed: alice's bucket").isEqualTo(429);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void aMissingKeyLeavesNoPermitOfTheRulesBeforeIt(Container container) throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder()
        .param("rule.byip.paths", "/api/*").param("rule.byip.limits", "2/hour")
        .param("rule.bykey.paths", "/api/*").param("rule.bykey.limits", "100/hour")
        .param("rule.bykey.key", "header:X-API-Key")
        .servlet("api", api, "/api/*").start()) {
      for (int i = 0; i < 5; i++) {
        assertThat(status(app, "/api/x")).as("no key, request %d", i).isEqualTo(401);
        assertThat(status(app, "/api/x", "X-API-Key", " ")).as("blank key, request %d", i).isEqualTo(401);
      }
      // the IP's bucket was refunded every time: its two permits are still there
      assertThat(status(app, "/api/x", "X-API-Key", "k1")).isEqualTo(200);
      assertThat(status(app, "/api/x", "X-API-Key", "k2")).isEqualTo(200);
      assertThat(status(app, "/api/x", "X-API-Key", "k3")).isEqualTo(429);
      assertThat(api.calls).hasValue(2);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void aRuleThatRejectsLeavesNoPermitOfTheRulesBeforeItOnAnySpelling(Container container) throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder()
        .param("rule.wide.paths", "/api/*").param("rule.wide.limits", "3/hour")
        .param("rule.narrow.paths", "/api/b").param("rule.narrow.limits", "1/hour")
        .servlet("api", api, "/api/*").start()) {
      assertThat(status(app, "/api/b")).isEqualTo(200);
      // every spelling the containers route to /api/b is the narrow rule's, and its rejection refunds the wide one
      for (String spelling : new String[] {"/api/b", "/api//b", "/api/./b", "/api/b;v=1", "/api/%62", "/api/x/../b",
          "/api/b/"}) {
        // (or refused by the container before the filter: Jetty answers 400 to an ambiguous path)
        assertThat(status(app, spelling)).as(spelling).isIn(429, 400);
      }
      assertThat(status(app, "/api/x")).isEqualTo(200);
      assertThat(status(app, "/api/y")).isEqualTo(200);
      assertThat(status(app, "/api/z")).as("the wide rule's third permit: one taken by /api/b").isEqualTo(429);
      assertThat(api.calls).hasValue(3);
    }
  }
  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void aSkippedKeyBetweenRulesKeepsTheRefundsInStep(Container container) throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder()
        .param("rule.byip.paths", "/api/*").param("rule.byip.limits", "3/hour")
        .param("rule.bykey.paths", "/api/*").param("rule.bykey.limits", "1/hour")
        .param("rule.bykey.key", "header:X-API-Key").param("rule.bykey.missing-key", "skip")
        .param("rule.narrow.paths", "/api/b").param("rule.narrow.limits", "1/hour")
        .servlet("api", api, "/api/*").start()) {
      assertThat(status(app, "/api/b")).as("no key: skipped, the IP and narrow charged").isEqualTo(200);
      assertThat(status(app, "/api/b", "X-API-Key", "k")).as("narrow rejects: the IP and k refunded")
          .isEqualTo(429);
      assertThat(status(app, "/api/b")).as("narrow rejects, the key skipped: the IP refunded").isEqualTo(429);
      assertThat(status(app, "/api/x", "X-API-Key", "k")).as("k's only permit is there").isEqualTo(200);
      assertThat(status(app, "/api/x", "X-API-Key", "k")).as("k spent").isEqualTo(429);
      assertThat(status(app, "/api/x")).as("the IP's third permit").isEqualTo(200);
      assertThat(status(app, "/api/x")).as("the IP spent").isEqualTo(429);
      assertThat(api.calls).hasValue(3);
    }
  }
  @ParameterizedTest(name = "{0}")
  @MethodSource("containers")
  void aForwardIntoARejectingLimitRefundsWhatTheRequestDispatchTook(Container container) throws Exception {
    TestServlets.Counting inner = new TestServlets.Counting();
    TestServlets.Counting plain = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder()
        .param("rule.outer.paths", "/api/*").param("rule.outer.limits", "3/hour")
        .param("rule.inner.paths", "/api/inner/*").param("rule.inner.limits", "1/hour")
        .servlet("forward", new TestServlets.Forwarding(), "/api/forward")
        .servlet("inner", inner, "/api/inner/*").servlet("plain", plain, "/api/plain").start()) {
      assertThat(status(app, "/api/inner/x")).isEqualTo(200);
      for (int i = 0; i < 3; i++) {
        // the REQUEST dispatch takes the outer permit, the FORWARD's inner limit rejects: the outer one is refunded
        assertThat(status(app, "/api/forward?to=/api/inner/x")).as("request %d", i).isEqualTo(429);
      }
      assertThat(status(app, "/api/plain")).isEqualTo(200);
      assertThat(status(app, "/api/plain")).isEqualTo(200);
      assertThat(status(app, "/api/plain")).as("outer spent: one by /api/inner/x, two here").isEqualTo(429);
      assertThat(inner.calls).hasValue(1);
      assertThat(plain.calls).hasValue(2);
    }
  }
}
