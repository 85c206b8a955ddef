package io.limiter.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real Redis servers for a test class and stops them after it: one standalone server, or a Redis Cluster of
 * masters on loopback ports (slots assigned with CLUSTER ADDSLOTS, nodes joined with CLUSTER MEET, so that no
 * {@code redis-cli} is needed). Register it as a static field with {@code @RegisterExtension}. Shared with other modules' integration tests through this module's test jar.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

  private static final int SLOTS = 16384;

  private final int masters;
  private final List<RedisServer> servers = new ArrayList<>();
  private RedisClient admin;
  private ClientResources resources;

  private RedisExtension(int masters) {
    this.masters = masters;
  }

  /** @return an extension with one standalone server */
  public static RedisExtension standalone() {
    return new RedisExtension(0);
  }

  /**
   * @param masters the number of cluster masters
   * @return an extension with a Redis Cluster
   */
  public static RedisExtension cluster(int masters) {
    return new RedisExtension(masters);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    admin = RedisClient.create();
    resources = DefaultClientResources.create();
    if (masters == 0) {
      servers.add(RedisServer.start());
      return;
    }
    for (int i = 0; i < masters; i++) {
      servers.add(RedisServer.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
          "--cluster-node-timeout", "5000"));
    }
    for (int i = 0; i < masters; i++) {
      int from = i * SLOTS / masters;
      int to = (i + 1) * SLOTS / masters;
      int[] slots = IntStream.range(from, to).toArray();
      onNode(i, c -> c.clusterAddSlots(slots));
    }
    for (int i = 1; i < masters; i++) {
      int port = servers.get(i).port();
      onNode(0, c -> c.clusterMeet("127.0.0.1", port));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (int i = 0; i < masters; i++) {
      int node = i;
      while (true) {
        String info = onNode(node, RedisCommands::clusterInfo);
        if (info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + masters)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the Redis Cluster did not form within 20 s; node " + node + ": " + info);
        }
        RedisServer.sleep(50);
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    for (RedisServer server : servers) {
      server.close();
    }
    servers.clear();
    if (admin != null) {
      admin.shutdown();
    }
    if (resources != null) {
      resources.shutdown();
    }
  }

  /** @return Lettuce thread pools to share between the stores of a test class (they are slow to create) */
  public ClientResources resources() {
    return resources;
  }

  /** @return the (first) server */
  public RedisServer server() {
    return servers.get(0);
  }

  /** @return all servers */
  public List<RedisServer> servers() {
    return servers;
  }

  /** @return the URI of the (first) server */
  public String uri() {
    return server().uri();
  }

  /** @return the URIs of every server */
  public String[] uris() {
    return servers.stream().map(RedisServer::uri).toArray(String[]::new);
  }

  /** Runs an admin command on the (first) server through a short-lived connection. */
  public <T> T command(Function<RedisCommands<String, String>, T> command) {
    return onNode(0, command);
  }

  /** Runs an admin command on one server through a short-lived connection. */
  public <T> T onNode(int node, Function<RedisCommands<String, String>, T> command) {
    try (StatefulRedisConnection<String, String> c = admin.connect(
        io.lettuce.core.RedisURI.create(servers.get(node).uri()))) {
      return command.apply(c.sync());
    }
  }
}
