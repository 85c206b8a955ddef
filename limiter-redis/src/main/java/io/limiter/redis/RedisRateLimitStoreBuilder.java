package io.limiter.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.limiter.core.FailureMode;
import io.limiter.core.Ticker;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.redis.internal.KeyLayout;
import io.limiter.redis.internal.LettuceRateLimitStore;
import io.limiter.redis.internal.RedisConnector;
import io.limiter.redis.internal.StoreSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link RedisRateLimitStore}. Say where Redis is with exactly one of {@link #uri(String)},
 * {@link #cluster(String...)}, {@link #client(RedisClient)} or {@link #client(RedisClusterClient)}; everything else
 * has a default. Each setter validates its value at once ({@link IllegalArgumentException} naming it);
 * {@link #build()} checks the combination ({@link IllegalStateException}).
 *
 * <p>{@link #build()} connects, waiting at most the connect timeout. If Redis is not reachable then, the store is
 * still built: decisions follow each policy's failure mode and the store connects as soon as Redis answers.
 *
 * <p>A builder is not thread-safe; the store it builds is.
 */
public final class RedisRateLimitStoreBuilder {

  private @Nullable RedisURI uri;
  private @Nullable List<RedisURI> clusterSeeds;
  private @Nullable RedisClient client;
  private @Nullable RedisClusterClient clusterClient;
  private @Nullable ClientResources resources;
  private @Nullable SslOptions sslOptions;
  private String keyPrefix = "limiter:";
  private Duration commandTimeout = Duration.ofMillis(100);
  private Duration connectTimeout = Duration.ofSeconds(1);
  private @Nullable StoreFailureHandler failureHandler;
  private Duration closedRetryAfter = Duration.ofSeconds(5);
  private Duration failureLogInterval = Duration.ofMinutes(1);
  private long fallbackMaxKeys = 100_000;
  private int instances = 1;
  private Duration recoveryBackoff = Duration.ofMillis(100);
  private Duration recoveryBackoffMax = Duration.ofSeconds(2);
  private int denyCacheSize;
  private boolean coalesce = true;
  private Ticker localTicker = Ticker.system();
  private @Nullable Ticker testTicker;

  RedisRateLimitStoreBuilder() {
  }

  /**
   * Uses a standalone (or Sentinel-managed) Redis; the store creates, configures and owns its client.
   *
   * @param uri a Lettuce Redis URI: {@code redis://[:password@]host[:port][/database]}, {@code rediss://…} for TLS,
   *     {@code redis-sentinel://host:26379#mymaster}
   * @return this builder
   * @throws IllegalArgumentException if the URI does not parse
   */
  public RedisRateLimitStoreBuilder uri(String uri) {
    Objects.requireNonNull(uri, "uri");
    try {
      return uri(RedisURI.create(uri));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Redis URI \"" + uri + "\" does not parse: " + e.getMessage(), e);
    }
  }

  /**
   * Uses a standalone (or Sentinel-managed) Redis; the store creates, configures and owns its client.
   *
   * @param uri the server
   * @return this builder
   */
  public RedisRateLimitStoreBuilder uri(RedisURI uri) {
    this.uri = Objects.requireNonNull(uri, "uri");
    return this;
  }

  /**
   * Uses a Redis Cluster; the store creates, configures and owns its cluster client, which discovers the topology
   * from these seed nodes.
   *
   * @param seedUris one or more node URIs, e.g. {@code redis://10.0.0.1:7000}
   * @return this builder
   * @throws IllegalArgumentException if none is given or one does not parse
   */
  public RedisRateLimitStoreBuilder cluster(String... seedUris) {
    if (seedUris.length == 0) {
      throw new IllegalArgumentException("cluster needs at least one seed node URI");
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String seed : seedUris) {
      Objects.requireNonNull(seed, "seed URI");
      try {
        seeds.add(RedisURI.create(seed));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("Redis Cluster seed URI \"" + seed + "\" does not parse: "
            + e.getMessage(), e);
      }
    }
    return cluster(seeds);
  }

  /**
   * Uses a Redis Cluster, like {@link #cluster(String...)}.
   *
   * @param seeds one or more node URIs
   * @return this builder
   */
  public RedisRateLimitStoreBuilder cluster(List<RedisURI> seeds) {
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("cluster needs at least one seed node URI");
    }
    this.clusterSeeds = List.copyOf(seeds);
    return this;
  }

  /**
   * Uses a client the application manages (and shuts down); the store only opens and closes its own connection on
   * it. Connects to {@link #uri(String)} if set, else to the client's default URI. For exact counting across
   * reconnects, the client's options should disable command replay ({@code replayFilter(c -> true)}) and reject
   * commands while disconnected; clients the store creates itself are configured so.
   *
   * @param client the client
   * @return this builder
   */
  public RedisRateLimitStoreBuilder client(RedisClient client) {
    this.client = Objects.requireNonNull(client, "client");
    return this;
  }

  /**
   * Uses a Redis Cluster client the application manages, like {@link #client(RedisClient)}.
   *
   * @param client the cluster client
   * @return this builder
   */
  public RedisRateLimitStoreBuilder client(RedisClusterClient client) {
    this.clusterClient = Objects.requireNonNull(client, "client");
    return this;
  }

  /**
   * Shares Lettuce's thread pools with the application (for example Spring Boot's {@code ClientResources} bean)
   * when the store creates its own client; the store never shuts them down. By default it creates private ones.
   *
   * @param resources the resources
   * @return this builder
   */
  public RedisRateLimitStoreBuilder clientResources(ClientResources resources) {
    this.resources = Objects.requireNonNull(resources, "resources");
    return this;
  }

  /**
   * Sets how clients the store creates make TLS connections ({@code rediss://} URIs, or cluster seeds that use TLS):
   * the CA certificates to trust, a client certificate, the TLS versions. Without it, TLS trusts the JVM's default
   * trust store. Certificates are checked when the store connects: a server whose certificate is not signed by a
   * trusted CA or does not name the URI's host (host names are verified unless the URI says otherwise) makes
   * {@link #build()} fail; the store never falls back to plain text. For example
   * {@code SslOptions.builder().jdkSslProvider().trustManager(new File("ca.crt")).build()}.
   *
   * @param sslOptions Lettuce's TLS settings
   * @return this builder
   */
  public RedisRateLimitStoreBuilder sslOptions(SslOptions sslOptions) {
    this.sslOptions = Objects.requireNonNull(sslOptions, "sslOptions");
    return this;
  }

  /**
   * Sets what every Redis key starts with; the default is {@code limiter:}. Instances that must share limits need
   * the same prefix; applications that must not, different ones.
   *
   * @param keyPrefix at most 128 characters, no braces (they would make it the cluster hash tag of every key)
   * @return this builder
   */
  public RedisRateLimitStoreBuilder keyPrefix(String keyPrefix) {
    String problem = KeyLayout.problem(Objects.requireNonNull(keyPrefix, "keyPrefix"));
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    this.keyPrefix = keyPrefix;
    return this;
  }

  /**
   * Sets how long a decision waits for Redis before the policy's failure mode decides instead; the default is
   * 100 ms. It bounds every decision while Redis is down or stalled.
   *
   * @param commandTimeout from 1 ms to 1 minute
   * @return this builder
   */
  public RedisRateLimitStoreBuilder commandTimeout(Duration commandTimeout) {
    this.commandTimeout = between("commandTimeout", commandTimeout, Duration.ofMillis(1), Duration.ofMinutes(1));
    return this;
  }

  /**
   * Sets the TCP connect timeout of clients the store creates, and how long {@link #build()} waits for the first
   * connection; the default is 1 s.
   *
   * @param connectTimeout from 1 ms to 1 minute
   * @return this builder
   */
  public RedisRateLimitStoreBuilder connectTimeout(Duration connectTimeout) {
    this.connectTimeout = between("connectTimeout", connectTimeout, Duration.ofMillis(1), Duration.ofMinutes(1));
    return this;
  }

  /**
   * Replaces the standard failure handling (each policy's {@link FailureMode}) by a custom handler. The settings
   * {@link #closedRetryAfter}, {@link #failureLogInterval}, {@link #fallbackMaxKeys} and {@link #instances} then have
   * no effect.
   *
   * @param failureHandler decides while Redis fails; must be fast and thread-safe, and must not call Redis
   * @return this builder
   */
  public RedisRateLimitStoreBuilder failureHandler(StoreFailureHandler failureHandler) {
    this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
    return this;
  }

  /**
   * Sets the {@code Retry-After} of {@link FailureMode#FAIL_CLOSED} rejections; the default is 5 s, as the servlet
   * filter's {@code failure.closed-retry-after}.
   *
   * @param closedRetryAfter from 1 second to 1 hour
   * @return this builder
   */
  public RedisRateLimitStoreBuilder closedRetryAfter(Duration closedRetryAfter) {
    this.closedRetryAfter = between("closedRetryAfter", closedRetryAfter, Duration.ofSeconds(1), Duration.ofHours(1));
    return this;
  }

  /**
   * Sets the least time between two log lines about failures of the same policy; the default is 1 minute.
   *
   * @param failureLogInterval from 0 (log every failure) to 1 day
   * @return this builder
   */
  public RedisRateLimitStoreBuilder failureLogInterval(Duration failureLogInterval) {
    this.failureLogInterval = between("failureLogInterval", failureLogInterval, Duration.ZERO, Duration.ofDays(1));
    return this;
  }

  /**
   * Sets the most keys the local store of {@link FailureMode#LOCAL_FALLBACK} tracks; the default is 100,000.
   *
   * @param fallbackMaxKeys at least 16
   * @return this builder
   */
  public RedisRateLimitStoreBuilder fallbackMaxKeys(long fallbackMaxKeys) {
    if (fallbackMaxKeys < 16) {
      throw new IllegalArgumentException("fallbackMaxKeys must be >= 16 but was " + fallbackMaxKeys);
    }
    this.fallbackMaxKeys = fallbackMaxKeys;
    return this;
  }

  /**
   * Sets how many application instances share the limits, so that {@link FailureMode#LOCAL_FALLBACK} gives each
   * instance its share while Redis is down: permits and burst divided by this number, rounded down, at least the
   * policy's cost. The default is 1 (each instance applies the whole limit locally).
   *
   * @param instances from 1 to 10,000
   * @return this builder
   */
  public RedisRateLimitStoreBuilder instances(int instances) {
    if (instances < 1 || instances > 10_000) {
      throw new IllegalArgumentException("instances must be between 1 and 10000 but was " + instances);
    }
    this.instances = instances;
    return this;
  }

  /**
   * Sets how often a failed Redis is probed: first after {@code initial}, then after twice as long each time, up to
   * {@code max}. Until a probe succeeds, decisions do not wait for Redis. The defaults are 100 ms and 2 s.
   *
   * @param initial from 1 ms to 1 minute
   * @param max from {@code initial} to 10 minutes
   * @return this builder
   */
  public RedisRateLimitStoreBuilder recoveryBackoff(Duration initial, Duration max) {
    Duration first = between("recoveryBackoff", initial, Duration.ofMillis(1), Duration.ofMinutes(1));
    this.recoveryBackoffMax = between("recoveryBackoffMax", max, first, Duration.ofMinutes(10));
    this.recoveryBackoff = first;
    return this;
  }

  /**
   * Enables the local deny cache: a client that Redis rejected until time T is rejected locally, without a Redis
   * call, until T, for requests of the same cost under the same limits (the usual case: every request of a policy
   * costs the same). It never admits anything and never rejects what Redis would admit; it saves Redis the load of
   * clients that keep hammering while rejected. A local rejection repeats Redis's last answer with its durations
   * shortened by the time since. Off by default.
   *
   * @param maxEntries the most clients remembered at once, from 0 (off) to 10,000,000
   * @return this builder
   */
  public RedisRateLimitStoreBuilder localDenyCache(int maxEntries) {
    if (maxEntries < 0 || maxEntries > 10_000_000) {
      throw new IllegalArgumentException("localDenyCache maxEntries must be between 0 and 10000000 but was "
          + maxEntries);
    }
    this.denyCacheSize = maxEntries;
    return this;
  }

  /**
   * Sets whether decisions that wait for the same connection are coalesced (on by default): while one call is in
   * flight, decisions arriving meanwhile queue, and go out together as one script call when it answers, decided in
   * arrival order, each all-or-nothing, exactly as separate calls would decide them. A decision that finds the
   * connection idle is sent at once, alone: coalescing never waits to gather a batch. On a Cluster, decisions are
   * coalesced per hash slot. Off: every decision is a call of its own, pipelined on the connection.
   *
   * @param coalesce whether to coalesce
   * @return this builder
   */
  public RedisRateLimitStoreBuilder coalesce(boolean coalesce) {
    this.coalesce = coalesce;
    return this;
  }

  /**
   * Sets the clock for what the store times locally: recovery back-off and deny-cache expiry; the default is
   * {@link Ticker#system()}. Decisions never read it: their time comes from Redis.
   *
   * @param localTicker the clock
   * @return this builder
   */
  public RedisRateLimitStoreBuilder localTicker(Ticker localTicker) {
    this.localTicker = Objects.requireNonNull(localTicker, "localTicker");
    return this;
  }

  /**
   * <b>For tests only.</b> Makes the scripts decide at this ticker's time (floored to microseconds) instead of the
   * server's {@code TIME}, so that a test can move time with a manual ticker; {@code RateLimitStoreContract} runs this
   * way. The local fallback store and the deny cache use it too. Never use it in production: instances with
   * different clocks would corrupt each other's state. Key expiry still runs on the server's clock, so in this mode
   * keys live at least 10 minutes.
   *
   * @param testTicker the clock whose readings the scripts use
   * @return this builder
   */
  public RedisRateLimitStoreBuilder testTicker(Ticker testTicker) {
    this.testTicker = Objects.requireNonNull(testTicker, "testTicker");
    return this;
  }

  /**
   * Builds the store and connects it (waiting at most the connect timeout).
   *
   * @return the store; close it when done
   * @throws IllegalStateException unless exactly one of {@code uri}, {@code cluster} or {@code client} is set (a
   *     {@code uri} may accompany a standalone {@code client}), or if client resources or SSL options are set
   *     together with a client, or if the server answers within the connect timeout and is older than Redis 5.0
   *     (Valkey: any), refuses the credentials (or wants some), or fails the TLS handshake (untrusted certificate,
   *     wrong host name); messages never contain the password
   */
  public RedisRateLimitStore build() {
    List<String> problems = new ArrayList<>();
    int sources = (clusterSeeds != null ? 1 : 0) + (client != null ? 1 : 0) + (clusterClient != null ? 1 : 0)
        + (uri != null && client == null ? 1 : 0);
    if (sources == 0) {
      problems.add("no Redis given: set uri(\"redis://host:6379\"), cluster(seed URIs…) or client(…)");
    } else if (sources > 1) {
      problems.add("more than one Redis given (uri: " + (uri != null) + ", cluster: " + (clusterSeeds != null)
          + ", client: " + (client != null) + ", cluster client: " + (clusterClient != null) + "); set exactly one");
    }
    if (resources != null && (client != null || clusterClient != null)) {
      problems.add("clientResources apply only to clients the store creates; a given client brings its own");
    }
    if (sslOptions != null && (client != null || clusterClient != null)) {
      problems.add("sslOptions apply only to clients the store creates; set them on the client given to client(…)");
    } else if (sslOptions != null && (uri != null && !uri.isSsl()
        || clusterSeeds != null && clusterSeeds.stream().noneMatch(RedisURI::isSsl))) {
      // Lettuce would ignore them and connect in plain text
      problems.add("sslOptions are set but the Redis URI does not use TLS: use rediss:// (or rediss-sentinel://)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("invalid Redis store configuration:\n - " + String.join("\n - ", problems));
    }
    RedisConnector connector;
    if (clusterClient != null) {
      connector = RedisConnector.cluster(clusterClient, commandTimeout);
    } else if (client != null) {
      connector = RedisConnector.standalone(client, uri, commandTimeout);
    } else if (clusterSeeds != null) {
      connector = RedisConnector.createCluster(clusterSeeds, resources, sslOptions, commandTimeout, connectTimeout);
    } else {
      // one of the four is set: checked above
      connector = RedisConnector.createStandalone(Objects.requireNonNull(uri, "uri"), resources, sslOptions,
          commandTimeout, connectTimeout);
    }
    StoreSettings settings = new StoreSettings(keyPrefix, commandTimeout, failureHandler, closedRetryAfter,
        failureLogInterval, fallbackMaxKeys, instances, recoveryBackoff, recoveryBackoffMax, denyCacheSize,
        localTicker, testTicker, coalesce);
    LettuceRateLimitStore store = new LettuceRateLimitStore(connector, settings);
    try {
      connector.connect(connectTimeout);
    } catch (RuntimeException e) { // a server too old for the scripts
      store.close();
      throw e;
    }
    return store;
  }

  private static Duration between(String name, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, name);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + " but was " + value);
    }
    return value;
  }
}
