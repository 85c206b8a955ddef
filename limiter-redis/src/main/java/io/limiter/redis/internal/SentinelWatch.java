package io.limiter.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Follows Sentinel's failover announcements for the store's master, on every sentinel of the URI, and has the
 * connector move to the new primary at once: to the promoted replica's address as soon as Sentinel has told it to
 * become primary ({@code +failover-state-wait-promotion}), and through the sentinels again when they announce the
 * new primary ({@code +switch-master}), so that later reconnects keep asking the sentinels.
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

  private final String master;
  private final Runnable onSwitch;
  private final java.util.function.BiConsumer<String, Integer> onPromotion;
  private volatile String lastPromoted;
  private final List<StatefulRedisPubSubConnection<String, String>> connections = new CopyOnWriteArrayList<>();
  private volatile String lastAddress;
  private volatile boolean closed;

  private SentinelWatch(String master, Runnable onSwitch, java.util.function.BiConsumer<String, Integer> onPromotion) {
    this.master = master;
    this.onSwitch = onSwitch;
    this.onPromotion = onPromotion;
  }

  /**
   * Subscribes to every sentinel of the URI (in the background: a sentinel that is down now is subscribed when
   * Lettuce reaches it).
   *
   * @param client the client to connect with
   * @param uri a Sentinel URI ({@code redis-sentinel://...#master})
   * @param onSwitch run once per new primary the sentinels announce; must not block
   * @param onPromotion run with host and port once per replica that Sentinel told to become primary; must not block
   * @return the watch; close it with the store
   */
  static SentinelWatch start(RedisClient client, RedisURI uri, Runnable onSwitch,
      java.util.function.BiConsumer<String, Integer> onPromotion) {
    SentinelWatch watch = new SentinelWatch(uri.getSentinelMasterId(), onSwitch, onPromotion);
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
        connection.async().subscribe(SWITCH, PROMOTION);
      });
    }
    return watch;
  }

  /**
   * {@code +switch-master <master> <old ip> <old port> <new ip> <new port>}, or
   * {@code +failover-state-wait-promotion slave <ip>:<port> <ip> <port> @ <master> <master ip> <master port>}.
   */
  void announced(String channel, String message) {
    if (closed || message == null) {
      return;
    }
    String[] parts = message.trim().split("\\s+");
    if (PROMOTION.equals(channel)) {
      if (parts.length == 8 && parts[0].equals("slave") && parts[4].equals("@") && parts[5].equals(master)
          && parts[3].matches("\\d{1,5}")) {
        String promoted = parts[2] + ":" + parts[3];
        synchronized (this) {
          if (Objects.equals(promoted, lastPromoted)) {
            return;
          }
          lastPromoted = promoted;
        }
        LOG.log(Level.INFO, "Sentinel is promoting " + promoted + " to primary of " + master
            + "; the rate limit store moves to it");
        onPromotion.accept(parts[2], Integer.parseInt(parts[3]));
      }
      return;
    }
    if (!SWITCH.equals(channel) || parts.length != 5 || !parts[0].equals(master)) {
      return;
    }
    String address = parts[3] + ":" + parts[4];
    synchronized (this) {
      if (Objects.equals(address, lastAddress)) {
        return; // another sentinel's announcement of the same switch
      }
      lastAddress = address;
    }
    LOG.log(Level.INFO, "Sentinel announced a new primary for " + master + " at " + address
        + "; the rate limit store connects to it");
    onSwitch.run();
  }

  @Override
  public void close() {
    closed = true;
    for (StatefulRedisPubSubConnection<String, String> connection : connections) {
      connection.closeAsync();
    }
  }
}
