package io.limiter.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free loopback port, for integration tests. The binary is the one on the
 * PATH (Debian's package), else the Linux binary inside {@code com.github.codemonstur:embedded-redis} on the test
 * class path; if neither runs, starting fails with instructions. Processes are killed when the JVM exits.
 *
 * <p>Shared with other modules' integration tests through this module's test jar. Not thread-safe: one test
 * thread controls a server.
 */
public final class RedisServer implements AutoCloseable {

  private static final String EMBEDDED = "redis-server-6.2.6-v5-linux-amd64";
  private static final Path TARGET = Paths.get("target", "redis-servers");
  private static Path binary;

  private final int port;
  private final List<String> extraArgs;
  private final Path dir;
  /** Config file text, first argument of the command (sentinels need a writable file), or null. */
  private final String config;
  private Process process;

  private RedisServer(int port, List<String> extraArgs, String config) throws IOException {
    this.port = port;
    this.extraArgs = extraArgs;
    this.config = config;
    Files.createDirectories(TARGET);
    this.dir = Files.createTempDirectory(TARGET.toAbsolutePath(), "redis-" + port + "-");
  }

  /**
   * Starts a server on a free loopback port.
   *
   * @param extraArgs more {@code redis-server} arguments, e.g. {@code --cluster-enabled yes}
   * @return the running server
   */
  public static RedisServer start(String... extraArgs) {
    return startWith(null, extraArgs);
  }

  /**
   * Starts a server that speaks TLS on {@link #tlsPort()} (and plain text on {@link #port()}, for the tests' admin
   * connections).
   *
   * @param certificate the server's certificate (PEM)
   * @param key its private key (PEM)
   * @param authority the CA whose client certificates the server accepts (PEM)
   * @param authClients {@code yes} (client certificates required), {@code optional} or {@code no}
   * @return the running server
   */
  public static RedisServer startTls(Path certificate, Path key, Path authority, String authClients) {
    return start("--tls-port", Integer.toString(freePort()), "--tls-cert-file", certificate.toString(),
        "--tls-key-file", key.toString(), "--tls-ca-cert-file", authority.toString(), "--tls-auth-clients",
        authClients);
  }

  /** @return the TLS port of a server from {@link #startTls}, else -1 */
  public int tlsPort() {
    int i = extraArgs.indexOf("--tls-port");
    return i < 0 ? -1 : Integer.parseInt(extraArgs.get(i + 1));
  }

  /**
   * Starts a Redis Sentinel ({@code redis-server <config> --sentinel}) on a free loopback port, monitoring one master.
   *
   * @param masterName the name of the master the sentinel monitors
   * @param master the master
   * @param quorum how many sentinels must agree that the master is down
   * @param downAfterMillis {@code down-after-milliseconds}: how long the master may not answer before it counts as
   *     down
   * @param failoverTimeoutMillis {@code failover-timeout}
   * @return the running sentinel
   */
  public static RedisServer startSentinel(String masterName, RedisServer master, int quorum, long downAfterMillis,
      long failoverTimeoutMillis) {
    String config = "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " " + quorum + "\n"
        + "sentinel down-after-milliseconds " + masterName + " " + downAfterMillis + "\n"
        + "sentinel failover-timeout " + masterName + " " + failoverTimeoutMillis + "\n"
        + "sentinel parallel-syncs " + masterName + " 1\n";
    return startWith(config, "--sentinel");
  }

  private static RedisServer startWith(String config, String... extraArgs) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      try {
        RedisServer server = new RedisServer(port, List.of(extraArgs), config);
        server.launch();
        return server;
      } catch (IOException | IllegalStateException e) {
        last = new IllegalStateException("cannot start redis-server on port " + port + ": " + e.getMessage(), e);
      }
    }
    throw last;
  }

  /**
   * Starts a server on a given loopback port.
   *
   * @param port the port
   * @return the running server
   */
  public static RedisServer startOn(int port) {
    try {
      RedisServer server = new RedisServer(port, List.of(), null);
      server.launch();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start redis-server on port " + port, e);
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** @return the directory of the server's files (log, config) */
  public Path dir() {
    return dir;
  }

  public long pid() {
    return process.pid();
  }

  private void launch() throws IOException {
    List<String> command = new ArrayList<>(List.of(binary().toString()));
    if (config != null) {
      Path file = dir.resolve("redis.conf");
      if (!Files.exists(file)) { // a restarted sentinel keeps what it rewrote into its file
        Files.writeString(file, config, StandardCharsets.UTF_8);
      }
      command.add(file.toString());
    }
    command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "no",
        "--dir", dir.toString()));
    if (config == null) {
      command.addAll(List.of("--save", "", "--appendonly", "no"));
    }
    command.addAll(extraArgs);
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
    process = p;
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + p.exitValue() + "; log: "
            + Files.readString(dir.resolve("redis.log")));
      }
      if (ping()) {
        return;
      }
      sleep(20);
    }
    p.destroyForcibly();
    throw new IllegalStateException("redis-server did not answer PING within 10 s on port " + port);
  }

  /** Whether the server answers PING now (a server that requires a password answers NOAUTH: it is up too). */
  public boolean ping() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[7];
      int n = in.readNBytes(buf, 0, 7);
      String reply = new String(buf, 0, n, StandardCharsets.US_ASCII);
      return reply.equals("+PONG\r\n") || reply.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the server again on the same port, with empty data (as after a crash without persistence). */
  public void restart() {
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          launch();
          return;
        } catch (IllegalStateException e) {
          if (attempt == 20) {
            throw e;
          }
          sleep(100); // the port may still be in TIME_WAIT for the listener
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot restart redis-server on port " + port, e);
    }
  }

  /** Freezes the process (SIGSTOP): it keeps its connections but answers nothing, like a stalled server. */
  public void freeze() {
    signal("STOP");
  }

  /** Lets a frozen process go on (SIGCONT). */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot send SIG" + name + " to redis-server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      thawQuietly();
      kill();
    }
  }

  private void thawQuietly() {
    try {
      signal("CONT");
    } catch (RuntimeException ignored) {
      // the process may be gone already
    }
  }

  public static synchronized Path binary() {
    if (binary != null) {
      return binary;
    }
    List<String> tried = new ArrayList<>();
    // -Dlimiter.test.redis-server=embedded tests the fallback binary; =/some/redis-server picks a binary
    String chosen = System.getProperty("limiter.test.redis-server", "");
    if (!chosen.isEmpty() && !chosen.equals("embedded")) {
      Path candidate = Paths.get(chosen);
      if (runs(candidate, tried)) {
        return binary = candidate;
      }
    }
    String path = chosen.isEmpty() ? System.getenv("PATH") : null;
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        Path candidate = Paths.get(dir, "redis-server");
        if (Files.isExecutable(candidate) && runs(candidate, tried)) {
          return binary = candidate;
        }
      }
    }
    tried.add("no redis-server on the PATH");
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
      try (InputStream in = RedisServer.class.getResourceAsStream("/" + EMBEDDED)) {
        if (in == null) {
          tried.add("embedded-redis binary " + EMBEDDED + " not on the test class path");
        } else {
          Files.createDirectories(TARGET);
          Path extracted = TARGET.resolve(EMBEDDED).toAbsolutePath();
          Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
          extracted.toFile().setExecutable(true);
          if (runs(extracted, tried)) {
            return binary = extracted;
          }
        }
      } catch (IOException e) {
        tried.add("cannot extract " + EMBEDDED + ": " + e);
      }
    } else {
      tried.add("the embedded-redis fallback binary is for Linux x86-64, this is " + os + "/" + arch);
    }
    throw new IllegalStateException("The Redis integration tests need a redis-server binary and found none that runs ("
        + String.join("; ", tried) + "). Install one: Debian/Ubuntu `apt-get install redis-server`, macOS "
        + "`brew install redis`, or put redis-server on the PATH.");
  }

  private static boolean runs(Path candidate, List<String> tried) {
    try {
      Process p = new ProcessBuilder(candidate.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && out.contains("Redis server")) {
        return true;
      }
      tried.add(candidate + " --version failed: " + out.strip());
    } catch (IOException e) {
      tried.add(candidate + " does not run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** A port free now on loopback, with its cluster bus port (+10000) free too. */
  public static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = s.getLocalPort();
        if (port + 10000 > 65535) {
          continue;
        }
        try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
          return port;
        } catch (IOException busTaken) {
          // try another
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot find a free loopback port", e);
      }
    }
    throw new IllegalStateException("cannot find a free loopback port whose cluster bus port is free too");
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "redis-server on port " + port;
  }
}
