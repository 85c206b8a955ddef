package io.limiter.spring.boot.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.redis.DocumentedAcl;
import io.limiter.redis.RedisCli;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisServer;
import io.limiter.redis.TestCertificates;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code limiter.store=redis} the way managed Redis runs, through Spring Boot's own properties: an ACL user
 * ({@code spring.data.redis.username}/{@code password}) with exactly the rights of the minimal line in
 * docs/redis.md, and TLS through an SSL bundle ({@code spring.data.redis.ssl.bundle}, a PEM bundle of a CA the test
 * makes). A wrong password, or a bundle that does not trust the server, fails startup, without showing the
 * password.
 */
class LimiterRedisSecurityIT {

  private static final String ADMIN_PASSWORD = "boot-admin-Secret-1";
  private static final String USER_PASSWORD = "boot-user-Secret-2";

  private static RedisServer server;
  private static TestCertificates.Issued authority;
  private static TestCertificates.Issued otherAuthority;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, LimiterRedisAutoConfiguration.class,
          LimiterAutoConfiguration.class))
      .withPropertyValues("limiter.store=redis", "limiter.redis.command-timeout=30s",
          "spring.data.redis.connect-timeout=30s", "limiter.policies.p.limits=2/minute");

  @BeforeAll
  static void start() {
    TestCertificates certificates = TestCertificates.inNewDirectory("boot-tls-");
    authority = certificates.authority("boot-ca");
    otherAuthority = certificates.authority("boot-other-ca");
    TestCertificates.Issued local = certificates.issue(authority, "boot-redis", List.of(), List.of("127.0.0.1"));
    server = RedisServer.start("--requirepass", ADMIN_PASSWORD, "--tls-port", Integer.toString(RedisServer.freePort()),
        "--tls-cert-file", local.certificate().toString(), "--tls-key-file", local.privateKey().toString(),
        "--tls-ca-cert-file", authority.certificate().toString(), "--tls-auth-clients", "no");
    DocumentedAcl.setUser(server.port(), ADMIN_PASSWORD, DocumentedAcl.rules(), USER_PASSWORD);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static void decidedByRedis(RateLimiter limiter) {
    Decision first = limiter.acquire("client");
    assertThat(first.degraded()).as("decided by Redis").isFalse();
    assertThat(first.allowed()).isTrue();
  }

  @Test
  void anAclUserFromUsernameAndPassword() {
    runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
        "spring.data.redis.username=" + DocumentedAcl.USER, "spring.data.redis.password=" + USER_PASSWORD)
        .run(context -> {
          assertThat(context).hasNotFailed();
          decidedByRedis(context.getBean(RateLimiterRegistry.class).limiter("p"));
          assertThat(context.getBean(RedisRateLimitStore.class).stats().failures()).isZero();
        });
  }

  @Test
  void tlsThroughAnSslBundleWithTheAclUser() {
    runner.withPropertyValues("spring.ssl.bundle.pem.redis.truststore.certificate=file:" + authority.certificate(),
        "spring.data.redis.ssl.bundle=redis", "spring.data.redis.host=127.0.0.1",
        "spring.data.redis.port=" + server.tlsPort(), "spring.data.redis.username=" + DocumentedAcl.USER,
        "spring.data.redis.password=" + USER_PASSWORD)
        .run(context -> {
          assertThat(context).hasNotFailed();
          decidedByRedis(context.getBean(RateLimiterRegistry.class).limiter("p"));
        });
    assertThat(RedisCli.command(server.port(), ADMIN_PASSWORD, List.of("EXISTS", "limiter:{p:client}")))
        .isEqualTo("1");
  }

  @Test
  void aBundleThatDoesNotTrustTheServerFailsStartup() {
    runner.withPropertyValues("spring.ssl.bundle.pem.other.truststore.certificate=file:"
            + otherAuthority.certificate(), "spring.data.redis.ssl.bundle=other", "spring.data.redis.host=127.0.0.1",
        "spring.data.redis.port=" + server.tlsPort(), "spring.data.redis.password=" + ADMIN_PASSWORD)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(chain(context.getStartupFailure())).contains("TLS handshake with Redis at 127.0.0.1:"
              + server.tlsPort() + " failed");
        });
  }

  @Test
  void anUnknownBundleFailsStartupNamingTheProperty() {
    runner.withPropertyValues("spring.data.redis.ssl.bundle=nowhere", "spring.data.redis.port=" + server.tlsPort())
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(chain(context.getStartupFailure()))
              .contains("spring.data.redis.ssl.bundle=\"nowhere\": no such bundle");
        });
  }

  @Test
  void aWrongPasswordFailsStartupWithoutShowingIt() {
    String wrong = "boot-wrong-Secret-3";
    runner.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
        "spring.data.redis.username=" + DocumentedAcl.USER, "spring.data.redis.password=" + wrong)
        .run(context -> {
          assertThat(context).hasFailed();
          String all = chain(context.getStartupFailure());
          assertThat(all).contains("refused the user name or password");
          assertThat(all).doesNotContain(wrong, USER_PASSWORD, ADMIN_PASSWORD);
        });
  }

  /** Every exception of the chain, with its message. */
  private static String chain(Throwable failure) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = failure; t != null && all.length() < 100_000; t = t.getCause()) {
      all.append(t).append('\n');
    }
    return all.toString();
  }
}
