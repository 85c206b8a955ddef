package io.limiter.spring.boot;

import io.limiter.core.Algorithm;
import io.limiter.core.FailureMode;
import io.limiter.core.http.HeaderMode;
import io.limiter.servlet.ForwardedHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code limiter.*} properties of the Spring Boot auto-configuration. Every value is validated at startup; all
 * problems are reported together, each naming its property and value.
 */
@ConfigurationProperties("limiter")
public class LimiterProperties {

  /** Whether rate limiting is on: @RateLimit annotations and the URL rules of limiter.filter. */
  private boolean enabled = true;

  /**
   * Where rate limit state lives: memory, caffeine (bounded Caffeine cache), or redis (needs limiter-redis; connects
   * with the spring.data.redis.* properties, limiter-specific settings under limiter.redis.*).
   */
  private StoreType store = StoreType.MEMORY;

  /** The most client keys the local stores (memory, caffeine) track at once, over all policies. */
  private long maxKeys = 1_000_000;

  /** Which rate limit header fields responses carry: ietf (RateLimit, RateLimit-Policy), legacy, both or none. */
  private HeaderMode headers = HeaderMode.IETF;

  /**
   * What happens to a call whose key resolves to nothing (no X-API-Key header, a SpEL key that is null): reject (401
   * in Spring MVC), skip (not limited), or shared:<bucket> (all such calls share one bucket).
   */
  private String missingKey = "reject";

  /** Named policies, referred to by @RateLimit(name = "...") and by filter rules. */
  private Map<String, Policy> policies = new LinkedHashMap<>();

  /** URL rules applied by limiter-servlet's RateLimitFilter. */
  private final Filter filter = new Filter();

  /** How the client IP of ip keys is found. */
  private final ClientIp clientIp = new ClientIp();

  /** What happens when the store fails. */
  private final Failure failure = new Failure();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public StoreType getStore() {
    return store;
  }

  public void setStore(StoreType store) {
    this.store = store;
  }

  public long getMaxKeys() {
    return maxKeys;
  }

  public void setMaxKeys(long maxKeys) {
    this.maxKeys = maxKeys;
  }

  public HeaderMode getHeaders() {
    return headers;
  }

  public void setHeaders(HeaderMode headers) {
    this.headers = headers;
  }

  public String getMissingKey() {
    return missingKey;
  }

  public void setMissingKey(String missingKey) {
    this.missingKey = missingKey;
  }

  public Map<String, Policy> getPolicies() {
    return policies;
  }

  public void setPolicies(Map<String, Policy> policies) {
    this.policies = policies;
  }

  public Filter getFilter() {
    return filter;
  }

  public ClientIp getClientIp() {
    return clientIp;
  }

  public Failure getFailure() {
    return failure;
  }

  /** Where rate limit state lives. */
  public enum StoreType {
    /** A bounded in-memory store of this JVM (no dependency). */
    MEMORY,
    /** A bounded Caffeine cache of this JVM (needs Caffeine on the class path). */
    CAFFEINE,
    /** A Redis server shared by all instances (needs io.limiter:limiter-redis). */
    REDIS
  }

  /** A named policy. */
  public static class Policy {

    /** The limits in the rate grammar, e.g. "10/second; 1000/hour" or "100/minute burst 20". */
    private String limits;

    /** The algorithm counting the limits. */
    private Algorithm algorithm = Algorithm.TOKEN_BUCKET;

    /**
     * The key of @RateLimit(name = ...) annotations and rules that give none: ip, header:<name>, principal,
     * attribute:<name>, global, or a SpEL expression over the method arguments (evaluated in a restricted context:
     * no type references, constructors or bean references).
     */
    private String key;

    /** Whether calls over the limit are let through and only reported (metrics, logs). */
    private boolean shadow;

    /** The permits one call takes unless the annotation or rule says otherwise. */
    private long cost = 1;

    /** What a call does when the store fails: fail-open, fail-closed (503) or local-fallback. */
    private FailureMode failureMode = FailureMode.FAIL_OPEN;

    /** What happens to calls without a key under this policy (reject, skip, shared:<bucket>); default limiter.missing-key. */
    private String missingKey;

    public String getLimits() {
      return limits;
    }

    public void setLimits(String limits) {
      this.limits = limits;
    }

    public Algorithm getAlgorithm() {
      return algorithm;
    }

    public void setAlgorithm(Algorithm algorithm) {
      this.algorithm = algorithm;
    }

    public String getKey() {
      return key;
    }

    public void setKey(String key) {
      this.key = key;
    }

    public boolean isShadow() {
      return shadow;
    }

    public void setShadow(boolean shadow) {
      this.shadow = shadow;
    }

    public long getCost() {
      return cost;
    }

    public void setCost(long cost) {
      this.cost = cost;
    }

    public FailureMode getFailureMode() {
      return failureMode;
    }

    public void setFailureMode(FailureMode failureMode) {
      this.failureMode = failureMode;
    }

    public String getMissingKey() {
      return missingKey;
    }

    public void setMissingKey(String missingKey) {
      this.missingKey = missingKey;
    }
  }

  /** The servlet filter that applies URL rules. */
  public static class Filter {

    /** Whether to register the filter when rules are configured. */
    private boolean enabled = true;

    /** The order of the filter in the servlet filter chain (after Spring Security's, at -100, by default). */
    private int order = 0;

    /** Paths exempt from every rule, e.g. /actuator/health. */
    private List<String> exclude = new ArrayList<>();

    /** Whether path patterns match case-sensitively (by default /API/data counts against a rule on /api/data). */
    private boolean caseSensitivePaths;

    /** The HTTP status of requests the filter rejects for a missing key. */
    private int missingKeyStatus = 401;

