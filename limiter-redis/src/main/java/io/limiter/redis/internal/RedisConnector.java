package io.limiter.redis.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The store's one Lettuce connection (standalone, Sentinel-managed or Cluster) and the way scripts run on it.
 *
 * <p>Every concurrent decision shares the connection; Lettuce pipelines them. A script runs as {@code EVALSHA}; only
 * a {@code NOSCRIPT} error (the server never ran it) is followed by one {@code SCRIPT LOAD} of the full source and
 * the {@code EVALSHA} again ({@code EVAL} would cache it too, but Redis 7.4+ may evict scripts cached that way).
 * Nothing else is retried: after a timeout or a lost connection the script may have run, and
 * running it again would charge twice. For the same reason clients the store creates never replay unanswered
 * commands after a reconnect, and a command whose answer came too late is cancelled.
 *
 * <p>Every call is bounded by the command timeout: a synchronous caller waits at most that long ({@link #await});
 * an asynchronous call is expired by the connector's coarse timer ({@link #expireLater}, 10 ms ticks), which costs no
 * thread wake-up per command. The timer's thread belongs to the connector and stops with it (a JVM-wide one would
 * outlive a redeployed web application and pin its class loader). Before the first connection succeeds (Redis down at start-up) calls fail at once and a
 * connection attempt runs in the background. Thread-safe.
 */
public final class RedisConnector implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RedisConnector.class.getName());
  /** Connect timeout assumed for clients the application manages (their own timeouts apply too). */
  private static final Duration USER_CLIENT_CONNECT_BOUND = Duration.ofSeconds(5);

  private final AbstractRedisClient client;
  private final boolean ownsClient;
  private final @Nullable ClientResources ownedResources;
  private final Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> connect;
  private final long timeoutNanos;
  private final String timeoutText;
  private final AtomicBoolean connecting = new AtomicBoolean();
  private final LongAdder scriptLoads = new LongAdder();
  private volatile @Nullable StatefulConnection<String, String> connection;
  private volatile @Nullable RedisScriptingAsyncCommands<String, String> commands;
  private volatile boolean closed;
  private final long connectBoundNanos;
  /**
   * Why the store cannot use the server: too old for the scripts, or a configuration error of the connection (refused
   * credentials, failed TLS handshake, see {@link SetupProblem}); null if none was found.
   */
  private volatile @Nullable String versionProblem;
  /** Where the store connects, for messages: host and port, never the password. */
  private final String target;
  /** Follows Sentinel's failover announcements; null unless the URI is a Sentinel URI. */
  private volatile @Nullable SentinelWatch sentinelWatch;
  private volatile @Nullable Runnable onConnected;
  /** Timeouts of calls and connection attempts: a daemon thread ticking every 10 ms, stopped by {@link #close()}. */
  private final HashedWheelTimer timer;

  private RedisConnector(AbstractRedisClient client, boolean ownsClient, @Nullable ClientResources ownedResources,
      Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> connect, Duration commandTimeout,
      Duration connectTimeout, String target) {
    this.target = target;
    // a connection attempt is given up after the connect timeout plus the command timeout (for the handshake and the
    // version check), at least 2 s: Lettuce bounds the handshake by the URI's timeout, 60 s by default, and an attempt
    // held that long by a server that accepted the connection but answered slowly kept the store from connecting
    this.connectBoundNanos = Math.max(TimeUnit.SECONDS.toNanos(2),
        connectTimeout.toNanos() + commandTimeout.toNanos());
    this.client = client;
    this.ownsClient = ownsClient;
    this.ownedResources = ownedResources;
    this.connect = connect;
    this.timeoutNanos = commandTimeout.toNanos();
    this.timeoutText = "Redis did not answer within " + commandTimeout.toMillis() + " ms (command timeout)";
    // started now, off every decision's path: starting it waits for its thread, which an event-loop caller must not do
    this.timer = new HashedWheelTimer(runnable -> {
      Thread thread = new Thread(runnable, "limiter-redis-timeouts");
      thread.setDaemon(true);
      return thread;
    }, 10, TimeUnit.MILLISECONDS, 512);
    timer.start();
  }

  /**
   * Connects to a standalone or Sentinel-managed Redis through a client the caller manages.
   *
   * @param client the client; not shut down by {@link #close()}
   * @param uri the server, or null for the client's default URI
   * @param commandTimeout the command timeout
   * @return the connector, not yet connected
   */
  public static RedisConnector standalone(RedisClient client, @Nullable RedisURI uri, Duration commandTimeout) {
    return watchSentinels(new RedisConnector(client, false, null, standaloneConnect(client, uri), commandTimeout,
        USER_CLIENT_CONNECT_BOUND, SetupProblem.target(uri)), client, uri);
  }

  private static RedisConnector watchSentinels(RedisConnector connector, RedisClient client,
      @Nullable RedisURI uri) {
    if (uri != null && uri.getSentinelMasterId() != null && !uri.getSentinels().isEmpty()) {
      connector.sentinelWatch = SentinelWatch.start(client, uri, connector.connect::get, connector::moveTo);
    }
    return connector;
  }

  /**
   * Connects to a Redis Cluster through a client the caller manages.
   *
   * @param client the client; not shut down by {@link #close()}
   * @param commandTimeout the command timeout
   * @return the connector, not yet connected
   */
  public static RedisConnector cluster(RedisClusterClient client, Duration commandTimeout) {
    return new RedisConnector(client, false, null, clusterConnect(client), commandTimeout,
        USER_CLIENT_CONNECT_BOUND, "the Redis Cluster");
  }

  /**
   * Creates a client for a standalone or Sentinel-managed Redis, configured for rate limiting: commands are rejected
   * at once while disconnected, never replayed after a reconnect, and time out after {@code commandTimeout}.
   *
   * @param uri the server
   * @param resources shared resources, or null to create (and later shut down) private ones
   * @param ssl TLS settings for {@code rediss://}, or null for the JVM's defaults
   * @param commandTimeout the command timeout
   * @param connectTimeout the TCP connect timeout
   * @return the connector, owning its client, not yet connected
   */
  public static RedisConnector createStandalone(RedisURI uri, @Nullable ClientResources resources,
      @Nullable SslOptions ssl, Duration commandTimeout, Duration connectTimeout) {
    ClientResources owned = resources == null ? newResources() : null;
    RedisClient client = RedisClient.create(resources != null ? resources : owned, uri);
    client.setOptions(options(ClientOptions.builder(), ssl, commandTimeout, connectTimeout).build());
    return watchSentinels(new RedisConnector(client, true, owned, standaloneConnect(client, uri), commandTimeout,
        connectTimeout, SetupProblem.target(uri)), client, uri);
  }

  /**
   * Creates a Redis Cluster client configured like {@link #createStandalone}, refreshing its topology on redirects
   * and failures and every 30 seconds.
   *
   * @param seeds cluster nodes to discover the topology from
   * @param resources shared resources, or null to create (and later shut down) private ones
   * @param ssl TLS settings for seeds that use TLS, or null for the JVM's defaults
   * @param commandTimeout the command timeout
   * @param connectTimeout the TCP connect timeout
   * @return the connector, owning its client, not yet connected
   */
  public static RedisConnector createCluster(List<RedisURI> seeds, @Nullable ClientResources resources,
      @Nullable SslOptions ssl, Duration commandTimeout, Duration connectTimeout) {
    ClientResources owned = resources == null ? newResources() : null;
    RedisClusterClient client = RedisClusterClient.create(resources != null ? resources : owned, seeds);
    ClusterClientOptions.Builder options = ClusterClientOptions.builder()
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enableAllAdaptiveRefreshTriggers()
            .enablePeriodicRefresh(Duration.ofSeconds(30))
            .build());
    options(options, ssl, commandTimeout, connectTimeout);
    client.setOptions(options.build());
    return new RedisConnector(client, true, owned, clusterConnect(client), commandTimeout, connectTimeout,
        "the Redis Cluster (seeds " + seeds.stream().map(SetupProblem::target)
            .collect(java.util.stream.Collectors.joining(",")) + ")");
  }

  private static ClientResources newResources() {
    // reconnect quickly after a restart (Lettuce's default waits up to 30 s between attempts)
    return DefaultClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .build();
  }

  private static <B extends ClientOptions.Builder> B options(B builder, @Nullable SslOptions ssl,
      Duration commandTimeout, Duration connectTimeout) {
    if (ssl != null) {
      builder.sslOptions(ssl);
    }
    builder.autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .replayFilter(command -> true) // never replay: an unanswered script may have run already
        // the store bounds every call itself (see Call); Lettuce's own command timeouts (on by default in the
        // Lettuce we build against: ClientOptions.DEFAULT_TIMEOUT_OPTIONS) would add a second timer task per command
        .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
        .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build());
    return builder;
  }

  private static Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> clusterConnect(
      RedisClusterClient client) {
    // the async connect needs the topology loaded first (the blocking connect loads it itself)
    return () -> client.refreshPartitionsAsync().toCompletableFuture()
        .thenCompose(loaded -> client.connectAsync(StringCodec.UTF8));
  }

  private static Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> standaloneConnect(
      RedisClient client, @Nullable RedisURI uri) {
    if (uri != null) {
      return () -> client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
    }
    // the client's own default URI is reachable only through the blocking connect
    return () -> CompletableFuture.supplyAsync(() -> client.connect(StringCodec.UTF8));
  }

  /**
   * Connects, waiting at most {@code wait}; if that fails the store starts without Redis (its failure modes apply)
   * and connects later in the background.
   *
   * @param wait how long to wait for the connection
   * @return whether the connection is up
   */
  public boolean connect(Duration wait) {
    CompletableFuture<?> attempt = startConnect();
    if (attempt == null) {
      return commands != null;
    }
    try {
      attempt.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | TimeoutException e) {
      String problem = versionProblem;
      if (problem != null) {
        // a configuration error (too old, credentials, TLS): waiting will not cure it
        throw new IllegalStateException(problem, e instanceof ExecutionException ? e.getCause() : null);
      }
      LOG.log(Level.WARNING, "cannot connect to Redis yet; rate limit decisions follow each policy's failure mode "
          + "until it answers: "
          + describe(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return commands != null;
  }

  /**
   * Sets what to run when a connection (the first, or a new one after a connection failure before start) is up: the
   * store closes its recovery gate then, instead of waiting for its next probe.
   *
   * @param listener run on a Lettuce thread; must not block
   */
  void onConnected(Runnable listener) {
    this.onConnected = listener;
  }

  /** Starts a connection attempt unless one runs or the connection is up; null if none was started. */
  private @Nullable CompletableFuture<?> startConnect() {
    if (closed || commands != null || !connecting.compareAndSet(false, true)) {
      return null;
    }
    CompletableFuture<? extends StatefulConnection<String, String>> attempt;
    try {
      attempt = connect.get();
    } catch (RuntimeException e) {
      connecting.set(false);
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Object> ready = new CompletableFuture<>();
    AtomicBoolean settled = new AtomicBoolean();
    Timeout giveUp = timer.newTimeout(t -> {
      if (settled.compareAndSet(false, true)) {
        connecting.set(false); // the next call starts a new attempt; this one's connection is closed if it comes
        ready.completeExceptionally(new RedisConnectionException("could not connect to Redis within "
            + TimeUnit.NANOSECONDS.toMillis(connectBoundNanos) + " ms"));
      }
    }, connectBoundNanos, TimeUnit.NANOSECONDS);
    attempt.whenComplete((c, error) -> {
      if (!settled.compareAndSet(false, true)) {
        if (c != null) {
          c.closeAsync();
        }
        return;
      }
      giveUp.cancel();
      if (error != null) {
        noteSetupProblem(SetupProblem.of(error, target));
        connecting.set(false);
        ready.completeExceptionally(error);
      } else if (closed) {
        c.closeAsync();
        connecting.set(false);
        ready.completeExceptionally(new RedisConnectionException("the Redis rate limit store is closed"));
      } else {
        checkVersion(c, ready);
      }
    });
    return ready;
  }

  /** Asks the new connection's server for its version; uses the connection only if the scripts run there. */
  private void checkVersion(StatefulConnection<String, String> c, CompletableFuture<Object> ready) {
    CompletableFuture<String> info;
    try {
      info = (c instanceof StatefulRedisClusterConnection<String, String> cluster ? cluster.async().info("server")
          : ((StatefulRedisConnection<String, String>) c).async().info("server")).toCompletableFuture();
    } catch (RuntimeException e) {
      info = CompletableFuture.failedFuture(e);
    }
    // commands carry no Lettuce timeout here (the store bounds its own calls): a server that stalls right after the
    // handshake must not hold this attempt, and with it every later one, forever
    info.orTimeout(Math.max(timeoutNanos, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS).whenComplete((text,
        error) -> {
      if (error instanceof TimeoutException || error instanceof CompletionException
          && error.getCause() instanceof TimeoutException) {
        c.closeAsync();
        connecting.set(false);
        ready.completeExceptionally(new RedisCommandTimeoutException("Redis did not answer INFO after connecting"));
        return;
      }
      // INFO may be forbidden (ACL) or renamed away: then the scripts' own errors are the only check; but a server
      // that wants a password the URI does not give answers NOAUTH to it (and would to every script)
      String problem = error == null ? versionProblem(text) : SetupProblem.of(error, target);
      if (problem != null) {
        noteSetupProblem(problem);
        c.closeAsync();
        connecting.set(false);
        ready.completeExceptionally(new RedisConnectionException(problem));
        return;
      }
      versionProblem = null;
      connection = c;
      commands = commandsOf(c);
      connecting.set(false);
      ready.complete(c);
      Runnable listener = onConnected;
      if (listener != null) {
        listener.run();
      }
    });
  }

  /**
   * Sentinel is promoting a replica or announced a new primary: opens a connection to it and moves every later call
   * there, then closes the old connection once calls in flight on it have had their command timeout. Until the new
   * connection is up, calls keep going to the old one (or fail fast if it is gone).
   *
   * @param connectTo opens the new connection
   */
  void moveTo(Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> connectTo) {
    StatefulConnection<String, String> old = connection;
    if (closed) {
      return;
    }
    if (old == null) {
      startConnect();
      return;
    }
    CompletableFuture<? extends StatefulConnection<String, String>> attempt;
    try {
      attempt = connectTo.get();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot connect to the new Redis primary: " + describe(e));
      return;
    }
    attempt.orTimeout(connectBoundNanos, TimeUnit.NANOSECONDS).whenComplete((c, error) -> {
      if (error != null) {
        // the old connection reconnects by itself (asking the sentinels) as before
        LOG.log(Level.WARNING, "cannot connect to the new Redis primary yet: " + describe(error));
        return;
      }
      synchronized (this) {
        if (closed || connection != old) {
          c.closeAsync(); // closed meanwhile, or another switch won
          return;
        }
        connection = c;
        commands = commandsOf(c);
      }
      // calls in flight on the old connection get their answers (or time out) first: closing it now would fail them
      try {
        timer.newTimeout(t -> old.closeAsync(), timeoutNanos + TimeUnit.MILLISECONDS.toNanos(100),
            TimeUnit.NANOSECONDS);
      } catch (IllegalStateException stopped) {
        old.closeAsync(); // the connector closed meanwhile: nothing waits for the old connection's answers
      }
      Runnable listener = onConnected;
      if (listener != null) {
        listener.run();
      }
    });
  }

  /** Keeps a configuration error for {@link #connect} and calls; logs it at ERROR when it is new. */
  private void noteSetupProblem(@Nullable String problem) {
    if (problem != null && !problem.equals(versionProblem)) {
      versionProblem = problem;
      LOG.log(Level.ERROR, problem);
    }
  }

  /** The oldest Redis whose scripts run as needed: TIME before writes relies on effects replication (5.0's default). */
  static final String MIN_VERSION = "5.0.0";

  /**
   * Checks the server's {@code INFO server} text.
   *
   * @param info the text
   * @return why the server is too old for the scripts, or null if it is recent enough (or says no version)
   */
  static @Nullable String versionProblem(@Nullable String info) {
    if (info == null) {
      return null;
    }
    String redis = null;
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("valkey_version:")) {
        return null; // every Valkey release is compatible with Redis 7.2 or later
      }
      if (line.startsWith("redis_version:")) {
        redis = line.substring("redis_version:".length()).trim();
      }
    }
    if (redis == null || compareVersions(redis, MIN_VERSION) >= 0) {
      return null;
    }
    return "Redis " + redis + " is too old for the rate limit scripts: they need Redis " + MIN_VERSION
        + " or later (or any Valkey); upgrade the server the store connects to";
  }

  /** Compares dotted versions numerically; a part that is not a number counts as 0. */
  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int c = Long.compare(part(x, i), part(y, i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static long part(String[] parts, int i) {
    if (i >= parts.length) {
      return 0;
    }
    String digits = parts[i].replaceAll("[^0-9].*$", "");
    return digits.isEmpty() ? 0 : Long.parseLong(digits.substring(0, Math.min(digits.length(), 9)));
  }

  @SuppressWarnings("unchecked")
  private static RedisScriptingAsyncCommands<String, String> commandsOf(StatefulConnection<String, String> c) {
    if (c instanceof StatefulRedisClusterConnection) {
      return ((StatefulRedisClusterConnection<String, String>) c).async();
    }
    return ((StatefulRedisConnection<String, String>) c).async();
  }

  /**
   * Runs a script on the key. The returned call is not bounded by itself: wait for it with {@link #await} or let
   * {@link #expireLater} bound it.
   *
   * @param script the script
   * @param key its one key
   * @param args its arguments
   * @return the reply; completes exceptionally on a failure
   */
  CompletableFuture<List<Object>> run(LimitScript script, String key, String[] args) {
    return run(script.sha(), script.source(), new String[] {key}, args);
  }

  /**
   * Runs a script on keys (of one slot, on a Cluster), like {@link #run(LimitScript, String, String[])}.
   *
   * @param sha the script's SHA-1
   * @param source the script, loaded if the server answers NOSCRIPT
   * @param keys its keys
   * @param args its arguments
   * @return the reply; completes exceptionally on a failure
   */
  CompletableFuture<List<Object>> run(String sha, String source, String[] keys, String[] args) {
    RedisScriptingAsyncCommands<String, String> c = commands;
    if (c == null) {
      startConnect();
      String problem = versionProblem;
      return CompletableFuture.failedFuture(new RedisConnectionException(
          closed ? "the Redis rate limit store is closed" : problem != null ? problem : "not connected to Redis yet"));
    }
    return new Call(c, sha, source, keys, args).start();
  }

  /** @return whether this connects to a Redis Cluster (a call's keys must then share a slot) */
  boolean cluster() {
    return client instanceof RedisClusterClient;
  }

  /** @return the message of a call that timed out */
  String timeoutText() {
    return timeoutText;
  }

  /**
   * Waits for a call at most the command timeout; a call still open then fails with a
   * {@link RedisCommandTimeoutException} (its command is cancelled, never sent again).
   *
   * @param call a call from {@link #run}
   * @return the call, now complete
   */
  CompletableFuture<List<Object>> await(CompletableFuture<List<Object>> call) {
    try {
      call.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.completeExceptionally(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.completeExceptionally(e);
    } catch (ExecutionException | java.util.concurrent.CancellationException e) {
      // complete: the caller reads the outcome
    }
    return call;
  }

  /**
   * Makes a call fail with a {@link RedisCommandTimeoutException} if it is still open after the command timeout.
   *
   * @param call a call from {@link #run}
   * @return the call
   */
  CompletableFuture<List<Object>> expireLater(CompletableFuture<List<Object>> call) {
    try {
      if (call instanceof TimedReply c) {
        c.expireAfter(timer, timeoutNanos);
      } else if (!call.isDone()) {
        timer.newTimeout(t -> call.completeExceptionally(new TimeoutException()), timeoutNanos,
            TimeUnit.NANOSECONDS);
      }
    } catch (IllegalStateException stopped) {
      call.completeExceptionally(new TimeoutException());
    }
    // HashedWheelTimer.stop() can miss a timeout added while it stops (the add passes its state check, then lands
    // after the worker drained its queue): such a call would never expire. close() sets closed before stopping the
    // timer, so a call registered too late sees it here and fails now, as close() fails every open call
    if (closed && !call.isDone()) {
      call.completeExceptionally(new TimeoutException());
    }
    return call;
  }

  /** @return timeout timers not yet expired nor cancelled (tests: answered calls leave none behind) */
  long pendingTimers() {
    return timer.pendingTimeouts();
  }

  long scriptLoads() {
    return scriptLoads.sum();
  }

  @Override
  public void close() {
    SentinelWatch watch = sentinelWatch;
    if (watch != null) {
      watch.close();
    }
    StatefulConnection<String, String> c;
    synchronized (this) { // a connection moving to a new primary sees closed, or is closed here
      closed = true;
      c = connection;
      commands = null;
    }
    if (c != null) {
      c.close();
    }
    if (ownsClient) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      if (ownedResources != null) {
        ownedResources.shutdown(0, 2, TimeUnit.SECONDS);
      }
    }
    // calls still open fail now (their timers would have failed them), which also releases their coalescing lanes
    for (Timeout open : timer.stop()) {
      try {
        open.task().run(open);
      } catch (Exception e) {
        LOG.log(Level.DEBUG, "timeout task failed on close", e);
      }
    }
  }

  /**
   * A failure and up to two of its causes, each as its class and the first line of its message: Lettuce wraps the
   * reason a connection failed ("Unable to connect to ...") around the one that says why.
   */
  static String describe(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    StringBuilder text = new StringBuilder(describeOne(cause));
    Throwable next = cause.getCause();
    for (int depth = 0; next != null && next != cause && depth < 2; depth++, cause = next, next = next.getCause()) {
      text.append(" (caused by ").append(describeOne(next)).append(')');
    }
    return text.toString();
  }

  private static String describeOne(Throwable t) {
    String message = t.getMessage();
    if (message == null) {
      return t.getClass().getSimpleName();
    }
    int end = message.indexOf('\n');
    return t.getClass().getSimpleName() + ": " + (end < 0 ? message : message.substring(0, end));
  }

  /**
   * One script call: EVALSHA, and on NOSCRIPT once SCRIPT LOAD and EVALSHA again. A timeout ({@link TimedReply})
   * cancels the pending Lettuce command, so that a late answer is dropped and the command is never replayed.
   */
  private final class Call extends TimedReply implements BiConsumer<Object, Throwable> {
    private final RedisScriptingAsyncCommands<String, String> commands;
    private final String sha;
    private final String source;
    private final String[] keys;
    private final String[] args;
    private volatile @Nullable RedisFuture<?> pending;
    private boolean reloaded;

    Call(RedisScriptingAsyncCommands<String, String> commands, String sha, String source, String[] keys,
        String[] args) {
      super(timeoutText);
      this.commands = commands;
      this.sha = sha;
      this.source = source;
      this.keys = keys;
      this.args = args;
    }

    Call start() {
      RedisFuture<Object> f = commands.evalsha(sha, ScriptOutputType.MULTI, keys, args);
      pending = f;
      f.whenComplete(this);
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void accept(Object reply, Throwable error) {
      if (error == null) {
        complete((List<Object>) reply);
      } else if (!reloaded && !isDone() && isNoScript(error)) {
        // the server does not know the script (restart, SCRIPT FLUSH, failover, or Redis 7.4+ evicting scripts that
        // EVAL cached): it ran nothing, so load it with SCRIPT LOAD, which no eviction touches, and run it again
        reloaded = true;
        scriptLoads.increment();
        RedisFuture<String> load = commands.scriptLoad(source);
        pending = load;
        load.whenComplete((loaded, loadError) -> {
          if (loadError != null) {
            completeExceptionally(loadError);
          } else if (!isDone()) {
            RedisFuture<Object> f = commands.evalsha(sha, ScriptOutputType.MULTI, keys, args);
            pending = f;
            f.whenComplete(this);
          }
        });
      } else {
        completeExceptionally(error);
      }
    }

    @Override
    void timedOut() {
      RedisFuture<?> f = pending;
      if (f != null) {
        f.cancel(false);
      }
    }

    private boolean isNoScript(Throwable error) {
      Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      return t instanceof RedisNoScriptException || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
    }
  }
}
