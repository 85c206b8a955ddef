package io.limiter.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Follows Sentinel's failover announcements for the store's master, on every sentinel of the URI, and has the
 * connector move to the new primary at once: to the promoted replica's address as soon as Sentinel has told it to
 * become primary ({@code +failover-state-wait-promotion}), and through the sentinels again when they announce the
 * new primary ({@code +switch-master}), so that later reconnects keep asking the sentinels. (Connecting to the
 * replica earlier, when Sentinel selects it, does not help: Sentinel kills the replica's client connections together
 * with its {@code SLAVEOF NO ONE}.)
 *
 * <p>Why: a Lettuce connection to a Sentinel-managed master asks the sentinels for the master's address only when
 * it (re)connects. After a planned failover the old primary stays up and keeps accepting the store's scripts until
 * Sentinel demotes it, seconds later; every charge it accepts after the replica stopped replicating from it is lost
 * when it resynchronizes from the new primary (over-admission: measured at about a second of admissions when the
 * store waited for {@code +switch-master}, which Sentinel sends only after it has seen the promotion). After a crash,
 * the reconnect loop would find the new primary only at its next attempt. Each sentinel announces each step; only
 * the first announcement of an address moves the connection.
 *
 * <p>Thread-safe; messages arrive on Lettuce's I/O threads.
 */
final class SentinelWatch implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(SentinelWatch.class.getName());
  static final String SWITCH = "+switch-master";
  static final String PROMOTION = "+failover-state-wait-promotion";
  /** Sentinel gave up waiting for the promoted replica: the old primary stays, the replica will be turned back. */
  static final String ABORTED = "-failover-abort-slave-timeout";

  /** Opens a connection. */
  interface Connect extends Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> {
  }

  private final RedisClient client;
  private final RedisURI uri;
  private final String master;
  private final Connect throughSentinels;
  private final Consumer<Connect> moveTo;
  private final List<StatefulRedisPubSubConnection<String, String>> connections = new CopyOnWriteArrayList<>();
  private @Nullable String lastPromoted;
  private @Nullable String lastSwitched;
  private volatile boolean closed;

  private SentinelWatch(RedisClient client, RedisURI uri, Connect throughSentinels, Consumer<Connect> moveTo) {
    this.client = client;
    this.uri = uri;
    this.master = uri.getSentinelMasterId();
    this.throughSentinels = throughSentinels;
    this.moveTo = moveTo;
  }

  /**
   * Subscribes to every sentinel of the URI (in the background: a sentinel that is down now is subscribed when
   * Lettuce reaches it).
   *
   * @param client the client to connect with
   * @param uri a Sentinel URI ({@code redis-sentinel://...#master})
   * @param throughSentinels opens a connection to the primary the sentinels name
   * @param moveTo moves the store's calls to the connection it opens; must not block
   * @return the watch; close it with the store
   */
  static SentinelWatch start(RedisClient client, RedisURI uri, Connect throughSentinels, Consumer<Connect> moveTo) {
    SentinelWatch watch = new SentinelWatch(client, uri, throughSentinels, moveTo);
    for (RedisURI sentinel : uri.getSentinels()) {
      client.connectPubSubAsync(StringCodec.UTF8, sentinel).whenComplete((connection, error) -> {
        if (error != null) {
          LOG.log(Level.DEBUG, "cannot subscribe to sentinel " + sentinel.getHost() + ":" + sentinel.getPort()
              + " for failover announcements: " + RedisConnector.describe(error));
          return;
        }
        if (watch.closed) {
          connection.closeAsync();
          return;
        }
        watch.connections.add(connection);
        connection.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            watch.announced(channel, message);
          }
        });
        connection.async().subscribe(SWITCH, PROMOTION, ABORTED);
      });
    }
    return watch;
  }

  /**
   * {@code +switch-master <master> <old ip> <old port> <new ip> <new port>}, or
   * {@code +failover-state-wait-promotion slave <ip>:<port> <ip> <port> @ <master> <master ip> <master port>}.
   */
  synchronized void announced(String channel, String message) {
    if (closed || message == null) {
      return;
    }
    String[] parts = message.trim().split("\\s+");
    if (ABORTED.equals(channel)) {
      // {@code master <name> <ip> <port>}: back to whatever the sentinels name, and a later promotion counts again
      if (parts.length >= 2 && parts[0].equals("master") && parts[1].equals(master) && lastPromoted != null) {
        lastPromoted = null;
        lastSwitched = null;
        LOG.log(Level.WARNING, "Sentinel aborted the failover of " + master + "; the rate limit store asks the "
            + "sentinels for the primary again");
        moveTo.accept(throughSentinels);
      }
      return;
    }
    if (PROMOTION.equals(channel)) {
      if (parts.length != 8 || !parts[0].equals("slave") || !parts[4].equals("@") || !parts[5].equals(master)
          || !parts[3].matches("\\d{1,5}")) {
        return;
      }
      String host = parts[2];
      int port = Integer.parseInt(parts[3]);
      String address = host + ":" + port;
      if (address.equals(lastPromoted)) {
        return; // each sentinel announces it
      }
      lastPromoted = address;
      LOG.log(Level.INFO, "Sentinel is promoting " + address + " to primary of " + master
          + "; the rate limit store moves to it");
      moveTo.accept(direct(host, port));
      return;
    }
    if (!SWITCH.equals(channel) || parts.length != 5 || !parts[0].equals(master)) {
      return;
    }
    String address = parts[3] + ":" + parts[4];
    if (Objects.equals(address, lastSwitched)) {
      return; // another sentinel's announcement of the same switch
    }
    lastSwitched = address;
    LOG.log(Level.INFO, "Sentinel announced a new primary for " + master + " at " + address
        + "; the rate limit store connects to it");
    moveTo.accept(throughSentinels);
  }

  /**
   * Connects straight to a replica, with the credentials and TLS settings of the Sentinel URI. Used only until the
   * sentinels announce the new primary: the connection made then asks the sentinels again when it reconnects.
   */
  private Connect direct(String host, int port) {
    RedisURI.Builder direct = RedisURI.Builder.redis(host, port).withSsl(uri).withAuthentication(uri)
        .withDatabase(uri.getDatabase()).withTimeout(uri.getTimeout());
    if (uri.getClientName() != null) {
      direct.withClientName(uri.getClientName());
    }
    RedisURI target = direct.build();
    return () -> client.connectAsync(StringCodec.UTF8, target).toCompletableFuture();
  }

  @Override
  public synchronized void close() {
    closed = true;
    for (StatefulRedisPubSubConnection<String, String> connection : connections) {
      connection.closeAsync();
    }
  }
}
