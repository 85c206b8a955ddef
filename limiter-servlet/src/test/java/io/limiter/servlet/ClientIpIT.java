package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Client identity over real HTTP: the peer here is always 127.0.0.1. */
class ClientIpIT {

  @Test
  void spoofedForwardedForFromAnUntrustedPeerIsIgnored() throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    RateLimitFilter filter = RateLimitFilter.builder()
        .clientIp(ClientIpResolver.builder().trustedProxies("10.0.0.0/8").build()) // not the loopback peer
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("10/hour").build())
        .listener(listener)
        .build();
    TestServlets.Counting api = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", api, "/api/*").start()) {
      Random random = new Random(7);
      Map<Integer, Integer> statuses = new HashMap<>();
      for (int i = 0; i < 1000; i++) {
        String spoofed = random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
            + random.nextInt(256) + (i % 2 == 0 ? "" : ", 10.0.0." + random.nextInt(256));
        HttpResponse<String> r = i % 3 == 0 ? app.get("/api/x", "Forwarded", "for=" + spoofed.split(",")[0])
            : app.get("/api/x", "X-Forwarded-For", spoofed);
        statuses.merge(r.statusCode(), 1, Integer::sum);
      }
      assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(200, 10, 429, 990));
      assertThat(api.calls).hasValue(10);
      Set<String> keys = new HashSet<>(listener.allowedKeys);
      keys.addAll(listener.overLimitKeys);
      assertThat(keys).as("one bucket: the peer's").containsExactly("ip:127.0.0.1");
    }
  }

  @Test
  void trustedChainIsResolvedRightToLeftPerClient() throws Exception {
    TestServlets.Recording listener = new TestServlets.Recording();
    TestServlets.Counting api = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("client-ip.trusted-proxies", "127.0.0.1, 10.0.0.0/8")
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "3/hour")
        .param("listener", RecordingListener.class.getName())
        .servlet("api", api, "/api/*").start()) {
      RecordingListener.KEYS.clear();
      // the client spoofs its own entry at the front; the proxies (10.x) append what they saw
      for (int i = 0; i < 5; i++) {
        int status = app.get("/api/x", "X-Forwarded-For", "6.6.6." + i + ", 198.51.100.7, 10.1.1.1").statusCode();
        assertThat(status).isEqualTo(i < 3 ? 200 : 429);
      }
      for (int i = 0; i < 5; i++) {
        int status = app.get("/api/x", "X-Forwarded-For", "[2001:db8:1:2::" + (i + 1) + "]:443, 10.2.2.2")
            .statusCode();
        assertThat(status).as("one /64 bucket").isEqualTo(i < 3 ? 200 : 429);
      }
      assertThat(app.get("/api/x", "X-Forwarded-For", "::ffff:203.0.113.9").statusCode()).isEqualTo(200);
      assertThat(app.get("/api/x", "X-Forwarded-For", "garbage, 10.1.1.1").statusCode()).as("peer's bucket")
          .isEqualTo(200);
      assertThat(api.calls).hasValue(8);
      assertThat(new HashSet<>(RecordingListener.KEYS)).containsExactlyInAnyOrder("ip:198.51.100.7",
          "ip:2001:db8:1:2::/64", "ip:203.0.113.9", "ip:127.0.0.1");
    }
  }

  /** A listener named by class in an init-param. */
  public static final class RecordingListener implements io.limiter.core.RateLimitListener {
    static final java.util.Queue<String> KEYS = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public void onAllowed(String key, io.limiter.core.Decision decision) {
      KEYS.add(key);
    }

    @Override
    public void onRejected(String key, io.limiter.core.Decision decision) {
      KEYS.add(key);
    }
  }
}
