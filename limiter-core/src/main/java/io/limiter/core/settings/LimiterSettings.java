package io.limiter.core.settings;

import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.http.HeaderMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The limiter-wide settings (store, header mode, missing keys, client IP, store failures) and the settings of the
 * servlet filter as a whole (status, exclusions), in the one vocabulary of every front-end. A name here is the same
 * name everywhere: the init-param {@code client-ip.trusted-proxies} is the Boot property
 * {@code limiter.client-ip.trusted-proxies}. The filter's own settings ({@link #FILTER}) sit in Boot's
 * {@code limiter.filter} group, because there the filter is one consumer among others (the aspect); the init-params
 * are the filter's, so {@code status} is {@code limiter.filter.status}. Former names are refused with the new one
 * ({@link #renamed}). Each front-end applies the values through its own builders, whose setters check them. Not
 * thread-safe; read once at startup.
 */
public final class LimiterSettings {

  /** Limiter-wide settings: init-param {@code X}, Boot property {@code limiter.X}. */
  public static final List<String> LIMITER = List.of("store", "max-keys", "header-mode", "missing-key",
      "client-ip.trusted-proxies", "client-ip.trust-all-proxies", "client-ip.forwarded-header",
      "client-ip.ipv4-prefix-length", "client-ip.ipv6-prefix-length", "failure.closed-retry-after");

  /** The servlet filter's settings: init-param {@code X}, Boot property {@code limiter.filter.X}. */
  public static final List<String> FILTER = List.of("status", "missing-key-status", "exclude",
      "case-sensitive-paths");

  /** Former names, refused with the new one (one name for each concept in init-params and properties). */
  private static final Map<String, String> RENAMED = renames();

  private final Map<String, Setting> values;
  private final String source;
  private final UnaryOperator<String> name;

  private LimiterSettings(Map<String, Setting> values, String source, UnaryOperator<String> name) {
    this.values = values;
    this.source = source;
    this.name = name;
  }

  private static Map<String, String> renames() {
    Map<String, String> renamed = new LinkedHashMap<>();
    renamed.put("headers", "header-mode");
    renamed.put("store.max-keys", "max-keys");
    renamed.put("fail-closed-retry-after", "failure.closed-retry-after");
    for (String part : List.of("trusted-proxies", "trust-all-proxies", "forwarded-header", "ipv4-prefix-length",
        "ipv6-prefix-length")) {
      renamed.put(part, "client-ip." + part);
    }
    renamed.put("ipv4-prefix", "client-ip.ipv4-prefix-length");
    renamed.put("ipv6-prefix", "client-ip.ipv6-prefix-length");
    return Collections.unmodifiableMap(renamed);
  }

  /**
   * @param former a name as the user wrote it, without the front-end's prefix ({@code headers},
   *     {@code trusted-proxies})
   * @return the vocabulary name that replaced it, or null if it is not a former name
   */
  public static @Nullable String renamed(String former) {
    return RENAMED.get(former);
  }

  /**
   * @param vocabularyName a name of {@link #LIMITER} or {@link #FILTER}
   * @return its Boot property: {@code limiter.} or, for the filter's settings, {@code limiter.filter.} and the name
   */
  public static String property(String vocabularyName) {
    return (FILTER.contains(vocabularyName) ? "limiter.filter." : "limiter.") + vocabularyName;
  }

  /**
   * Groups the limiter-wide and filter settings, reporting names outside the vocabulary (former names with their new
   * name, others with the known names).
   *
   * @param settings the settings by their vocabulary name
   * @param own further names the front-end reads itself (e.g. the servlet's {@code listener}); null for none
   * @param source where settings that may be absent would come from: {@code init-param}, {@code property}
   * @param name names a setting in the front-end's spelling, e.g. {@code status} to {@code limiter.filter.status}
   * @param problems receives unknown and former names
   * @return the settings
   */
  public static LimiterSettings of(Map<String, Setting> settings, @Nullable List<String> own, String source,
      UnaryOperator<String> name, Problems problems) {
    List<String> known = new ArrayList<>(LIMITER);
    known.addAll(FILTER);
    if (own != null) {
      known.addAll(own);
    }
    Map<String, Setting> accepted = new LinkedHashMap<>();
    settings.forEach((key, setting) -> {
      if (setting == null) {
        return;
      }
      if (known.contains(key)) {
        accepted.put(key, setting);
      } else if (RENAMED.containsKey(key)) {
        problems.add(setting.where() + ": renamed to " + name.apply(RENAMED.get(key)) + " (one name for each "
            + "concept in init-params and properties)");
      } else {
        problems.add(setting.where() + ": unknown setting; known settings are " + known);
      }
    });
    return new LimiterSettings(accepted, Objects.requireNonNull(source, "source"),
        Objects.requireNonNull(name, "name"));
  }

  /**
   * @param part a vocabulary name
   * @return the setting, or null if not set
   */
  public @Nullable Setting get(String part) {
    return values.get(part);
  }

  /**
   * @param part a vocabulary name
   * @return where it is (or would be) set, e.g. {@code init-param client-ip.trusted-proxies}
   */
  public String label(String part) {
    Setting s = values.get(part);
    return s != null ? s.label() : source + " " + name.apply(part);
  }

  /**
   * @param problems receives a problem if the value is not a whole number of at least the stores' minimum
   * @return {@code max-keys}, or null if not set (or wrong)
   */
  public @Nullable Long maxKeys(Problems problems) {
    Long[] out = new Long[1];
    problems.read(get("max-keys"), Setting::asLong, n -> {
      RateLimitStore.builder().maxKeys(n); // the stores' own check, so that it fails here with the setting's name
      out[0] = n;
    });
    return out[0];
  }

  /**
   * @param problems receives a problem if the value is not a header mode
   * @return {@code header-mode}, or null if not set (or wrong)
   */
  public @Nullable HeaderMode headerMode(Problems problems) {
    return value("header-mode", Setting::asHeaderMode, problems);
  }

  /**
   * @param problems receives a problem if the value is not a strategy
   * @return {@code missing-key}, or null if not set (or wrong)
   */
  public @Nullable MissingKeyStrategy missingKey(Problems problems) {
    return value("missing-key", Setting::asMissingKey, problems);
  }

  /**
   * @param problems receives a problem if the value is not a duration
   * @return {@code failure.closed-retry-after}, or null if not set (or wrong)
   */
  public @Nullable Duration closedRetryAfter(Problems problems) {
    return value("failure.closed-retry-after", Setting::asDuration, problems);
  }

  private <T> @Nullable T value(String part, java.util.function.Function<Setting, T> reader, Problems problems) {
    List<T> out = new ArrayList<>(1);
    problems.read(get(part), reader, out::add);
    return out.isEmpty() ? null : out.get(0);
  }
}
