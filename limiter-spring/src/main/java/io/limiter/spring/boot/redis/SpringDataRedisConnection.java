package io.limiter.spring.boot.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * Where Redis is, according to Spring Boot's {@code spring.data.redis.*} properties, as Lettuce {@link RedisURI}s.
 * Read the way Boot's Lettuce connection configuration reads them: Sentinel when {@code sentinel.*} is set, else
 * Redis Cluster when {@code cluster.nodes} is set, else one server from {@code url} (which overrides host, port,
 * username, password and database; {@code rediss://} means TLS) or from {@code host}/{@code port}/{@code database}/
 * {@code username}/{@code password}; {@code ssl.enabled}, {@code ssl.bundle} (whose name the caller resolves) and
 * {@code client-name} apply to every node. Bound through
 * Boot's {@link Binder} (relaxed names, environment variables), so Boot's data-redis module is not needed.
 *
 * <p>Every problem is added to the caller's list, naming the property; values of password properties are never
 * shown, and passwords in URLs are masked. Not thread-safe; used once at startup.
 */
final class SpringDataRedisConnection {

  static final String PREFIX = "spring.data.redis.";
  private static final Bindable<String> STRING = Bindable.of(String.class);
  private static final Bindable<Integer> INT = Bindable.of(Integer.class);
  private static final Bindable<List<String>> LIST = Bindable.listOf(String.class);

  /** How Redis is deployed. */
  enum Mode {
    STANDALONE, SENTINEL, CLUSTER
  }

  private final Binder binder;
  private final List<String> problems;
  private boolean configured;
  private Mode mode = Mode.STANDALONE;
  private @Nullable RedisURI uri;
  private final List<RedisURI> clusterNodes = new ArrayList<>();
  private @Nullable Duration connectTimeout;
  private @Nullable String sslBundle;

  private SpringDataRedisConnection(Binder binder, List<String> problems) {
    this.binder = binder;
    this.problems = problems;
  }

  /**
   * @param binder binds the environment
   * @param problems where problems are added
   * @return the connection; check {@code problems} before using it
   */
  static SpringDataRedisConnection read(Binder binder, List<String> problems) {
    SpringDataRedisConnection connection = new SpringDataRedisConnection(binder, problems);
    connection.read();
    return connection;
  }

  /** @return whether any spring.data.redis connection property is set */
  boolean configured() {
    return configured;
  }

  Mode mode() {
    return mode;
  }

  /** @return the standalone server or the Sentinel-managed master; null in cluster mode */
  @Nullable RedisURI uri() {
    return uri;
  }

  /** @return the cluster seed nodes; empty unless in cluster mode */
  List<RedisURI> clusterNodes() {
    return clusterNodes;
  }

  /** @return the name of spring.data.redis.ssl.bundle, or null */
  @Nullable String sslBundle() {
    return sslBundle;
  }

  /** @return spring.data.redis.connect-timeout, or null */
  @Nullable Duration connectTimeout() {
    return connectTimeout;
  }

  private void read() {
    String url = bind("url", STRING);
    String host = bind("host", STRING);
    Integer port = bind("port", INT);
    Integer database = bind("database", INT);
    String username = bind("username", STRING);
    String password = bind("password", STRING);
    Boolean sslEnabled = bind("ssl.enabled", Bindable.of(Boolean.class));
    String sslBundle = bind("ssl.bundle", STRING);
    String clientName = bind("client-name", STRING);
    connectTimeout = bind("connect-timeout", Bindable.of(Duration.class));
    String sentinelMaster = bind("sentinel.master", STRING);
    List<String> sentinelNodes = bind("sentinel.nodes", LIST);
    String sentinelUsername = bind("sentinel.username", STRING);
    String sentinelPassword = bind("sentinel.password", STRING);
    List<String> cluster = bind("cluster.nodes", LIST);

    boolean ssl = sslEnabled != null ? sslEnabled : sslBundle != null;
    if (sslBundle != null && sslBundle.isBlank()) {
      problems.add(PREFIX + "ssl.bundle is empty: name a bundle of spring.ssl.bundle.*");
    } else if (sslBundle != null && !ssl) {
      problems.add(PREFIX + "ssl.bundle=\"" + sslBundle + "\" is set but " + PREFIX + "ssl.enabled=false: remove one");
    } else {
      this.sslBundle = sslBundle == null ? null : sslBundle.trim();
    }
    if (port != null && (port < 1 || port > 65535)) {
      problems.add(PREFIX + "port=" + port + ": must be between 1 and 65535");
      port = null;
    }
    if (database != null && database < 0) {
      problems.add(PREFIX + "database=" + database + ": must be >= 0");
      database = null;
    }
    if (connectTimeout != null && (connectTimeout.isNegative() || connectTimeout.isZero())) {
      problems.add(PREFIX + "connect-timeout=" + connectTimeout + ": must be positive");
      connectTimeout = null;
    }

    // the URL overrides host, port, username, password and database, in every mode (as in Boot)
    RedisURI fromUrl = url != null ? parseUrl(url) : null;
    if (fromUrl != null) {
      username = fromUrl.getUsername();
      password = fromUrl.getPassword() != null ? new String(fromUrl.getPassword()) : null;
      database = fromUrl.getDatabase();
      ssl |= fromUrl.isSsl();
    }

    if (sentinelMaster != null || sentinelNodes != null || sentinelUsername != null || sentinelPassword != null) {
      mode = Mode.SENTINEL;
      RedisURI.Builder builder = RedisURI.builder();
      if (sentinelMaster == null || sentinelMaster.isBlank()) {
        problems.add(PREFIX + "sentinel.master is missing: the name of the master the sentinels monitor");
      } else {
        builder.withSentinelMasterId(sentinelMaster.trim());
      }
      if (sentinelNodes == null || sentinelNodes.isEmpty()) {
        problems.add(PREFIX + "sentinel.nodes is missing: the sentinels as host:port, comma-separated");
      } else {
        for (int i = 0; i < sentinelNodes.size(); i++) {
          RedisURI.Builder sentinel = node("sentinel.nodes[" + i + "]", sentinelNodes.get(i));
          if (sentinel != null) {
            authenticate(sentinel, sentinelUsername, sentinelPassword);
            builder.withSentinel(sentinel.build());
          }
        }
      }
      dataNode(builder, username, password, database, ssl, clientName);
      if (sentinelMaster != null && !sentinelMaster.isBlank() && sentinelNodes != null && !sentinelNodes.isEmpty()) {
        uri = buildQuietly(builder, "sentinel");
      }
    } else if (cluster != null) {
      mode = Mode.CLUSTER;
      if (cluster.isEmpty()) {
        problems.add(PREFIX + "cluster.nodes is empty: list at least one node as host:port");
      }
      for (int i = 0; i < cluster.size(); i++) {
        RedisURI.Builder node = node("cluster.nodes[" + i + "]", cluster.get(i));
        if (node != null) {
          dataNode(node, username, password, null, ssl, clientName);
          RedisURI built = buildQuietly(node, "cluster.nodes[" + i + "]");
          if (built != null) {
            clusterNodes.add(built);
          }
        }
      }
    } else if (fromUrl != null) {
      if (ssl) {
        fromUrl.setSsl(true);
      }
      if (clientName != null) {
        fromUrl.setClientName(clientName);
      }
      uri = fromUrl;
    } else {
      RedisURI.Builder builder = RedisURI.builder().withHost(host != null && !host.isBlank() ? host.trim()
          : "localhost").withPort(port != null ? port : RedisURI.DEFAULT_REDIS_PORT);
      dataNode(builder, username, password, database, ssl, clientName);
      uri = buildQuietly(builder, "host");
    }
  }

  private @Nullable RedisURI parseUrl(String url) {
    String scheme = url.contains("://") ? url.substring(0, url.indexOf("://")).toLowerCase(Locale.ROOT) : "";
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      problems.add(PREFIX + "url=\"" + mask(url) + "\": must start with redis:// or rediss:// (TLS)");
      return null;
    }
    try {
      return RedisURI.create(url.trim());
    } catch (RuntimeException e) {
      problems.add(PREFIX + "url=\"" + mask(url) + "\": does not parse: " + mask(String.valueOf(e.getMessage())));
      return null;
    }
  }

  /** Parses {@code host:port} ({@code [v6]:port} for IPv6 addresses). */
  private RedisURI.@Nullable Builder node(String property, String text) {
    String value = text.trim();
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      problems.add(PREFIX + property + "=\"" + text + "\": expected host:port");
      return null;
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      problems.add(PREFIX + property + "=\"" + text + "\": the port must be a number between 1 and 65535");
      return null;
    }
    return RedisURI.builder().withHost(host).withPort(port);
  }

  private static void dataNode(RedisURI.Builder builder, @Nullable String username, @Nullable String password,
      @Nullable Integer database, boolean ssl, @Nullable String clientName) {
    authenticate(builder, username, password);
    if (database != null) {
      builder.withDatabase(database);
    }
    if (ssl) {
      builder.withSsl(true);
    }
    if (clientName != null && !clientName.isBlank()) {
      builder.withClientName(clientName);
    }
  }

  private static void authenticate(RedisURI.Builder builder, @Nullable String username, @Nullable String password) {
    if (password == null) {
      return;
    }
    if (username != null && !username.isEmpty()) {
      builder.withAuthentication(username, password);
    } else {
      builder.withPassword(password.toCharArray());
    }
  }

  private @Nullable RedisURI buildQuietly(RedisURI.Builder builder, String property) {
    try {
      return builder.build();
    } catch (RuntimeException e) {
      problems.add(PREFIX + property + ": " + mask(String.valueOf(e.getMessage())));
      return null;
    }
  }

  private <T> @Nullable T bind(String name, Bindable<T> type) {
    try {
      BindResult<T> result = binder.bind(PREFIX + name, type);
      if (result.isBound()) {
        configured = true;
        return result.get();
      }
      return null;
    } catch (BindException e) {
      configured = true;
      Object value = e.getProperty() != null ? e.getProperty().getValue() : null;
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      problems.add(PREFIX + name + (name.contains("password") ? "" : "=\"" + value + "\"") + ": cannot be read as "
          + type.getType() + " (" + cause.getMessage() + ")");
      return null;
    }
  }

  /** Masks the password of URLs in messages. */
  static String mask(String text) {
    return text.replaceAll("(?i)([a-z][a-z0-9+.-]*://)[^@/\\s\"]*@", "$1***@");
  }
}
