package io.limiter.redis.internal;

import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisRateLimitStoreBuilder;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates a store from a URI and options given as text (see {@link RedisRateLimitStore#fromUri}). Every option is
 * checked before anything connects, and all problems are reported together in one exception, one line each, naming
 * the option and its value.
 */
public final class UriStoreFactory {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");
  private static final Set<String> OPTIONS = Collections.unmodifiableSet(new TreeSet<>(List.of("cluster",
      "keyPrefix", "commandTimeout", "connectTimeout", "closedRetryAfter", "failureLogInterval", "fallbackMaxKeys",
      "instances", "recoveryBackoff", "recoveryBackoffMax", "denyCacheSize")));

  private UriStoreFactory() {
  }

  /** @return the option names {@link #create} accepts */
  public static Set<String> options() {
    return OPTIONS;
  }

  /**
   * Creates the store.
   *
   * @param uri a Redis URI, or with {@code cluster=true} a comma-separated list of seed node URIs
   * @param options options by name
   * @return the store
   * @throws IllegalArgumentException listing every problem
   */
  public static RedisRateLimitStore create(String uri, Map<String, String> options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    List<String> problems = new ArrayList<>();
    RedisRateLimitStoreBuilder builder = RedisRateLimitStore.builder();
    for (String name : options.keySet()) {
      if (!OPTIONS.contains(name)) {
        problems.add("option \"" + name + "\" is unknown; known options: " + String.join(", ", OPTIONS));
      }
    }
    Options o = new Options(options, problems);
    boolean cluster = Boolean.TRUE.equals(o.get("cluster", UriStoreFactory::bool));
    o.apply("keyPrefix", Function.identity(), builder::keyPrefix);
    o.apply("commandTimeout", UriStoreFactory::duration, builder::commandTimeout);
    o.apply("connectTimeout", UriStoreFactory::duration, builder::connectTimeout);
    o.apply("closedRetryAfter", UriStoreFactory::duration, builder::closedRetryAfter);
    o.apply("failureLogInterval", UriStoreFactory::duration, builder::failureLogInterval);
    o.apply("fallbackMaxKeys", Long::parseLong, builder::fallbackMaxKeys);
    o.apply("instances", Integer::parseInt, builder::instances);
    o.apply("denyCacheSize", Integer::parseInt, builder::localDenyCache);
    Duration backoff = o.get("recoveryBackoff", UriStoreFactory::duration);
    Duration backoffMax = o.get("recoveryBackoffMax", UriStoreFactory::duration);
    if (backoff != null || backoffMax != null) {
      Duration first = backoff != null ? backoff : Duration.ofMillis(100);
      Duration max = backoffMax != null ? backoffMax : Duration.ofSeconds(2).compareTo(first) >= 0
          ? Duration.ofSeconds(2) : first;
      try {
        builder.recoveryBackoff(first, max);
      } catch (IllegalArgumentException e) {
        problems.add("options recoveryBackoff=\"" + options.get("recoveryBackoff") + "\" and recoveryBackoffMax=\""
            + options.get("recoveryBackoffMax") + "\": " + e.getMessage());
      }
    }
    try {
      if (cluster) {
        builder.cluster(uri.split("\\s*,\\s*"));
      } else {
        builder.uri(uri.trim());
      }
    } catch (IllegalArgumentException e) {
      problems.add("URI: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid Redis rate limit store configuration (URI \"" + redact(uri)
          + "\"):\n - " + String.join("\n - ", problems));
    }
    return builder.build();
  }

  /** Hides a password in a URI for error messages. */
  static String redact(String uri) {
    return uri.replaceAll("(://)[^@/,]*@", "$1***@");
  }

  static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          return Duration.ofDays(n);
      }
    }
    try {
      return Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected a duration such as 100ms, 2s, 1m or PT0.5S");
    }
  }

  static Boolean bool(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("true") || t.equals("false")) {
      return Boolean.valueOf(t);
    }
    throw new IllegalArgumentException("expected true or false");
  }

  /** Reads options, turning every failure into one line of the report. */
  private static final class Options {
    private final Map<String, String> values;
    private final List<String> problems;

    Options(Map<String, String> values, List<String> problems) {
      this.values = values;
      this.problems = problems;
    }

    <T> T get(String name, Function<String, T> parse) {
      String value = values.get(name);
      if (value == null) {
        return null;
      }
      try {
        return parse.apply(value);
      } catch (NumberFormatException e) {
        problems.add("option " + name + "=\"" + value + "\": expected a whole number");
      } catch (IllegalArgumentException e) {
        problems.add("option " + name + "=\"" + value + "\": " + e.getMessage());
      }
      return null;
    }

    <T> void apply(String name, Function<String, T> parse, java.util.function.Consumer<T> setter) {
      T parsed = get(name, parse);
      if (parsed == null) {
        return;
      }
      try {
        setter.accept(parsed);
      } catch (IllegalArgumentException e) {
        problems.add("option " + name + "=\"" + values.get(name) + "\": " + e.getMessage());
      }
    }
  }
}
