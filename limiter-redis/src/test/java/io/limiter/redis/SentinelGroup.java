package io.limiter.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A Sentinel-managed Redis on loopback for integration tests: a primary, a replica and three sentinels (quorum 2),
 * all {@link RedisServer} processes of the one binary the tests use. {@link #start} returns once the replica is in
 * sync and every sentinel knows the replica and the other two sentinels, so that a failover can happen at once.
 * Shared with other modules' integration tests through this module's test jar. Not thread-safe.
 */
public final class SentinelGroup implements AutoCloseable {

  /** The name the sentinels monitor the primary under. */
  public static final String MASTER = "mymaster";

  private final RedisServer primary;
  private final RedisServer replica;
  private final List<RedisServer> sentinels = new ArrayList<>();

  private SentinelGroup(RedisServer primary, RedisServer replica) {
    this.primary = primary;
    this.replica = replica;
  }

  /**
   * @param downAfterMillis how long the primary may not answer before sentinels count it down
   * @param failoverTimeoutMillis sentinel's {@code failover-timeout}
   * @return the running group
   */
  public static SentinelGroup start(long downAfterMillis, long failoverTimeoutMillis) {
    RedisServer primary = RedisServer.start();
    SentinelGroup group = new SentinelGroup(primary, RedisServer.start("--replicaof", "127.0.0.1",
        Integer.toString(primary.port())));
    try {
      await("the replica in sync", 30, () -> group.info(group.replica, "replication")
          .contains("master_link_status:up"));
      for (int i = 0; i < 3; i++) {
        group.sentinels.add(RedisServer.startSentinel(MASTER, primary, 2, downAfterMillis, failoverTimeoutMillis));
      }
      for (RedisServer sentinel : group.sentinels) {
        await("sentinel " + sentinel.port() + " knowing the replica and two sentinels", 30, () -> {
          String master = RedisCli.command(sentinel.port(), "SENTINEL", "master", MASTER);
          return field(master, "num-slaves").equals("1") && field(master, "num-other-sentinels").equals("2");
        });
      }
      return group;
    } catch (RuntimeException | Error e) {
      group.close();
      throw e;
    }
  }

  /** @return {@code redis-sentinel://} URI of the three sentinels and the master name */
  public String uri() {
    return "redis-sentinel://" + sentinels.stream().map(s -> "127.0.0.1:" + s.port())
        .collect(Collectors.joining(",")) + "#" + MASTER;
  }

  /** @return the sentinels */
  public List<RedisServer> sentinels() {
    return sentinels;
  }

  /** @return the server started as primary */
  public RedisServer primary() {
    return primary;
  }

  /** @return the server started as replica */
  public RedisServer replica() {
    return replica;
  }

  /** @return the port of the primary as the first sentinel reports it now */
  public int reportedPrimaryPort() {
    String address = RedisCli.command(sentinels.get(0).port(), "SENTINEL", "get-master-addr-by-name", MASTER);
    return Integer.parseInt(address.split("\n")[1]);
  }

  /** Asks a sentinel for a planned failover ({@code SENTINEL FAILOVER}); returns its reply. */
  public String failover() {
    return RedisCli.command(sentinels.get(0).port(), "SENTINEL", "failover", MASTER);
  }

  private String info(RedisServer server, String section) {
    return RedisCli.command(server.port(), "INFO", section);
  }

  /** The value after {@code name} in a flat name/value reply (one item a line). */
  private static String field(String reply, String name) {
    String[] lines = reply.split("\n");
    for (int i = 0; i + 1 < lines.length; i += 2) {
      if (lines[i].equals(name)) {
        return lines[i + 1];
      }
    }
    return "";
  }

  /** Waits for a condition, polling every 20 ms; a server that does not answer yet (an exception) is not yet. */
  public static void await(String what, int seconds, BooleanSupplier condition) {
    Awaitility.await(what).atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(20)).pollInSameThread()
        .ignoreExceptions().until(condition::getAsBoolean);
  }

  @Override
  public void close() {
    for (RedisServer sentinel : sentinels) {
      sentinel.close();
    }
    replica.close();
    primary.close();
  }
}
