package io.limiter.redis.internal;

import io.lettuce.core.RedisURI;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Recognizes connection failures that are configuration errors rather than outages: refused credentials and failed
 * TLS handshakes. Waiting does not cure them, so {@code build()} fails with a message saying what to fix, instead of
 * starting the store in its failure mode as it does for a server that is down. Messages never contain a password:
 * they are built here from the server's error code and the host and port, not from the URI. Stateless.
 */
final class SetupProblem {

  private SetupProblem() {
  }

  /**
   * @param failure why a connection attempt failed
   * @param target where the store connects, from {@link #target(RedisURI)}
   * @return what to fix, or null if the failure may be an outage
   */
  static @Nullable String of(Throwable failure, String target) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      String upper = message.toUpperCase(Locale.ROOT);
      if (upper.startsWith("WRONGPASS") || upper.contains("INVALID PASSWORD")
          || upper.contains("INVALID USERNAME-PASSWORD")) {
        return "Redis at " + target + " refused the user name or password of the Redis URI (" + firstLine(message)
            + "); check the credentials (redis://user:password@host:port, or redis://:password@host:port for the "
            + "default user)";
      }
      if (upper.startsWith("NOAUTH") || upper.startsWith("NOPERM") && upper.contains("AUTH")) {
        return "Redis at " + target + " requires a password (" + firstLine(message) + "); put the credentials into "
            + "the Redis URI: redis://user:password@host:port, or redis://:password@host:port for the default user";
      }
      // a handshake that timed out is an outage (a slow or stalled server), not a configuration error
      boolean timedOut = t.getClass().getSimpleName().contains("Timeout") || upper.contains("TIMED OUT");
      if ((t instanceof SSLException || t instanceof CertificateException) && !timedOut) {
        return "the TLS handshake with Redis at " + target + " failed (" + t.getClass().getSimpleName() + ": "
            + firstLine(message) + "); the server's certificate must be signed by a trusted CA (the JVM's trust "
            + "store, or the store's SslOptions) and name the host of the URI. The store never falls back to plain "
            + "text";
      }
    }
    return null;
  }

  /**
   * @param uri the URI the store connects to
   * @return host and port, or the Sentinel master and its sentinels; never the password
   */
  static String target(@Nullable RedisURI uri) {
    if (uri == null) {
      return "the client's default URI";
    }
    if (uri.getSentinelMasterId() != null && !uri.getSentinels().isEmpty()) {
      return "master " + uri.getSentinelMasterId() + " (sentinels " + uri.getSentinels().stream()
          .map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(",")) + ")";
    }
    return uri.getHost() + ":" + uri.getPort();
  }

  private static String firstLine(String message) {
    // Lettuce wraps the server's error in exceptions whose message repeats it after the wrapped class name
    String line = message.strip().replaceFirst("^([a-zA-Z_$][\\w$]*\\.)+[\\w$]*(Exception|Error): ", "");
    int end = line.indexOf('\n');
    line = end < 0 ? line : line.substring(0, end);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