    /** The URL rules, evaluated in order; every matching rule applies. */
    private List<Rule> rules = new ArrayList<>();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }

    public List<String> getExclude() {
      return exclude;
    }

    public void setExclude(List<String> exclude) {
      this.exclude = exclude;
    }

    public boolean isCaseSensitivePaths() {
      return caseSensitivePaths;
    }

    public void setCaseSensitivePaths(boolean caseSensitivePaths) {
      this.caseSensitivePaths = caseSensitivePaths;
    }

    public int getMissingKeyStatus() {
      return missingKeyStatus;
    }

    public void setMissingKeyStatus(int missingKeyStatus) {
      this.missingKeyStatus = missingKeyStatus;
    }

    public List<Rule> getRules() {
      return rules;
    }

    public void setRules(List<Rule> rules) {
      this.rules = rules;
    }
  }

  /** A URL rule: requests matching its paths and methods take permits from a policy, per client key. */
  public static class Rule {

    /** The rule's name; its inline policy gets this name, which clients see in the RateLimit fields. Default rule-<index>. */
    private String name;

    /** Path patterns: exact (/api/data), prefix (/api/*), globs (/api/**, /files/*.zip) or extension (*.json). */
    private List<String> paths = new ArrayList<>();

    /** HTTP methods the rule applies to (GET also covers HEAD); empty for all. */
    private List<String> methods = new ArrayList<>();

    /** The limits of an inline policy, e.g. "100/minute"; or set policy instead. */
    private String limits;

    /** The name of a policy in limiter.policies to charge instead of inline limits. */
    private String policy;

    /** The client key: ip (default), header:<name>, principal, attribute:<name>, global, or several comma-separated. */
    private String key;

    /** The permits one request takes; default the policy's cost. */
    private Long cost;

    /** The algorithm of the inline policy. */
    private Algorithm algorithm = Algorithm.TOKEN_BUCKET;

    /** Whether the inline policy only observes. */
    private boolean shadow;

    /** What the inline policy does when the store fails. */
    private FailureMode failureMode = FailureMode.FAIL_OPEN;

    /** What happens to requests without a key (reject, skip, shared:<bucket>); default limiter.missing-key. */
    private String missingKey;

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public List<String> getPaths() {
      return paths;
    }

    public void setPaths(List<String> paths) {
      this.paths = paths;
    }

    public List<String> getMethods() {
      return methods;
    }

    public void setMethods(List<String> methods) {
      this.methods = methods;
    }

    public String getLimits() {
      return limits;
    }

    public void setLimits(String limits) {
      this.limits = limits;
    }

    public String getPolicy() {
      return policy;
    }

    public void setPolicy(String policy) {
      this.policy = policy;
    }

    public String getKey() {
      return key;
    }

    public void setKey(String key) {
      this.key = key;
    }

    public Long getCost() {
      return cost;
    }

    public void setCost(Long cost) {
      this.cost = cost;
    }

    public Algorithm getAlgorithm() {
      return algorithm;
    }

    public void setAlgorithm(Algorithm algorithm) {
      this.algorithm = algorithm;
    }

    public boolean isShadow() {
      return shadow;
    }

    public void setShadow(boolean shadow) {
      this.shadow = shadow;
    }

    public FailureMode getFailureMode() {
      return failureMode;
    }

    public void setFailureMode(FailureMode failureMode) {
      this.failureMode = failureMode;
    }

    public String getMissingKey() {
      return missingKey;
    }

    public void setMissingKey(String missingKey) {
      this.missingKey = missingKey;
    }
  }

  /** How the client IP is found behind reverse proxies. */
  public static class ClientIp {

    /** Addresses or CIDR networks of reverse proxies whose forwarding header is believed, e.g. 10.0.0.0/8. */
    private List<String> trustedProxies = new ArrayList<>();

    /** Allow a trusted network containing every address (0.0.0.0/0); only if the app is reachable through proxies alone. */
    private boolean trustAllProxies;

    /** The header read from trusted proxies: x-forwarded-for or forwarded (RFC 7239). */
    private ForwardedHeader forwardedHeader = ForwardedHeader.X_FORWARDED_FOR;

    /** The prefix length IPv6 clients are keyed by (64: one bucket per /64 network). */
    private int ipv6PrefixLength = 64;

    public List<String> getTrustedProxies() {
      return trustedProxies;
    }

    public void setTrustedProxies(List<String> trustedProxies) {
      this.trustedProxies = trustedProxies;
    }

    public boolean isTrustAllProxies() {
      return trustAllProxies;
    }

    public void setTrustAllProxies(boolean trustAllProxies) {
      this.trustAllProxies = trustAllProxies;
    }

    public ForwardedHeader getForwardedHeader() {
      return forwardedHeader;
    }

    public void setForwardedHeader(ForwardedHeader forwardedHeader) {
      this.forwardedHeader = forwardedHeader;
    }

    public int getIpv6PrefixLength() {
      return ipv6PrefixLength;
    }

    public void setIpv6PrefixLength(int ipv6PrefixLength) {
      this.ipv6PrefixLength = ipv6PrefixLength;
    }
  }

  /** Store failures. */
  public static class Failure {

    /** The Retry-After of 503 responses when the store fails and a policy fails closed. */
    private Duration closedRetryAfter = Duration.ofSeconds(5);

    /** The least time between two log lines about failures of the same policy. */
    private Duration logInterval = Duration.ofMinutes(1);

    public Duration getClosedRetryAfter() {
      return closedRetryAfter;
    }

    public void setClosedRetryAfter(Duration closedRetryAfter) {
      this.closedRetryAfter = closedRetryAfter;
    }

    public Duration getLogInterval() {
      return logInterval;
    }

    public void setLogInterval(Duration logInterval) {
      this.logInterval = logInterval;
    }
  }
}
