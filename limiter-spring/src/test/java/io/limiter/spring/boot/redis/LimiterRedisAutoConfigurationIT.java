package io.limiter.spring.boot.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.event.connection.ConnectedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.limiter.core.Decision;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.redis.RedisExtension;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisServer;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterMetricsAutoConfiguration;
import io.limiter.spring.micrometer.RateLimitMetrics;
import io.limiter.spring.micrometer.RedisStoreMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * {@code limiter.store=redis} through {@link ApplicationContextRunner} against real redis-server processes: Boot's
 * connection properties, the application's Lettuce beans, shared client resources, Spring Boot's own Redis
 * auto-configuration next to ours, limits shared by two application contexts, the meters while Redis fails and
 * recovers, and a Redis that is down at startup.
 */
class LimiterRedisAutoConfigurationIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static final AutoConfigurations LIMITER = AutoConfigurations.of(LimiterRedisAutoConfiguration.class,
      LimiterAutoConfiguration.class, LimiterMetricsAutoConfiguration.class);
  private static final AutoConfigurations BOOT_METRICS = AutoConfigurations.of(
      org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
      org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
      org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration
          .class);

  /** A long command timeout where the test is not about timeouts: a busy machine must not make it flaky. */
  private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(LIMITER)
      .withPropertyValues("limiter.store=redis", "limiter.redis.command-timeout=30s");

  private String port() {
    return "spring.data.redis.port=" + REDIS.server().port();
  }

  @Test
  void decidesInRedisFoundThroughSpringDataRedisHostAndPort() {
    runner.withPropertyValues("spring.data.redis.host=127.0.0.1", port(), "limiter.redis.key-prefix=it-host:",
        "limiter.policies.search.limits=2/minute").run(context -> {
          assertThat(context).hasNotFailed();
          RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
          assertThat(store).hasToString("RedisRateLimitStore{prefix=it-host:, commandTimeout=30000ms}");
          RateLimiter search = context.getBean(RateLimiterRegistry.class).limiter("search");
          assertThat(search.acquire("alice").allowed()).isTrue();
          assertThat(search.acquire("alice").allowed()).isTrue();
          Decision third = search.acquire("alice");
          assertThat(third.rejected()).isTrue();
          assertThat(third.degraded()).isFalse();
          String key = store.redisKey("search", "alice");
          assertThat(key).isEqualTo("it-host:{search:alice}");
          assertThat(REDIS.<Long>command(c -> c.pttl(key))).as("TTL of " + key).isPositive();
          assertThat(store.stats().serverDecisions()).isEqualTo(3);
        });
  }

  @Test
  void coalescingCanBeSwitchedOff() {
    runner.withPropertyValues("spring.data.redis.host=127.0.0.1", port(), "limiter.redis.key-prefix=it-off:",
        "limiter.redis.coalesce=false").run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(RedisRateLimitStore.class))
              .hasToString("RedisRateLimitStore{prefix=it-off:, commandTimeout=30000ms, coalesce=false}");
        });
  }

  @Test
  void twoApplicationsOnOneRedisAdmitExactlyTheLimitInTotal() throws Exception {
    ApplicationContextRunner app = runner.withPropertyValues("spring.data.redis.url=redis://127.0.0.1:"
        + REDIS.server().port(), "limiter.redis.key-prefix=it-two:", "limiter.policies.api.limits=100/hour");
    app.run(first -> app.run(second -> {
      List<RateLimiter> limiters = List.of(first.getBean(RateLimiterRegistry.class).limiter("api"),
          second.getBean(RateLimiterRegistry.class).limiter("api"));
      for (int round = 0; round < 3; round++) {
        assertThat(hammer(limiters, "client-" + round, 8, 25)).as("round " + round).isEqualTo(100);
      }
    }));
  }

  /** 8 threads per application behind a start latch, 25 attempts each (400 for a capacity of 100). */
  private static int hammer(List<RateLimiter> limiters, String key, int threadsEach, int attempts)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threadsEach * limiters.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      AtomicInteger admitted = new AtomicInteger();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threadsEach * limiters.size(); t++) {
        RateLimiter limiter = limiters.get(t % limiters.size());
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < attempts; i++) {
            Decision d = limiter.acquire(key);
            assertThat(d.degraded()).as("decided by Redis").isFalse();
            if (d.allowed()) {
              admitted.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      return admitted.get();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void urlWithPasswordAndDatabase() {
    try (RedisServer secured = RedisServer.start()) {
      RedisClient setup = RedisClient.create();
      try (var c = setup.connect(RedisURI.create(secured.uri()))) {
        c.sync().configSet("requirepass", "s3cret"); // at runtime: the server's start-up check PINGs unauthenticated
      } finally {
        setup.shutdown();
      }
      runner.withPropertyValues("spring.data.redis.url=redis://:s3cret@127.0.0.1:" + secured.port() + "/3",
          "limiter.policies.p.limits=1/minute").run(context -> {
            RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
            Decision decision = context.getBean(RateLimiterRegistry.class).limiter("p").acquire("k");
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.degraded()).as("authenticated").isFalse();
            RedisClient admin = RedisClient.create();
            try (var c = admin.connect(RedisURI.create("redis://:s3cret@127.0.0.1:" + secured.port() + "/3"))) {
              assertThat(c.sync().exists(store.redisKey("p", "k"))).as("in database 3").isEqualTo(1);
            } finally {
              admin.shutdown();
            }
          });
    }
  }

  @Test
  void usesTheApplicationsRedisClientBeanWithBootsServer() {
    ClientResources resources = DefaultClientResources.create();
    try {
      runner.withBean(RedisClient.class, () -> RedisClient.create(resources), b -> b.setDestroyMethodName("shutdown"))
          .withPropertyValues("spring.data.redis.host=127.0.0.1", port(), "spring.data.redis.database=2",
              "spring.data.redis.client-name=orders-app", "limiter.policies.p.limits=5/minute").run(context -> {
                RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
                assertThat(context.getBean(RateLimiterRegistry.class).limiter("p").acquire("bean").degraded())
                    .isFalse();
                assertThat(REDIS.<String>command(c -> c.clientList())).contains("name=orders-app");
                assertThat(REDIS.<Long>command(c -> {
                  c.select(2);
                  return c.exists(store.redisKey("p", "bean"));
                })).isEqualTo(1);
              });
    } finally {
      resources.shutdown();
    }
  }

  @Test
  void usesTheApplicationsRedisClientBeanWithItsOwnUri() {
    ClientResources resources = DefaultClientResources.create();
    RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(REDIS.server().port())
        .withClientName("own-uri-client").build();
    try {
      runner.withBean(RedisClient.class, () -> RedisClient.create(resources, uri),
          b -> b.setDestroyMethodName("shutdown")).withPropertyValues("limiter.policies.p.limits=5/minute")
          .run(context -> {
            assertThat(context.getBean(RateLimiterRegistry.class).limiter("p").acquire("own").degraded()).isFalse();
            assertThat(REDIS.<String>command(c -> c.clientList())).contains("name=own-uri-client");
          });
    } finally {
      resources.shutdown();
    }
  }

  @Test
  void sharesTheClientResourcesBean() {
    ClientResources resources = DefaultClientResources.create();
    List<InetSocketAddress> connected = new CopyOnWriteArrayList<>();
    resources.eventBus().get().ofType(ConnectedEvent.class)
        .subscribe(event -> connected.add((InetSocketAddress) event.remoteAddress()));
    try {
      runner.withBean(ClientResources.class, () -> resources, b -> b.setDestroyMethodName(""))
          .withPropertyValues("spring.data.redis.host=127.0.0.1", port(), "limiter.policies.p.limits=5/minute")
          .run(context -> {
            assertThat(context.getBean(RateLimiterRegistry.class).limiter("p").acquire("k").degraded()).isFalse();
            assertThat(connected).extracting(InetSocketAddress::getPort).contains(REDIS.server().port());
          });
      assertThat(resources.eventExecutorGroup().isShuttingDown()).as("the store leaves shared resources alone")
          .isFalse();
    } finally {
      resources.shutdown();
    }
  }

  @Test
  void worksNextToSpringBootsOwnRedisAutoConfiguration() {
    long[] closedIn = new long[1];
    runner.withConfiguration(AutoConfigurations.of(
            org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration.class))
        .withPropertyValues("spring.data.redis.host=127.0.0.1", port(), "limiter.policies.p.limits=5/minute")
        .run(context -> {
          assertThat(context).hasSingleBean(ClientResources.class).hasSingleBean(RedisRateLimitStore.class);
          StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
          template.opsForValue().set("app-key", "app-value");
          assertThat(context.getBean(RateLimiterRegistry.class).limiter("p").acquire("k").degraded()).isFalse();
          assertThat(REDIS.<String>command(c -> c.get("app-key"))).isEqualTo("app-value");
          long start = System.nanoTime();
          context.close();
          closedIn[0] = System.nanoTime() - start;
        });
    assertThat(Duration.ofNanos(closedIn[0])).as("clean shutdown").isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void customizersRunAfterTheProperties() {
    runner.withBean(RedisRateLimitStoreCustomizer.class, () -> builder -> builder.keyPrefix("customized:"))
        .withPropertyValues(port(), "limiter.redis.key-prefix=ignored:", "limiter.policies.p.limits=5/minute")
        .run(context -> assertThat(context.getBean(RedisRateLimitStore.class).redisKey("p", "k"))
            .isEqualTo("customized:{p:k}"));
  }

  @Test
  void metersCountRedisFailuresAndDegradedDecisionsAndRecovery() {
    try (RedisServer server = RedisServer.start()) {
      new ApplicationContextRunner().withConfiguration(BOOT_METRICS).withConfiguration(LIMITER)
          .withPropertyValues("limiter.store=redis", "spring.data.redis.port=" + server.port(),
              "limiter.redis.command-timeout=500ms", "limiter.redis.recovery-backoff=20ms",
              "limiter.redis.recovery-backoff-max=100ms", "limiter.redis.instances=2",
              "limiter.failure.closed-retry-after=7s",
              "limiter.policies.open.limits=10/minute",
              "limiter.policies.closed.limits=10/minute", "limiter.policies.closed.failure-mode=fail-closed",
              "limiter.policies.local.limits=2/minute", "limiter.policies.local.failure-mode=local-fallback")
          .run(context -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
            assertThat(registry.limiter("open").acquire("k").degraded()).isFalse();
            assertThat(count(meters, RedisStoreMetrics.DECISIONS)).isEqualTo(1);
            assertThat(meters.get(RedisStoreMetrics.AVAILABLE).gauge().value()).isEqualTo(1);

            server.kill();
            Decision open = registry.limiter("open").acquire("k");
            assertThat(open.allowed()).isTrue();
            assertThat(open.degraded()).isTrue();
            Decision closed = registry.limiter("closed").acquire("k");
            assertThat(closed.rejected()).isTrue();
            assertThat(closed.degraded()).isTrue();
            assertThat(closed.retryAfter()).as("limiter.failure.closed-retry-after").isEqualTo(Duration.ofSeconds(7));
            assertThat(registry.limiter("local").acquire("k").allowed()).as("half of 2/minute on two instances")
                .isTrue();
            assertThat(registry.limiter("local").acquire("k").rejected()).isTrue();

            assertThat(count(meters, RedisStoreMetrics.FAILURES)).isGreaterThanOrEqualTo(1);
            assertThat(meters.get(RedisStoreMetrics.DEGRADED).tag("outcome", "allowed").functionCounter().count())
                .isEqualTo(2);
            assertThat(meters.get(RedisStoreMetrics.DEGRADED).tag("outcome", "rejected").functionCounter().count())
                .isEqualTo(2);
            assertThat(meters.get(RedisStoreMetrics.AVAILABLE).gauge().value()).isZero();
            for (String policy : List.of("open", "closed")) {
              assertThat(meters.get(RateLimitMetrics.STORE_ERRORS).tag("policy", policy).counter().count())
                  .as("limiter.store.errors of " + policy).isEqualTo(1);
            }
            assertThat(meters.get(RateLimitMetrics.STORE_ERRORS).tag("policy", "local").counter().count())
                .isEqualTo(2);

            server.restart();
            awaitTrue(() -> !registry.limiter("open").acquire("after").degraded(), "recovery without a restart");
            assertThat(meters.get(RedisStoreMetrics.AVAILABLE).gauge().value()).isEqualTo(1);
          });
    }
  }

  @Test
  void aKeyErrorIsCountedAndIsNotAnOutage() {
    new ApplicationContextRunner().withConfiguration(BOOT_METRICS).withConfiguration(LIMITER)
        .withBean(RedisRateLimitStore.class, () -> RedisRateLimitStore.builder().uri(REDIS.uri())
            .keyPrefix("key-errors:").commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30))
            .build())
        .withPropertyValues("limiter.policies.p.limits=5/minute").run(context -> {
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
          // a key holding something else: that decision alone fails, counted as a key error
          String bad = context.getBean(RedisRateLimitStore.class).redisKey("p", "bad");
          REDIS.command(c -> c.lpush(bad, "not a rate limit state"));
          assertThat(registry.limiter("p").acquire("bad").degraded()).isTrue();
          assertThat(registry.limiter("p").acquire("good").degraded()).isFalse();
          assertThat(count(meters, RedisStoreMetrics.KEY_ERRORS)).isEqualTo(1);
          assertThat(count(meters, RedisStoreMetrics.FAILURES)).isEqualTo(1);
          assertThat(count(meters, RedisStoreMetrics.COALESCED)).as("one decision at a time: none shared a call")
              .isZero();
          assertThat(meters.get(RedisStoreMetrics.AVAILABLE).gauge().value()).as("a key error is not an outage")
              .isEqualTo(1);
        });
  }

  @Test
  void theApplicationsOwnRedisStoreGetsMetersToo() {
    new ApplicationContextRunner().withConfiguration(BOOT_METRICS).withConfiguration(LIMITER)
        .withBean(RedisRateLimitStore.class, () -> RedisRateLimitStore.builder().uri(REDIS.uri())
            .keyPrefix("own-store:").commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30))
            .build())
        .withPropertyValues("limiter.policies.p.limits=5/minute").run(context -> {
          assertThat(context).hasSingleBean(RateLimitStore.class);
          context.getBean(RateLimiterRegistry.class).limiter("p").acquire("k");
          MeterRegistry meters = context.getBean(MeterRegistry.class);
          assertThat(count(meters, RedisStoreMetrics.DECISIONS)).isEqualTo(1);
          assertThat(meters.get(RateLimitMetrics.DECISIONS).tags("policy", "p", "outcome", "allowed").counter()
              .count()).isEqualTo(1);
        });
  }

  @Test
  void aRedisThatIsDownAtStartupDoesNotStopTheApplication() {
    int port = RedisServer.freePort();
    runner.withPropertyValues("spring.data.redis.port=" + port, "spring.data.redis.connect-timeout=200ms",
        "limiter.redis.recovery-backoff=20ms", "limiter.redis.recovery-backoff-max=100ms",
        "limiter.policies.p.limits=5/minute").run(context -> {
          assertThat(context).hasNotFailed();
          RateLimiter p = context.getBean(RateLimiterRegistry.class).limiter("p");
          Decision down = p.acquire("k");
          assertThat(down.allowed()).as("fail-open").isTrue();
          assertThat(down.degraded()).isTrue();
          try (RedisServer late = RedisServer.startOn(port)) {
            awaitTrue(() -> !p.acquire("k").degraded(), "connects once Redis is up");
            assertThat(context.getBean(RateLimitStore.class)).isInstanceOf(RedisRateLimitStore.class);
          }
        });
  }

  private static double count(MeterRegistry meters, String name) {
    return meters.get(name).functionCounter().count();
  }

  /** Polls for an event that happens in the background (a reconnect), failing after 15 s. */
  private static void awaitTrue(BooleanSupplier condition, String what) {
    org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
  }
}
