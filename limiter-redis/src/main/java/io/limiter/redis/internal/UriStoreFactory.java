package io.limiter.redis.internal;

import io.limiter.core.DurationFormat;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisRateLimitStoreBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Creates a store from settings given as text (see {@link RedisRateLimitStore#fromUri}): the way the servlet
 * filter's {@code store.*} init-params reach it through {@link RedisStoreProvider}. Every setting is checked before
 * anything connects, and all problems are reported together in one exception, one line each, naming the setting
 * and its value.
 */
public final class UriStoreFactory {

  /** The setting that holds the URI when everything comes as settings (the provider's way). */
  static final String URI = "uri";
  private static final Set<String> SETTINGS = new TreeSet<>(List.of("cluster", "key-prefix", "command-timeout",
      "connect-timeout", "closed-retry-after", "failure-log-interval", "fallback-max-keys", "instances",
      "recovery-backoff", "recovery-backoff-max", "deny-cache-size", "tls-ca-file", "tls-cert-file",
      "tls-key-file", "coalesce"));

  private UriStoreFactory() {
  }

  /**
   * Creates the store from settings that include the {@code uri}.
   *
   * @param settings the settings by name
   * @return the store
   * @throws IllegalArgumentException listing every problem
   */
  public static RedisRateLimitStore create(Map<String, String> settings) {
    Map<String, String> rest = new LinkedHashMap<>(Objects.requireNonNull(settings, "settings"));
    String uri = rest.remove(URI);
    List<String> problems = new ArrayList<>();
    if (uri == null || uri.isBlank()) {
      problems.add("setting uri is missing; e.g. uri=redis://127.0.0.1:6379");
    }
    return build(uri, rest, problems);
  }

  /**
   * Creates the store.
   *
   * @param uri a Redis URI, or with {@code cluster=true} a comma-separated list of seed node URIs
   * @param settings the other settings by name
   * @return the store
   * @throws IllegalArgumentException listing every problem
   */
  public static RedisRateLimitStore create(String uri, Map<String, String> settings) {
    return build(Objects.requireNonNull(uri, "uri"), Objects.requireNonNull(settings, "settings"),
        new ArrayList<>());
  }

  private static RedisRateLimitStore build(@Nullable String uri, Map<String, String> settings,
      List<String> problems) {
    RedisRateLimitStoreBuilder builder = RedisRateLimitStore.builder();
    for (String name : settings.keySet()) {
      if (!SETTINGS.contains(name)) {
        problems.add("setting " + name + " is unknown; known settings: uri, " + String.join(", ", SETTINGS));
      }
    }
    Settings s = new Settings(settings, problems);
    boolean cluster = Boolean.TRUE.equals(s.get("cluster", UriStoreFactory::bool));
    s.apply("key-prefix", Function.identity(), builder::keyPrefix);
    s.apply("command-timeout", UriStoreFactory::duration, builder::commandTimeout);
    s.apply("connect-timeout", UriStoreFactory::duration, builder::connectTimeout);
    s.apply("closed-retry-after", UriStoreFactory::duration, builder::closedRetryAfter);
    s.apply("failure-log-interval", UriStoreFactory::duration, builder::failureLogInterval);
    s.apply("fallback-max-keys", Long::parseLong, builder::fallbackMaxKeys);
    s.apply("instances", Integer::parseInt, builder::instances);
    s.apply("deny-cache-size", Integer::parseInt, builder::localDenyCache);
    s.apply("coalesce", UriStoreFactory::bool, builder::coalesce);
    Duration backoff = s.get("recovery-backoff", UriStoreFactory::duration);
    Duration backoffMax = s.get("recovery-backoff-max", UriStoreFactory::duration);
    if (backoff != null || backoffMax != null) {
      Duration first = backoff != null ? backoff : Duration.ofMillis(100);
      Duration max = backoffMax != null ? backoffMax : first.compareTo(Duration.ofSeconds(2)) > 0 ? first
          : Duration.ofSeconds(2);
      try {
        builder.recoveryBackoff(first, max);
      } catch (IllegalArgumentException e) {
        problems.add("settings recovery-backoff=\"" + settings.get("recovery-backoff") + "\" and "
            + "recovery-backoff-max=\"" + settings.get("recovery-backoff-max") + "\": " + e.getMessage());
      }
    }
    tls(s, settings, builder, problems);
    if (uri != null && !uri.isBlank()) {
      try {
        if (cluster) {
          builder.cluster(uri.trim().split("\\s*,\\s*"));
        } else {
          builder.uri(uri.trim());
        }
      } catch (IllegalArgumentException e) {
        problems.add("setting uri=\"" + redact(uri) + "\": " + redact(String.valueOf(e.getMessage())));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid Redis rate limit store settings:\n - "
          + String.join("\n - ", problems));
    }
    return builder.build();
  }

  /**
   * TLS files: {@code tls-ca-file} (PEM CA certificates to trust instead of the JVM's trust store), and together
   * {@code tls-cert-file} and {@code tls-key-file} (PEM client certificate chain and unencrypted PKCS#8 key). Each is
   * read now, so that a missing or unreadable file is reported with the other settings, not at the first connection.
   */
  private static void tls(Settings s, Map<String, String> settings, RedisRateLimitStoreBuilder builder,
      List<String> problems) {
    java.io.File ca = s.get("tls-ca-file", UriStoreFactory::certificates);
    java.io.File cert = s.get("tls-cert-file", UriStoreFactory::certificates);
    java.io.File key = s.get("tls-key-file", UriStoreFactory::readable);
    if ((settings.containsKey("tls-cert-file")) != (settings.containsKey("tls-key-file"))) {
      problems.add("settings tls-cert-file and tls-key-file go together (the client certificate and its key); only "
          + (settings.containsKey("tls-cert-file") ? "tls-cert-file" : "tls-key-file") + " is set");
      return;
    }
    if (ca == null && cert == null) {
      return;
    }
    io.lettuce.core.SslOptions.Builder ssl = io.lettuce.core.SslOptions.builder().jdkSslProvider();
    if (ca != null) {
      ssl.trustManager(ca);
    }
    if (cert != null && key != null) {
      ssl.keyManager(cert, key, null);
    }
    builder.sslOptions(ssl.build());
  }

  private static java.io.File readable(String path) {
    java.nio.file.Path file = java.nio.file.Path.of(path.trim());
    if (!java.nio.file.Files.isRegularFile(file) || !java.nio.file.Files.isReadable(file)) {
      throw new IllegalArgumentException("no readable file " + file.toAbsolutePath());
    }
    return file.toFile();
  }

  private static java.io.File certificates(String path) {
    java.io.File file = readable(path);
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file.toPath())) {
      if (java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + file.getAbsolutePath());
      }
    } catch (java.io.IOException | java.security.cert.CertificateException e) {
      throw new IllegalArgumentException("cannot read certificates (PEM) from " + file.getAbsolutePath() + ": "
          + e.getMessage());
    }
    return file;
  }

  /** Hides passwords in URIs for error messages. */
  static String redact(String text) {
    return text.replaceAll("(://)[^@/,\\s\"]*@", "$1***@");
  }

  /** The one duration grammar of every setting ({@link DurationFormat}), so that {@code 1w} means a week here too. */
  static Duration duration(String text) {
    return DurationFormat.parse(text);
  }

  static Boolean bool(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("true") || t.equals("false")) {
      return Boolean.valueOf(t);
    }
    throw new IllegalArgumentException("expected true or false");
  }

  /** Reads settings, turning every failure into one line of the report. */
  private static final class Settings {
    private final Map<String, String> values;
    private final List<String> problems;

    Settings(Map<String, String> values, List<String> problems) {
      this.values = values;
      this.problems = problems;
    }

    <T> @Nullable T get(String name, Function<String, T> parse) {
      String value = values.get(name);
      if (value == null) {
        return null;
      }
      try {
        return parse.apply(value);
      } catch (NumberFormatException e) {
        problems.add("setting " + name + "=\"" + value + "\": expected a whole number");
      } catch (IllegalArgumentException e) {
        problems.add("setting " + name + "=\"" + value + "\": " + e.getMessage());
      }
      return null;
    }

    <T> void apply(String name, Function<String, T> parse, Consumer<T> setter) {
      T parsed = get(name, parse);
      if (parsed == null) {
        return;
      }
      try {
        setter.accept(parsed);
      } catch (IllegalArgumentException e) {
        problems.add("setting " + name + "=\"" + values.get(name) + "\": " + e.getMessage());
      }
    }
  }
}
