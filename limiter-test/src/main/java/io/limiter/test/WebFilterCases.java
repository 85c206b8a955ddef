package io.limiter.test;

import io.limiter.core.KeyKind;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The adversarial request suites every Limiter web filter runs (the servlet filter on Jetty and Tomcat, the WebFlux
 * filter on Netty), as data, so that both stacks are held to one table of cases:
 * <ul>
 *   <li>{@link #SPELLINGS}: raw request targets that spell {@code /api/data}, {@code /files/...} and {@code /health}
 *       in the ways servers disagree on (dot segments, {@code ;params}, encoded and double-encoded slashes and
 *       backslashes, overlong UTF-8, {@code %u}, case, control characters). The application under test serves
 *       {@code /api/*}, {@code /files/*}, {@code /health} and a catch-all, limits them by {@link #PATH_RULES} and
 *       exempts {@code /health}; whatever handler a spelling reaches must carry the decision of the rule covering it
 *       ({@link #ruleOf}), or the request is refused (400) or not found (404).
 *   <li>{@link #FORGERIES}: key forgery. Several rules share one policy, so one key space, with keys of different
 *       kinds ({@link #FORGERY_RULES}); a client crafts a header to equal another kind's stored key, a reserved key or
 *       a hashed long key, and must never share that state.
 * </ul>
 * Rules are given in the filter's init-parameter vocabulary ({@code rule.<name>.<part>}, {@code policy.<name>.<part>},
 * {@code exclude}); {@link #bootProperties} translates them into the Spring Boot {@code limiter.*} properties that
 * configure the same rules. Immutable and thread-safe.
 */
public final class WebFilterCases {

  private WebFilterCases() {
  }

  /** Raw request targets (after the context path), each to go on the wire byte for byte. */
  public static final List<String> SPELLINGS = List.of(
      // plain, slashes, dots
      "/api/data", "/api/data/", "/api//data", "//api/data", "/api/./data", "/api/x/../data", "/api/./././data",
      "/./api/data", "/../api/data", "/api/../api/data", "/api/data/.", "/api/data/./", "/api/data/x/..",
      // path parameters
      "/api/data;jsessionid=1", "/api;x=1/data", "/api/x/..;/data", "/api/data;/", "/api/data;%2F..%2F..%2Fhealth",
      "/api/%3B/data", "/api/data%3B", "/api/data%3Bx=1",
      // encodings
      "/api/%64ata", "/api/d%61ta", "/api%2Fdata", "/api%2fdata", "/api/%2e/data", "/api/x/%2e%2e/data",
      "/api/x/.%2E/data", "/api/%2E%2E/api/data", "/api/data/%2e", "/api/data%2F", "/api/data%2f.", "/api/data%2e",
      // encoded separators inside a segment
      "/api/x%2F..%2Fdata", "/files/a%2F..%2F..%2Fzzz", "/files/a%2f..%2f..%2fzzz", "/files/x%2F..%2F..%2Fhealth",
      "/files/a%2Fb", "/files/x%2F..%5C..\\health", "/health/..%2Fapi%2Fdata", "/health%2F..%2Fapi%2Fdata",
      "/health/x/..%2F..%2Fapi%2Fdata", "/health/..%2Ffiles%2Fx", "/health%2F..%2Ffiles%2Fx",
      // backslashes, raw and encoded
      "/api\\data", "/api%5Cdata", "/api/x\\..\\data", "/api/x%5C..%5Cdata", "/files/x%5C..%5C..%5Chealth",
      "/files/x\\..\\..\\health", "/health%5C..%5Capi%5Cdata", "/health\\..\\api\\data", "/health%5C..%5Cfiles%5Cx",
      // double encodings
      "/api/%2564ata", "/api/%252e%252e/data", "/files/a%252F..%252F..%252Fzzz", "/api/%255Cdata",
      // overlong and invalid UTF-8, %u escapes
      "/api/%C0%AE%C0%AE/data", "/api/x/%C0%AE%C0%AE/data", "/api/%E0%80%AE/data", "/api/x%C0%AFdata",
      "/files/%C0%AE%C0%AE%C0%AFhealth", "/files/%C0%AE%C0%AE/health", "/api/data%ff", "/api/%u0064ata",
      "/files/%u002e%u002e/health",
      // case
      "/API/data", "/Api/Data/", "/api/DATA", "/HEALTH", "/Health",
      // trailing dots and blanks
      "/api/data.", "/api/data..", "/api/data%20", "/health.", "/health%20",
      // NUL and control characters
      "/api/data%00", "/api/data%00.json", "/health%00", "/api/data%09", "/api/data%0d%0a", "/files/x%00/../../health",
      "/files/x%09",
      // exemption tricks
      "/health", "/health/", "/health;x=1", "/health;v=1", "/health/%2e%2e/api/data", "/health/..;/api/data",
      "//health", "/health/.", "/files/x/..;/..;/health", "/files/x/%2e%2e/%2e%2e/health");

  /**
   * The rules of the spelling suite: high limits (the suite is about being counted, not refused), {@code /health}
   * exempt. {@code data} covers {@code /api/data} inside {@code api}'s {@code /api/*}.
   */
  public static final Map<String, String> PATH_RULES = ordered(
      "rule.api.paths", "/api/*", "rule.api.limits", "1000000/hour",
      "rule.data.paths", "/api/data", "rule.data.limits", "1000000/hour",
      "rule.files.paths", "/files/*", "rule.files.limits", "1000000/hour",
      "rule.all.paths", "/**", "rule.all.limits", "1000000/hour",
      "exclude", "/health");

  /**
   * The rules a handler of the spelling suite must have been charged under.
   *
   * @param handler the handler the server routed to: {@code api}, {@code files}, {@code health} or {@code all}
   * @param pathInApi for {@code api}, the rest of the path after {@code /api} as the server decoded it (else ignored)
   * @return the rule names; {@code data} too when an application reading {@code pathInApi} generously (backslashes
   *     and encoded slashes as separators, dot segments resolved, any case) would take it for {@code /data}
   */
  public static List<String> ruleOf(String handler, @Nullable String pathInApi) {
    List<String> rules = new ArrayList<>(2);
    switch (handler) {
      case "api":
        rules.add("api");
        if ("/data".equals(carelessly(pathInApi))) {
          rules.add("data");
        }
        break;
      case "files":
        rules.add("files");
        break;
      case "health":
        break;
      default:
        rules.add("all");
    }
    return rules;
  }

  /**
   * A path as an application that normalises generously would read it (not the filters' code): encoded slashes and
   * backslashes as separators, dot segments resolved, lower case.
   *
   * @param path a decoded path, or null
   * @return the reading, or null for null
   */
  public static @Nullable String carelessly(@Nullable String path) {
    if (path == null) {
      return null;
    }
    String p = path.replaceAll("(?i)%2f|%5c", "/").replace('\\', '/').toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    for (String segment : p.split("/")) {
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else if (!segment.isEmpty() && !segment.equals(".")) {
        out.add(segment);
      }
    }
    return "/" + String.join("/", out);
  }

  /** The rules of the forgery suite: one policy of 2 per hour, keyed five ways, each under its own path. */
  public static final Map<String, String> FORGERY_RULES = ordered(
      "policy.api.limits", "2/hour",
      "rule.byip.paths", "/ip/*", "rule.byip.policy", "api", "rule.byip.key", "ip",
      "rule.bykey.paths", "/key/*", "rule.bykey.policy", "api", "rule.bykey.key", "header:X-API-Key",
      "rule.bykey.missing-key", "shared:anon",
      "rule.byuser.paths", "/user/*", "rule.byuser.policy", "api", "rule.byuser.key", "header:X-User",
      "rule.combo.paths", "/combo/*", "rule.combo.policy", "api", "rule.combo.key", "header:X-API-Key, ip",
      "rule.all.paths", "/all/*", "rule.all.policy", "api", "rule.all.key", "global");

  /**
   * One request of a case: a path and header name/value pairs.
   *
   * @param path the path
   * @param headers name, value, name, value, ...
   */
  public record Call(String path, List<String> headers) {
    /**
     * @param path the path
     * @param headers name, value, ...
     */
    public Call {
      Objects.requireNonNull(path, "path");
      headers = List.copyOf(headers);
    }

    static Call of(String path, String... headers) {
      return new Call(path, List.of(headers));
    }

    @Override
    public String toString() {
      return path + (headers.isEmpty() ? "" : " " + headers);
    }
  }

  /**
   * One forgery: the client {@code exhausted} spends its two requests (the third is 429); every one of {@code fresh}
   * must then be admitted (200), a bucket of its own; and {@code exhausted} stays refused (429).
   *
   * @param name what is forged
   * @param exhausted the victim's request
   * @param fresh the forged requests, in order, each expected to be admitted
   */
  public record Forgery(String name, Call exhausted, List<Call> fresh) {
    /**
     * @param name the name
     * @param exhausted the victim's request
     * @param fresh the forged requests
     */
    public Forgery {
      fresh = List.copyOf(fresh);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * The forgery cases, for an application where the client's peer address is {@code 127.0.0.1} and no proxy is
   * trusted. A header value too long to store is kept as {@code !sha256:} and its hash: a client that sends that
   * text (or parts of it) as its key must not reach the long key's bucket.
   */
  public static final List<Forgery> FORGERIES = List.of(
      new Forgery("an API key spelled as an IP", Call.of("/ip/x"), List.of(
          Call.of("/key/x", "X-API-Key", "127.0.0.1"), Call.of("/key/x", "X-API-Key", "ip:127.0.0.1"),
          Call.of("/key/x", "X-API-Key", "!ip:127.0.0.1"), Call.of("/key/x", "X-API-Key", "\\ip:127.0.0.1"))),
      new Forgery("an API key spelled as the missing-key bucket", Call.of("/key/x"), List.of(
          Call.of("/key/x", "X-API-Key", "missing:anon"), Call.of("/key/x", "X-API-Key", "!missing:anon"),
          Call.of("/key/x", "X-API-Key", "\\!missing:anon"), Call.of("/key/x", "X-API-Key", "shared:anon"),
          Call.of("/key/x", "X-API-Key", "anon"))),
      new Forgery("a header of another name", Call.of("/user/x", "X-User", "bob"), List.of(
          Call.of("/key/x", "X-API-Key", "bob"), Call.of("/key/x", "X-API-Key", "h:x-user:bob"))),
      new Forgery("a composite's parts", Call.of("/combo/x", "X-API-Key", "k1"), List.of(
          Call.of("/key/x", "X-API-Key", "k1|ip:127.0.0.1"),
          Call.of("/key/x", "X-API-Key", "c:h:x-api-key:k1|ip:127.0.0.1"),
          Call.of("/user/x", "X-User", "k1|ip:127.0.0.1"))),
      new Forgery("the global key", Call.of("/all/x"), List.of(
          Call.of("/key/x", "X-API-Key", "global"), Call.of("/user/x", "X-User", "global"))),
      hashedLongKey(),
      new Forgery("a plain key reached through a composite", Call.of("/key/x", "X-API-Key", "k2"), List.of(
          Call.of("/combo/x", "X-API-Key", "k2"))));

  /**
   * Translates rules in the init-parameter vocabulary into Spring Boot properties: {@code policy.<p>.<part>} →
   * {@code limiter.policies.<p>.<part>}, {@code rule.<r>.<part>} → {@code limiter.filter.rules[i].<part>} (with
   * {@code name} = r, in order of first appearance), {@code exclude} → {@code limiter.filter.exclude}.
   *
   * @param rules the rules, e.g. {@link #PATH_RULES}
   * @return the properties, in order
   */
  public static Map<String, String> bootProperties(Map<String, String> rules) {
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, Integer> index = new LinkedHashMap<>();
    rules.forEach((name, value) -> {
      String[] parts = name.split("\\.", 3);
      if (parts[0].equals("rule")) {
        int i = index.computeIfAbsent(parts[1], r -> index.size());
        String prefix = "limiter.filter.rules[" + i + "].";
        out.putIfAbsent(prefix + "name", parts[1]);
        out.put(prefix + parts[2], value);
      } else if (parts[0].equals("policy")) {
        out.put("limiter.policies." + parts[1] + "." + parts[2], value);
      } else {
        out.put("limiter.filter." + name, value);
      }
    });
    return out;
  }

  private static Forgery hashedLongKey() {
    String longKey = "L".repeat(2000);
    // the stored key as every store sees it: the header kind's key, normalised (hashed) by the limiter
    String hashed = RateLimiter.of(LimitPolicy.of("api", "2/hour"), RateLimitStore.inMemory())
        .forKey(KeyKind.HEADER.key("x-api-key", longKey)).key();
    if (!hashed.startsWith("!sha256:")) {
      throw new IllegalStateException("a long key is no longer stored hashed: " + hashed);
    }
    return new Forgery("a hashed long key's stored form", Call.of("/key/x", "X-API-Key", longKey), List.of(
        Call.of("/key/x", "X-API-Key", hashed), Call.of("/key/x", "X-API-Key", hashed.substring(1)),
        Call.of("/key/x", "X-API-Key", "h:x-api-key:" + hashed)));
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return Collections.unmodifiableMap(map);
  }
}
