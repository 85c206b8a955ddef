package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.docs.DocBlock;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisServer;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.redis.LimiterRedisAutoConfiguration;
import java.io.IOException;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Redis configuration blocks of docs/redis.md and docs/spring.md, against a real redis-server that requires the
 * password the blocks show ({@code secret}). The blocks name a placeholder host ({@code redis.internal}, port 6379
 * where given); the test points that host and port at its server and changes nothing else.
 */
class RedisDocsTest {

  private static RedisServer redis;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    // the blocks' password; set after start because the helper's start-up PING does not authenticate
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().configSet("requirepass", "secret");
    } finally {
      client.shutdown();
    }
  }

  @AfterAll
  static void stop() {
    if (redis != null) {
      redis.close();
    }
  }

  private static String here(String value) {
    return value.replace("redis.internal:6379", "127.0.0.1:" + redis.port())
        .replace("redis.internal", "127.0.0.1");
  }

  private static Properties properties(String reference) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(DocBlock.of(reference).body()));
    return p;
  }

  private static String[] pairs(Properties p) {
    return p.stringPropertyNames().stream().sorted().map(k -> k + "=" + here(p.getProperty(k)))
        .toArray(String[]::new);
  }

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterRedisAutoConfiguration.class, LimiterAutoConfiguration.class));

  @Test
  void theBootBlocksConnectAndDecideInRedis() throws Exception {
    for (String reference : List.of("docs/redis.md#boot-properties", "docs/spring.md#redis-properties")) {
      Properties block = properties(reference);
      // Boot ignores a misspelled spring.* name; bound strictly here, a misspelling on the page fails
      Map<String, String> boot = new LinkedHashMap<>();
      block.stringPropertyNames().stream().filter(k -> k.startsWith("spring.data.redis."))
          .forEach(k -> boot.put(k, block.getProperty(k)));
      new Binder(new MapConfigurationPropertySource(boot)).bind("spring.data.redis",
          Bindable.of(DataRedisProperties.class), new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
      runner.withPropertyValues(pairs(block))
          .withPropertyValues("spring.data.redis.port=" + redis.port(), "limiter.policies.docs.limits=1/minute")
          .run(context -> {
            assertThat(context).as(reference).hasNotFailed();
            RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
            assertThat(store.toString()).as(reference).contains("prefix=" + block.getProperty("limiter.redis.key-prefix"));
            context.getBean(RateLimiterRegistry.class).limiter("docs").acquire("ip:192.0.2.1");
            assertThat(keys(store.redisKey("docs", "ip:192.0.2.1"))).as(reference).isEqualTo(1);
          });
    }
  }

  @Test
  void theServletInitParamsStartTheFilterOnRedis() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    ServletDocsTest.initParams(DocBlock.of("docs/redis.md#servlet-init-params").body())
        .forEach((name, value) -> params.put(name, here(value)));
    assertThat(params).containsKeys("store", "store.uri", "store.command-timeout");
    // the password is the server's, not the page's subject
    params.put("store.uri", params.get("store.uri").replace("redis://", "redis://:secret@"));
    params.put("rule.docs.paths", "/docs/*");
    params.put("rule.docs.limits", "1/minute");
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(FilterSettingsTest.config(params));
    try {
      filter.doFilter(RateLimitFilterTest.request("/docs/x"), new RateLimitFilterTest.Recorded().response,
          (req, resp) -> { });
      assertThat(keys("limiter:{docs:*")).isEqualTo(1);
    } finally {
      filter.destroy();
    }
  }

  private static long keys(String pattern) {
    RedisClient client = RedisClient.create("redis://:secret@127.0.0.1:" + redis.port());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return c.sync().keys(pattern).size();
    } finally {
      client.shutdown();
    }
  }
}
