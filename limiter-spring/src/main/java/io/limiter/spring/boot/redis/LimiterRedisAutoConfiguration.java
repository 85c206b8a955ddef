package io.limiter.spring.boot.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisRateLimitStoreBuilder;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterProperties;
import io.limiter.spring.micrometer.RedisStoreMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configures {@code limiter.store=redis} when io.limiter:limiter-redis is on the class path: a
 * {@link RedisRateLimitStore} (unless the application defines a {@link RateLimitStore} bean) connected, in this
 * order of precedence, through
 * <ol>
 *   <li>the application's Lettuce {@link RedisClusterClient} bean, or
 *   <li>its Lettuce {@link RedisClient} bean (to the server of {@code spring.data.redis.*} when those are set, else to
 *       the client's default URI), or
 *   <li>a client the store creates from Spring Boot's {@code spring.data.redis.*} properties: Sentinel
 *       ({@code sentinel.master}, {@code sentinel.nodes}, ...), Cluster ({@code cluster.nodes}), or one server
 *       ({@code url}, or {@code host}, {@code port}, {@code database}, {@code username}, {@code password}), with
 *       {@code ssl.enabled} or {@code ssl.bundle} (a {@code spring.ssl.bundle.*} bundle: trusted CAs, client
 *       certificate, protocols, ciphers), {@code client-name} and {@code connect-timeout}; it shares Boot's Lettuce
 *       {@link ClientResources} bean when there is one.
 * </ol>
 * Rate-limiting settings come from {@code limiter.redis.*} ({@link LimiterRedisProperties}) and
 * {@code limiter.failure.*} (Retry-After of fail-closed rejections, failure log interval), then from
 * {@link RedisRateLimitStoreCustomizer} beans. Every invalid setting is reported at startup in one
 * {@link RateLimitConfigException}, naming its property. A Redis that is down at startup does not stop the
 * application: decisions follow each policy's failure mode until Redis answers.
 *
 * <p>With Micrometer, the counters of a {@link RedisRateLimitStore} bean (also one the application defines) are
 * published as meters ({@link RedisStoreMetrics}).
 */
@AutoConfiguration(before = LimiterAutoConfiguration.class)
@ConditionalOnClass(RedisRateLimitStore.class)
@ConditionalOnProperty(prefix = "limiter", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LimiterRedisAutoConfiguration {

  /** The store, when {@code limiter.store=redis}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "limiter", name = "store", havingValue = "redis")
  @EnableConfigurationProperties({LimiterProperties.class, LimiterRedisProperties.class})
  static class StoreConfiguration {

    /**
     * @param limiter the {@code limiter.*} properties
     * @param redis the {@code limiter.redis.*} properties
     * @param environment the environment, for {@code spring.data.redis.*}
     * @param clients the application's Lettuce client
     * @param clusterClients the application's Lettuce cluster client
     * @param resources Lettuce resources to share (Spring Boot's)
     * @param customizers adjust the builder last
     * @param sslBundles Spring Boot's SSL bundles, for {@code spring.data.redis.ssl.bundle}
     * @return the Redis store
     */
    @Bean
    @ConditionalOnMissingBean(RateLimitStore.class)
    RedisRateLimitStore rateLimitStore(LimiterProperties limiter, LimiterRedisProperties redis,
        Environment environment, ObjectProvider<RedisClient> clients,
        ObjectProvider<RedisClusterClient> clusterClients, ObjectProvider<ClientResources> resources,
        ObjectProvider<RedisRateLimitStoreCustomizer> customizers, ObjectProvider<SslBundles> sslBundles) {
      List<String> problems = new ArrayList<>();
      RedisRateLimitStoreBuilder builder = RedisRateLimitStore.builder();
      connection(builder, Binder.get(environment), clients, clusterClients, resources, sslBundles, problems);
      settings(builder, limiter, redis, problems);
      if (!problems.isEmpty()) {
        throw new RateLimitConfigException(problems);
      }
      customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
      return builder.build();
    }

    private static void connection(RedisRateLimitStoreBuilder builder, Binder binder,
        ObjectProvider<RedisClient> clients, ObjectProvider<RedisClusterClient> clusterClients,
        ObjectProvider<ClientResources> resources, ObjectProvider<SslBundles> sslBundles, List<String> problems) {
      SpringDataRedisConnection boot = SpringDataRedisConnection.read(binder, problems);
      RedisClient client = unique(clients, RedisClient.class, problems);
      RedisClusterClient clusterClient = unique(clusterClients, RedisClusterClient.class, problems);
      if (boot.connectTimeout() != null) {
        set(problems, SpringDataRedisConnection.PREFIX + "connect-timeout", boot.connectTimeout(),
            builder::connectTimeout);
      }
      if (client != null && clusterClient != null) {
        problems.add("both a RedisClient and a RedisClusterClient bean exist; limiter.store=redis can use only one: "
            + "define a RedisRateLimitStore bean with the one to use");
      } else if (clusterClient != null) {
        builder.client(clusterClient);
      } else if (client != null) {
        builder.client(client);
        if (boot.configured() && boot.uri() != null) {
          builder.uri(boot.uri());
        } else if (boot.mode() == SpringDataRedisConnection.Mode.CLUSTER) {
          problems.add(SpringDataRedisConnection.PREFIX + "cluster.nodes is set, but the RedisClient bean is not a "
              + "cluster client: define a RedisClusterClient bean, or remove the RedisClient bean");
        }
      } else {
        if (boot.mode() == SpringDataRedisConnection.Mode.CLUSTER) {
          if (!boot.clusterNodes().isEmpty()) {
            builder.cluster(boot.clusterNodes());
          }
        } else if (boot.uri() != null) {
          builder.uri(boot.uri());
        }
        ClientResources shared = resources.getIfUnique();
        if (shared != null) {
          builder.clientResources(shared);
        }
        if (boot.sslBundle() != null) {
          io.lettuce.core.SslOptions ssl = sslOptions(boot.sslBundle(), sslBundles, problems);
          if (ssl != null) {
            builder.sslOptions(ssl);
          }
        }
      }
    }

    /** Lettuce's TLS settings from an SSL bundle, as Spring Boot's own Lettuce configuration makes them. */
    private static io.lettuce.core.@Nullable SslOptions sslOptions(String name, ObjectProvider<SslBundles> sslBundles,
        List<String> problems) {
      String property = SpringDataRedisConnection.PREFIX + "ssl.bundle=\"" + name + "\"";
      SslBundles bundles = sslBundles.getIfAvailable();
      if (bundles == null) {
        problems.add(property + ": there are no SSL bundles (Spring Boot's SslAutoConfiguration is not active)");
        return null;
      }
      SslBundle bundle;
      try {
        bundle = bundles.getBundle(name);
      } catch (NoSuchSslBundleException e) {
        problems.add(property + ": no such bundle; spring.ssl.bundle.* defines " + bundles.getBundleNames());
        return null;
      }
      io.lettuce.core.SslOptions.Builder ssl = io.lettuce.core.SslOptions.builder()
          .keyManager(bundle.getManagers().getKeyManagerFactory())
          .trustManager(bundle.getManagers().getTrustManagerFactory());
      if (bundle.getOptions().getCiphers() != null) {
        ssl.cipherSuites(bundle.getOptions().getCiphers());
      }
      if (bundle.getOptions().getEnabledProtocols() != null) {
        ssl.protocols(bundle.getOptions().getEnabledProtocols());
      }
      return ssl.build();
    }

    private static <T> @Nullable T unique(ObjectProvider<T> beans, Class<T> type, List<String> problems) {
      T bean = beans.getIfUnique();
      if (bean == null && beans.stream().findAny().isPresent()) {
        problems.add("several " + type.getSimpleName() + " beans exist and none is @Primary; mark the one for rate "
            + "limiting @Primary, or define a RedisRateLimitStore bean");
      }
      return bean;
    }

    private static void settings(RedisRateLimitStoreBuilder builder, LimiterProperties limiter,
        LimiterRedisProperties redis, List<String> problems) {
      set(problems, "limiter.redis.key-prefix", redis.getKeyPrefix(), builder::keyPrefix);
      set(problems, "limiter.redis.command-timeout", redis.getCommandTimeout(), builder::commandTimeout);
      set(problems, "limiter.redis.instances", redis.getInstances(), builder::instances);
      set(problems, "limiter.redis.fallback-max-keys", redis.getFallbackMaxKeys(), builder::fallbackMaxKeys);
      set(problems, "limiter.redis.deny-cache-size", redis.getDenyCacheSize(), builder::localDenyCache);
      builder.coalesce(redis.isCoalesce());
      set(problems, "limiter.failure.closed-retry-after", limiter.getFailure().getClosedRetryAfter(),
          builder::closedRetryAfter);
      set(problems, "limiter.failure.log-interval", limiter.getFailure().getLogInterval(),
          builder::failureLogInterval);
      Duration initial = redis.getRecoveryBackoff();
      Duration maximum = redis.getRecoveryBackoffMax();
      if (initial == null || maximum == null) {
        problems.add("limiter.redis.recovery-backoff and limiter.redis.recovery-backoff-max must not be empty");
      } else {
        try {
          builder.recoveryBackoff(initial, maximum);
        } catch (IllegalArgumentException e) {
          problems.add("limiter.redis.recovery-backoff=" + text(initial) + " and limiter.redis.recovery-backoff-max="
              + text(maximum) + ": " + e.getMessage());
        }
      }
    }

    private static String text(Object value) {
      if (value instanceof Duration) {
        return DurationStyle.SIMPLE.print((Duration) value);
      }
      return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    /** Applies one setting, turning a rejected value into a problem naming the property. */
    private static <T> void set(List<String> problems, String property, T value, Consumer<T> setter) {
      if (value == null) {
        problems.add(property + " must not be empty");
        return;
      }
      try {
        setter.accept(value);
      } catch (IllegalArgumentException e) {
        problems.add(property + "=" + text(value) + ": " + e.getMessage());
      }
    }
  }

  /** Publishes the counters of the application's Redis store to Micrometer. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterBinder.class)
  static class MetricsConfiguration {

    /**
     * @param stores the application's stores; only a {@link RedisRateLimitStore} gets meters
     * @return binds {@link RedisStoreMetrics} to the meter registry
     */
    @Bean
    @ConditionalOnMissingBean(name = "rateLimitRedisStoreMetrics")
    MeterBinder rateLimitRedisStoreMetrics(ObjectProvider<RateLimitStore> stores) {
      return registry -> stores.orderedStream().filter(RedisRateLimitStore.class::isInstance).findFirst()
          .ifPresent(store -> new RedisStoreMetrics((RedisRateLimitStore) store).bindTo(registry));
    }
  }
}
