package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.lettuce.core.SslOptions;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code rediss://} against real servers speaking TLS with certificates the test makes (a CA, server certificates
 * for 127.0.0.1 and for another host name, a client certificate): the right CA works; a wrong CA, the JVM's default
 * trust store or a certificate for another host fail {@code build()} with a clear error, never a plain-text
 * connection; a server that requires client certificates accepts the store's.
 */
class RedisTlsIT {

  private static TestCertificates.Issued authority;
  private static TestCertificates.Issued otherAuthority;
  private static TestCertificates.Issued client;
  private static RedisServer server;
  private static RedisServer otherHost;
  private static RedisServer clientAuth;

  @BeforeAll
  static void start() {
    TestCertificates certificates = TestCertificates.inNewDirectory("tls-");
    authority = certificates.authority("test-ca");
    otherAuthority = certificates.authority("other-ca");
    TestCertificates.Issued local = certificates.issue(authority, "redis-local", List.of("redis.test"),
        List.of("127.0.0.1"));
    TestCertificates.Issued elsewhere = certificates.issue(authority, "redis-elsewhere", List.of("redis.example"),
        List.of("192.0.2.1"));
    client = certificates.issue(authority, "limiter-client", List.of("limiter.test"), List.of());
    server = RedisServer.startTls(local.certificate(), local.privateKey(), authority.certificate(), "no");
    otherHost = RedisServer.startTls(elsewhere.certificate(), elsewhere.privateKey(), authority.certificate(), "no");
    clientAuth = RedisServer.startTls(local.certificate(), local.privateKey(), authority.certificate(), "yes");
  }

  @AfterAll
  static void stop() {
    for (RedisServer s : new RedisServer[] {server, otherHost, clientAuth}) {
      if (s != null) {
        s.close();
      }
    }
  }

  private static RedisRateLimitStore store(RedisServer target, SslOptions ssl) {
    RedisRateLimitStoreBuilder builder = RedisRateLimitStore.builder()
        .uri("rediss://127.0.0.1:" + target.tlsPort())
        .commandTimeout(Duration.ofSeconds(30)) // TLS is tested here, not latency
        .connectTimeout(Duration.ofSeconds(30));
    if (ssl != null) {
      builder.sslOptions(ssl);
    }
    return builder.build();
  }

  private static SslOptions trusting(TestCertificates.Issued ca) {
    return SslOptions.builder().jdkSslProvider().trustManager(ca.certificate().toFile()).build();
  }

  @Test
  void withTheRightAuthorityDecisionsAreRedisDecisionsOverTls() {
    try (RedisRateLimitStore store = store(server, trusting(authority))) {
      RateLimiter limiter = RateLimiter.of(LimitPolicy.of("tls", "2/hour"), store);
      assertThat(limiter.acquire("client")).isAllowed().isNotDegraded().hasRemaining(1);
      assertThat(limiter.acquire("client")).isAllowed().isNotDegraded().hasRemaining(0);
      assertThat(limiter.acquire("client")).isRejected().isNotDegraded();
      assertThat(store.stats().failures()).isZero();
    }
    assertThat(RedisCli.command(server.port(), "EXISTS", "limiter:{tls:client}")).isEqualTo("1");
  }

  @Test
  void aWrongAuthorityFailsAtStartup() {
    Throwable thrown = catchThrowable(() -> store(server, trusting(otherAuthority)).close());
    assertThat(thrown).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TLS handshake with Redis at 127.0.0.1:" + server.tlsPort() + " failed")
        .hasMessageContaining("never falls back to plain text");
  }

  @Test
  void theJvmsDefaultTrustStoreDoesNotTrustATestAuthority() {
    Throwable thrown = catchThrowable(() -> store(server, null).close());
    assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessageContaining("TLS handshake");
  }

  @Test
  void aCertificateForAnotherHostFailsAtStartup() {
    Throwable thrown = catchThrowable(() -> store(otherHost, trusting(authority)).close());
    assertThat(thrown).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TLS handshake with Redis at 127.0.0.1:" + otherHost.tlsPort() + " failed");
    assertThat(RedisAuthIT.messages(thrown)).containsIgnoringCase("127.0.0.1");
  }

  @Test
  void plainTextToTheTlsPortIsNeverDecidedByRedis() {
    // the other way round: a redis:// URI to a TLS port gets no answer (the server waits for a handshake)
    try (RedisRateLimitStore store = RedisRateLimitStore.builder().uri("redis://127.0.0.1:" + server.tlsPort())
        .connectTimeout(Duration.ofMillis(500)).build()) {
      assertThat(RateLimiter.of(LimitPolicy.of("plain", "2/hour"), store).acquire("client")).isDegraded();
    }
  }

  @Test
  void aServerThatRequiresClientCertificatesAcceptsTheStoresCertificate() {
    SslOptions withCertificate = SslOptions.builder().jdkSslProvider()
        .trustManager(authority.certificate().toFile())
        .keyManager(client.certificate().toFile(), client.privateKey().toFile(), null)
        .build();
    try (RedisRateLimitStore store = store(clientAuth, withCertificate)) {
      assertThat(RateLimiter.of(LimitPolicy.of("client-cert", "2/hour"), store).acquire("client"))
          .isAllowed().isNotDegraded();
    }
  }

  @Test
  void theCaFileSettingOfTextConfiguration() {
    try (RedisRateLimitStore store = RedisRateLimitStore.fromUri("rediss://127.0.0.1:" + server.tlsPort(),
        Map.of("tls-ca-file", authority.certificate().toString(), "command-timeout", "30s",
            "connect-timeout", "30s"))) {
      assertThat(RateLimiter.of(LimitPolicy.of("ca-file", "2/hour"), store).acquire("client"))
          .isAllowed().isNotDegraded();
    }
    Throwable wrong = catchThrowable(() -> RedisRateLimitStore.fromUri("rediss://127.0.0.1:" + server.tlsPort(),
        Map.of("tls-ca-file", otherAuthority.certificate().toString(), "connect-timeout", "30s")).close());
    assertThat(wrong).isInstanceOf(IllegalStateException.class).hasMessageContaining("TLS handshake");
  }
}
