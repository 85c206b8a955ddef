package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.servlet.EmbeddedApp.Container;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client-identity suite: who a client is, over real sockets on both containers and both address families. The
 * peer is {@code 127.0.0.1} or {@code [::1]}; Jetty 12 reports an IPv6 peer in brackets, Tomcat without, so these
 * tests are where a container's spelling of the peer would show.
 *
 * <p>Keys are compared by their ending (the client's address or network), so the layout of stored keys (a kind prefix)
 * may change without touching this suite.
 */
class ClientIdentityIT {

  static Stream<Arguments> containersAndLoopbacks() {
    return Stream.of(Container.JETTY, Container.TOMCAT)
        .flatMap(c -> Stream.of(Arguments.of(c, "127.0.0.1", "127.0.0.1"), Arguments.of(c, "::1", "::/64")));
  }

  private static RateLimitFilter apiFilter(String limit, TestServlets.Recording listener, String... trustedProxies) {
    return RateLimitFilter.builder()
        .clientIp(ClientIpResolver.builder().trustedProxies(trustedProxies).build())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits(limit).build())
        .listener(listener)
        .build();
  }

  /** One spoofed header: X-Forwarded-For, Forwarded or X-Real-IP, in every spelling a forger might try. */
  private static String[] spoofed(Random random, int i) {
    String v4 = random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
    String v6 = "2001:db8:" + Integer.toHexString(random.nextInt(0x10000)) + ":" + Integer.toHexString(i) + "::"
        + Integer.toHexString(random.nextInt(0x10000));
    String[] forms = {v4, v6, "[" + v6 + "]:" + random.nextInt(65536), v6 + "%eth0", "::ffff:" + v4, "64:ff9b::" + v4,
        v4 + ":" + random.nextInt(65536), "::1", "127.0.0.1", "10.0.0." + random.nextInt(256), "unknown", "_hidden",
        v4 + ", 10.0.0.7", v4 + ", ::1", "fd00::" + Integer.toHexString(i)};
    String form = forms[random.nextInt(forms.length)];
    switch (i % 4) {
      case 0:
        return new String[] {"X-Forwarded-For", form};
      case 1:
        return new String[] {"Forwarded", "for=\"" + form + "\";proto=https"};
      case 2:
        return new String[] {"X-Real-IP", form};
      default:
        return new String[] {"X-Forwarded-For", form, "Forwarded", "for=" + v4 + ";for=" + form, "X-Real-IP", v4};
    }
  }

  @ParameterizedTest(name = "{0} peer {1}")
  @MethodSource("containersAndLoopbacks")
  void aThousandSpoofedHeadersFromAnUntrustedPeerShareThePeersBucket(Container container, String host,
      String peerKey) throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    // trusted proxies that are not the loopback peer, in both families
    RateLimitFilter filter = apiFilter("10/hour", listener, "10.0.0.0/8", "fd00::/8");
    TestServlets.Counting api = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder().host(host).filter(filter).servlet("api", api, "/api/*").start()) {
      Random random = new Random(11);
      Map<Integer, Integer> statuses = new HashMap<>();
      for (int i = 0; i < 1000; i++) {
        statuses.merge(app.get("/api/x", spoofed(random, i)).statusCode(), 1, Integer::sum);
      }
      assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(200, 10, 429, 990));
      assertThat(api.calls).hasValue(10);
      Set<String> keys = new LinkedHashSet<>(listener.allowedKeys);
      keys.addAll(listener.overLimitKeys);
      assertThat(keys).as("one bucket: the peer's").hasSize(1);
      assertThat(keys.iterator().next()).endsWith(peerKey);
    }
  }

  @ParameterizedTest(name = "{0} via proxy {1}")
  @MethodSource("containersAndLoopbacks")
  void clientsBehindATrustedProxyAreGroupedByTheirOwnNetworkHoweverTheyAreSpelled(Container container, String host,
      String peerKey) throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    // the loopback peer is the proxy, written as a network of its own family
    RateLimitFilter filter = apiFilter("3/hour", listener, host.equals("::1") ? "::1/128" : "127.0.0.1/32");
    TestServlets.Counting api = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder().host(host).filter(filter).servlet("api", api, "/api/*").start()) {
      // five addresses of one /64, spelled five ways: one bucket of 3
      List<String> oneNetwork = List.of("2001:db8:1:2::1", "[2001:db8:1:2::2]:443", "2001:db8:1:2:0:0:0:3%eth0",
          "[2001:DB8:1:2::4%25eth1]", "2001:0db8:0001:0002:ffff:ffff:ffff:ffff");
      for (int i = 0; i < oneNetwork.size(); i++) {
        assertThat(app.get("/api/x", "X-Forwarded-For", oneNetwork.get(i)).statusCode())
            .as("%s in 2001:db8:1:2::/64", oneNetwork.get(i)).isEqualTo(i < 3 ? 200 : 429);
      }
      // the neighbouring /64s are other subscribers
      assertThat(app.get("/api/x", "X-Forwarded-For", "2001:db8:1:3::1").statusCode()).isEqualTo(200);
      assertThat(app.get("/api/x", "X-Forwarded-For", "[2001:db8:1:1::1]:80").statusCode()).isEqualTo(200);
      // one IPv4 host, reached natively, IPv4-mapped, through NAT64 and IPv4-compatible: one bucket of 3
      List<String> oneHost = List.of("198.51.100.7", "::ffff:198.51.100.7", "[64:ff9b::c633:6407]:80",
          "64:ff9b::198.51.100.7", "::198.51.100.7");
      for (int i = 0; i < oneHost.size(); i++) {
        assertThat(app.get("/api/x", "X-Forwarded-For", oneHost.get(i)).statusCode()).as(oneHost.get(i))
            .isEqualTo(i < 3 ? 200 : 429);
      }
      // a malformed hop is no client: the proxy's own bucket
      assertThat(app.get("/api/x", "X-Forwarded-For", "garbage").statusCode()).isEqualTo(200);
      assertThat(api.calls).hasValue(9);
      Set<String> keys = new LinkedHashSet<>(listener.allowedKeys);
      keys.addAll(listener.overLimitKeys);
      assertThat(keys).hasSize(5);
      assertThat(keys).anySatisfy(k -> assertThat(k).endsWith("2001:db8:1:2::/64"))
          .anySatisfy(k -> assertThat(k).endsWith("2001:db8:1:3::/64"))
          .anySatisfy(k -> assertThat(k).endsWith("2001:db8:1:1::/64"))
          .anySatisfy(k -> assertThat(k).endsWith("198.51.100.7"))
          .anySatisfy(k -> assertThat(k).endsWith(peerKey));
    }
  }

  @ParameterizedTest(name = "{0} via proxy {1}")
  @MethodSource("containersAndLoopbacks")
  void rfc7239ForwardedFromATrustedProxy(Container container, String host, String peerKey) throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    try (EmbeddedApp app = container.builder().host(host)
        .param("client-ip.trusted-proxies", host.equals("::1") ? "[::1]" : "127.0.0.1").param("client-ip.forwarded-header", "forwarded")
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "2/hour")
        .servlet("api", api, "/api/*").start()) {
      for (int i = 0; i < 3; i++) {
        assertThat(app.get("/api/x", "Forwarded", "for=\"[2001:db8:9:9::" + (i + 1) + "]:4711\";proto=https")
            .statusCode()).isEqualTo(i < 2 ? 200 : 429);
      }
      // two for parameters in one element: malformed, so the proxy's bucket, never the client's choice
      assertThat(app.get("/api/x", "Forwarded", "for=203.0.113.1;for=203.0.113.2").statusCode()).isEqualTo(200);
      assertThat(app.get("/api/x", "Forwarded", "for=203.0.113.3;FOR=203.0.113.4").statusCode()).isEqualTo(200);
      assertThat(app.get("/api/x", "Forwarded", "for=203.0.113.5;For=203.0.113.6").statusCode())
          .as("the peer's bucket is spent").isEqualTo(429);
      assertThat(app.get("/api/x", "Forwarded", "for=203.0.113.5").statusCode()).isEqualTo(200);
    }
  }
}
