package io.limiter.spring.boot;

import io.limiter.core.Algorithm;
import io.limiter.core.FailureMode;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.settings.Percentage;
import io.limiter.web.ForwardedHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
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

  /**
   * Which rate limit header fields responses carry: ietf (RateLimit, RateLimit-Policy), legacy, both or none. Formerly
   * limiter.headers (refused at startup with this name).
   */
  private HeaderMode headerMode = HeaderMode.IETF;

  /**
   * What happens to a call whose key resolves to nothing (no X-API-Key header, a SpEL key that is null): reject (401
   * in Spring MVC), skip (not limited), or shared:<bucket> (all such calls share one bucket).
   */
  private String missingKey = "reject";

  /** Named policies, referred to by @RateLimit(name = "...") and by filter rules. */
  private Map<String, Policy> policies = new LinkedHashMap<>();

  /**
   * Step controllers by name (adaptive steps): each samples health signals every interval and moves its level
   * through factors of the base limits; policies refer to one with adaptive = "<name>".
   */
  private Map<String, Adaptive> adaptive = new LinkedHashMap<>();

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

  public HeaderMode getHeaderMode() {
    return headerMode;
  }

  public void setHeaderMode(HeaderMode headerMode) {
    this.headerMode = headerMode;
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

  public Map<String, Adaptive> getAdaptive() {
    return adaptive;
  }

  public void setAdaptive(Map<String, Adaptive> adaptive) {
    this.adaptive = adaptive;
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

    /**
     * The limits in the rate grammar, e.g. "10/second; 1000/hour", "100/minute burst 20" or "100/second warmup 30s".
     * Required.
     */
    private @Nullable String limits;

    /** The algorithm counting the limits. */
    private Algorithm algorithm = Algorithm.TOKEN_BUCKET;

    /**
     * The key of @RateLimit(name = ...) annotations and rules that give none: ip, header:<name>, principal,
     * attribute:<name>, global, or a SpEL expression over the method arguments (evaluated in a restricted context:
     * no type references, constructors or bean references). Unset: the client IP in a web request.
     */
    private @Nullable String key;

    /** Whether calls over the limit are let through and only reported (metrics, logs). */
    private boolean shadow;

    /** The permits one call takes unless the annotation or rule says otherwise. */
    private long cost = 1;

    /** What a call does when the store fails: fail-open, fail-closed (503) or local-fallback. */
    private FailureMode failureMode = FailureMode.FAIL_OPEN;

    /** What happens to calls without a key under this policy (reject, skip, shared:<bucket>); default limiter.missing-key. */
    private @Nullable String missingKey;

    /**
     * Client tiers, e.g. "free=10/minute; pro=1000/minute; internal=unlimited; default=free": a rate replaces the
     * limits, a percentage scales them, unlimited skips the store. Needs tier-key. Unset: no tiers.
     */
    private @Nullable String tiers;

    /**
     * Where a call's tier comes from: header:<name> (only if a trusted gateway sets it), attribute:<name>, principal,
     * authority:<prefix> (Spring Security), or a SpEL expression over the method arguments (annotations only). Unset:
     * none (required with tiers).
     */
    private @Nullable String tierKey;

    /**
     * A schedule of limits, e.g. "zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; default = 200/minute".
     * Unset: the limits at all times.
     */
    private @Nullable String schedule;

    /** The name of a step controller (limiter.adaptive.<name>) whose level scales the limits; unset for none. */
    private @Nullable String adaptive;

    /**
     * A penalty for clients rejected again and again, e.g. "5/minute -> block for 10m" or "20/hour -> 10% for 1h".
     * Unset: none.
     */
    private @Nullable String penalty;

    public @Nullable String getLimits() {
      return limits;
    }

    public void setLimits(@Nullable String limits) {
      this.limits = limits;
    }

    public Algorithm getAlgorithm() {
      return algorithm;
    }

    public void setAlgorithm(Algorithm algorithm) {
      this.algorithm = algorithm;
    }

    public @Nullable String getKey() {
      return key;
    }

    public void setKey(@Nullable String key) {
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

    public @Nullable String getMissingKey() {
      return missingKey;
    }

    public void setMissingKey(@Nullable String missingKey) {
      this.missingKey = missingKey;
    }

    public @Nullable String getTiers() {
      return tiers;
    }

    public void setTiers(@Nullable String tiers) {
      this.tiers = tiers;
    }

    public @Nullable String getTierKey() {
      return tierKey;
    }

    public void setTierKey(@Nullable String tierKey) {
      this.tierKey = tierKey;
    }

    public @Nullable String getSchedule() {
      return schedule;
    }

    public void setSchedule(@Nullable String schedule) {
      this.schedule = schedule;
    }

    public @Nullable String getAdaptive() {
      return adaptive;
    }

    public void setAdaptive(@Nullable String adaptive) {
      this.adaptive = adaptive;
    }

    public @Nullable String getPenalty() {
      return penalty;
    }

    public void setPenalty(@Nullable String penalty) {
      this.penalty = penalty;
    }
  }

  /**
   * A step controller. Durations take Spring Boot's forms (500ms, 1s, PT1S), percentages the form 75% or 12.5%
   * ({@link Percentage}); every value is validated at startup with the property named in each message. Unset values
   * take the defaults.
   */
  public static class Adaptive {

    /** The factors of the base limits, from the highest rate to the lowest, strictly decreasing, e.g. 100%, 50%, 10%. */
    private List<Percentage> levels = new ArrayList<>(List.of(Percentage.valueOf("100%"), Percentage.valueOf("75%"),
        Percentage.valueOf("50%"), Percentage.valueOf("25%"), Percentage.valueOf("10%")));

    /** The time between two samples of the health signals, e.g. 1s or 500ms. */
    private Duration interval = Duration.ofSeconds(1);

    /** Consecutive unhealthy intervals that step one level down. */
    private Integer downAfter = 3;

    /** Consecutive healthy intervals that step one level up. */
    private Integer upAfter = 10;

    /** The time after each change during which intervals are not counted (0 for none). */
    private Duration cooldown = Duration.ofSeconds(10);

    /** The lowest level (one of levels, e.g. 25%), also the target of a severe signal; default the last level. */
    private @Nullable Percentage floor;

    /** The highest level (one of levels, e.g. 100%), and the starting level; default the first. */
    private @Nullable Percentage ceiling;

    /**
     * Latency signal: the percentile of the limited calls' latency and its highest healthy value, e.g. p95 250ms;
     * unset for none.
     */
    private @Nullable String latency;

    /** Latency above which an interval is severe (the controller jumps to its floor), e.g. 2s; unset for none. */
    private @Nullable Duration latencySevere;

    /** Error-ratio signal: the highest healthy share of failed calls (5xx or exceptions), e.g. 5%; unset for none. */
    private @Nullable Percentage errorRatio;

    /** Error ratio above which an interval is severe, e.g. 50%; unset for none. */
    private @Nullable Percentage errorRatioSevere;

    /** In-flight signal: the most calls in flight at once in a healthy interval; unset for none. */
    private @Nullable Long inFlight;

    /** In-flight calls above which an interval is severe; unset for none. */
    private @Nullable Long inFlightSevere;

    /** Process CPU signal: the highest healthy CPU load of this JVM, e.g. 85%; unset for none. */
    private @Nullable Percentage cpu;

    /** CPU load above which an interval is severe, e.g. 95%; unset for none. */
    private @Nullable Percentage cpuSevere;

    /** Calls an interval needs before latency and error ratio are judged (default 20). */
    private @Nullable Long minSamples;

    /** Custom signals: the names of HealthSignal beans (HealthSignal.name()); unset for none. */
    private @Nullable List<String> signals;

    /** Intervals the latency and error-ratio signals may pool to reach min-samples (default 10). */
    private @Nullable Integer maxWindow;

    /** Clients with the most slow (or failed) calls set aside when judging an interval, so that no client alone moves the level (default 1, at most 16; 0 only when every client is trusted). */
    private @Nullable Integer ignoredKeys;

    /** How long a tick waits for a custom signal (default half the interval). */
    private @Nullable Duration signalTimeout;

    /** What an interval that could not be judged does: hold (the default) or healthy. */
    private @Nullable UnknownInterval unknown;

    /** Risky settings (flapping, ignored-keys=0): warn (the default) or refuse. */
    private @Nullable RiskySettings risky;

    /** A latency at least this share of its target steps down after one interval instead of down-after (default 200%; off to always wait). */
    private @Nullable Percentage fastDown;

    /** How a step down for the latency is sized: scaled (the default: more levels the further over the target), one, or proportional (to the highest level at most the current one times the target over the latency). */
    private @Nullable StepDown stepDown;

    /** A healthy interval with the latency at most this share of its target counts twice towards up-after (default 50%; off for once). */
    private @Nullable Percentage fastUp;

    /** After a failed probe (step up) into a level, the next one into it waits this many times longer, up to 8 times up-after (default 2; 1 for no backoff). */
    private @Nullable Integer probeBackoff;

    /** Whether a probe is on probation until it holds for up-after healthy intervals, one unhealthy interval stepping straight back (default true). */
    private @Nullable Boolean probeRevert;

    /** How the latency percentile is read from its histogram: upper-bound (the default: the bucket's upper bound, up to 12.5% high) or interpolated (inside the bucket). */
    private @Nullable Percentiles percentiles;

    /** @return the set values by their keys in the controller spec ({@code down-after}, ...), as text */
    public Map<String, String> toSpec() {
      Map<String, String> spec = new LinkedHashMap<>();
      put(spec, "levels", levels == null ? null : levels.stream().map(Percentage::toString)
          .collect(java.util.stream.Collectors.joining(", ")));
      put(spec, "interval", interval == null ? null : text(interval));
      put(spec, "down-after", downAfter == null ? null : downAfter.toString());
      put(spec, "up-after", upAfter == null ? null : upAfter.toString());
      put(spec, "cooldown", cooldown == null ? null : text(cooldown));
      put(spec, "floor", floor == null ? null : floor.toString());
      put(spec, "ceiling", ceiling == null ? null : ceiling.toString());
      put(spec, "latency", latency);
      put(spec, "latency-severe", latencySevere == null ? null : text(latencySevere));
      put(spec, "error-ratio", errorRatio == null ? null : errorRatio.toString());
      put(spec, "error-ratio-severe", errorRatioSevere == null ? null : errorRatioSevere.toString());
      put(spec, "in-flight", inFlight == null ? null : inFlight.toString());
      put(spec, "in-flight-severe", inFlightSevere == null ? null : inFlightSevere.toString());
      put(spec, "cpu", cpu == null ? null : cpu.toString());
      put(spec, "cpu-severe", cpuSevere == null ? null : cpuSevere.toString());
      put(spec, "min-samples", minSamples == null ? null : minSamples.toString());
      put(spec, "signals", signals == null ? null : String.join(", ", signals));
      put(spec, "max-window", maxWindow == null ? null : maxWindow.toString());
      put(spec, "ignored-keys", ignoredKeys == null ? null : ignoredKeys.toString());
      put(spec, "signal-timeout", signalTimeout == null ? null : text(signalTimeout));
      put(spec, "unknown", unknown == null ? null : unknown.name().toLowerCase(Locale.ROOT));
      put(spec, "risky", risky == null ? null : risky.name().toLowerCase(Locale.ROOT));
      put(spec, "fast-down", fastDown == null ? null : fastDown.toString());
      put(spec, "step-down", stepDown == null ? null : stepDown.name().toLowerCase(Locale.ROOT));
      put(spec, "fast-up", fastUp == null ? null : fastUp.toString());
      put(spec, "probe-backoff", probeBackoff == null ? null : probeBackoff.toString());
      put(spec, "probe-revert", probeRevert == null ? null : probeRevert ? "on" : "off");
      put(spec, "percentiles", percentiles == null ? null
          : percentiles.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      return spec;
    }

    /** A duration in the controller spec's notation: 0, whole milliseconds, else ISO-8601. */
    private static String text(Duration duration) {
      if (duration.isZero()) {
        return "0";
      }
      return duration.getNano() % 1_000_000 == 0 ? duration.toMillis() + "ms" : duration.toString();
    }

    private static void put(Map<String, String> spec, String key, @Nullable String value) {
      if (value != null) {
        spec.put(key, value);
      }
    }

    public List<Percentage> getLevels() {
      return levels;
    }

    public void setLevels(List<Percentage> levels) {
      this.levels = levels;
    }

    public Duration getInterval() {
      return interval;
    }

    public void setInterval(Duration interval) {
      this.interval = interval;
    }

    public Integer getDownAfter() {
      return downAfter;
    }

    public void setDownAfter(Integer downAfter) {
      this.downAfter = downAfter;
    }

    public Integer getUpAfter() {
      return upAfter;
    }

    public void setUpAfter(Integer upAfter) {
      this.upAfter = upAfter;
    }

    public Duration getCooldown() {
      return cooldown;
    }

    public void setCooldown(Duration cooldown) {
      this.cooldown = cooldown;
    }

    public @Nullable Percentage getFloor() {
      return floor;
    }

    public void setFloor(@Nullable Percentage floor) {
      this.floor = floor;
    }

    public @Nullable Percentage getCeiling() {
      return ceiling;
    }

    public void setCeiling(@Nullable Percentage ceiling) {
      this.ceiling = ceiling;
    }

    public @Nullable String getLatency() {
      return latency;
    }

    public void setLatency(@Nullable String latency) {
      this.latency = latency;
    }

    public @Nullable Duration getLatencySevere() {
      return latencySevere;
    }

    public void setLatencySevere(@Nullable Duration latencySevere) {
      this.latencySevere = latencySevere;
    }

    public @Nullable Percentage getErrorRatio() {
      return errorRatio;
    }

    public void setErrorRatio(@Nullable Percentage errorRatio) {
      this.errorRatio = errorRatio;
    }

    public @Nullable Percentage getErrorRatioSevere() {
      return errorRatioSevere;
    }

    public void setErrorRatioSevere(@Nullable Percentage errorRatioSevere) {
      this.errorRatioSevere = errorRatioSevere;
    }

    public @Nullable Long getInFlight() {
      return inFlight;
    }

    public void setInFlight(@Nullable Long inFlight) {
      this.inFlight = inFlight;
    }

    public @Nullable Long getInFlightSevere() {
      return inFlightSevere;
    }

    public void setInFlightSevere(@Nullable Long inFlightSevere) {
      this.inFlightSevere = inFlightSevere;
    }

    public @Nullable Percentage getCpu() {
      return cpu;
    }

    public void setCpu(@Nullable Percentage cpu) {
      this.cpu = cpu;
    }

    public @Nullable Percentage getCpuSevere() {
      return cpuSevere;
    }

    public void setCpuSevere(@Nullable Percentage cpuSevere) {
      this.cpuSevere = cpuSevere;
    }

    public @Nullable Long getMinSamples() {
      return minSamples;
    }

    public void setMinSamples(@Nullable Long minSamples) {
      this.minSamples = minSamples;
    }

    public @Nullable List<String> getSignals() {
      return signals;
    }

    public void setSignals(@Nullable List<String> signals) {
      this.signals = signals;
    }

    public @Nullable Integer getMaxWindow() {
      return maxWindow;
    }

    public void setMaxWindow(@Nullable Integer maxWindow) {
      this.maxWindow = maxWindow;
    }

    public @Nullable Integer getIgnoredKeys() {
      return ignoredKeys;
    }

    public void setIgnoredKeys(@Nullable Integer ignoredKeys) {
      this.ignoredKeys = ignoredKeys;
    }

    public @Nullable Duration getSignalTimeout() {
      return signalTimeout;
    }

    public void setSignalTimeout(@Nullable Duration signalTimeout) {
      this.signalTimeout = signalTimeout;
    }

    public @Nullable UnknownInterval getUnknown() {
      return unknown;
    }

    public void setUnknown(@Nullable UnknownInterval unknown) {
      this.unknown = unknown;
    }

    public @Nullable RiskySettings getRisky() {
      return risky;
    }

    public void setRisky(@Nullable RiskySettings risky) {
      this.risky = risky;
    }

    public @Nullable Percentage getFastDown() {
      return fastDown;
    }

    public void setFastDown(@Nullable Percentage fastDown) {
      this.fastDown = fastDown;
    }

    public @Nullable StepDown getStepDown() {
      return stepDown;
    }

    public void setStepDown(@Nullable StepDown stepDown) {
      this.stepDown = stepDown;
    }

    public @Nullable Percentage getFastUp() {
      return fastUp;
    }

    public void setFastUp(@Nullable Percentage fastUp) {
      this.fastUp = fastUp;
    }

    public @Nullable Integer getProbeBackoff() {
      return probeBackoff;
    }

    public void setProbeBackoff(@Nullable Integer probeBackoff) {
      this.probeBackoff = probeBackoff;
    }

    public @Nullable Boolean getProbeRevert() {
      return probeRevert;
    }

    public void setProbeRevert(@Nullable Boolean probeRevert) {
      this.probeRevert = probeRevert;
    }

    public @Nullable Percentiles getPercentiles() {
      return percentiles;
    }

    public void setPercentiles(@Nullable Percentiles percentiles) {
      this.percentiles = percentiles;
    }
  }

  /** How a step controller sizes a step down for the latency. */
  public enum StepDown {
    /** More levels the further the latency is over its target (one below 4 times, two from 4 times, ...). */
    SCALED,
    /** Always one level. */
    ONE,
    /** To the highest level whose factor is at most the current one times the target over the measured latency. */
    PROPORTIONAL
  }

  /** How a step controller reads the latency percentile from its histogram. */
  public enum Percentiles {
    /** As the upper bound of the bucket that holds it (up to 12.5% over the true value). */
    UPPER_BOUND,
    /** By linear interpolation inside that bucket. */
    INTERPOLATED
  }

  /** What a step controller does with an interval it could not judge (too few calls, a signal failed). */
  public enum UnknownInterval {
    /** Count it neither healthy nor unhealthy. */
    HOLD,
    /** Count it healthy. */
    HEALTHY
  }

  /** What a step controller does with risky settings (flapping, ignored-keys=0). */
  public enum RiskySettings {
    /** Log a warning and start. */
    WARN,
    /** Fail startup. */
    REFUSE
  }

  /** The servlet filter that applies URL rules. */
  public static class Filter {

    /**
     * Whether to register the filter: it applies the rules and the {@code @RateLimit}s of servlets (with a
     * {@code NamedDispatchFilter} per rate limited servlet for named dispatches); in a WebFlux application, the
     * rules' WebFilter, registered only when there are rules.
     */
    private boolean enabled = true;

    /**
     * The order of the filter in the servlet filter chain or among the WebFilters (after Spring Security's, at -100,
     * by default).
     */
    private int order = 0;

    /** Paths exempt from every rule, e.g. /actuator/health. */
    private List<String> exclude = new ArrayList<>();

    /** Whether path patterns match case-sensitively (by default /API/data counts against a rule on /api/data). */
    private boolean caseSensitivePaths;

    /** The HTTP status of requests the filter rejects for a missing key. */
    private int missingKeyStatus = 401;

    /** The HTTP status (4xx or 5xx) of rate-limited responses of the filter's rules and servlets. */
    private int status = 429;

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

    public int getStatus() {
      return status;
    }

    public void setStatus(int status) {
      this.status = status;
    }

    public void setRules(List<Rule> rules) {
      this.rules = rules;
    }
  }

  /** A URL rule: requests matching its paths and methods take permits from a policy, per client key. */
  public static class Rule {

    /** The rule's name; its inline policy gets this name, which clients see in the RateLimit fields. Default rule-<index>. */
    private @Nullable String name;

    /** Path patterns: exact (/api/data), prefix (/api/*), globs (/api/**, /files/*.zip) or extension (*.json). */
    private List<String> paths = new ArrayList<>();

    /** HTTP methods the rule applies to (GET also covers HEAD); empty for all. */
    private List<String> methods = new ArrayList<>();

    /** The limits of an inline policy, e.g. "100/minute"; or set policy instead (one of the two is required). */
    private @Nullable String limits;

    /** The name of a policy in limiter.policies to charge instead of inline limits; unset with limits. */
    private @Nullable String policy;

    /** The client key: ip (default), header:<name>, principal, attribute:<name>, global, or several comma-separated. */
    private @Nullable String key;

    /** The permits one request takes; default the policy's cost. */
    private @Nullable Long cost;

    /** The algorithm of the inline policy. */
    private Algorithm algorithm = Algorithm.TOKEN_BUCKET;

    /** Whether the inline policy only observes. */
    private boolean shadow;

    /** What the inline policy does when the store fails. */
    private FailureMode failureMode = FailureMode.FAIL_OPEN;

    /** What happens to requests without a key (reject, skip, shared:<bucket>); default limiter.missing-key. */
    private @Nullable String missingKey;

    /**
     * Charge on outcome: keep a request's permits only if the response status or exception matches, e.g. 401,403 or
     * 5xx or java.io.IOException (refunded otherwise); empty keeps every admitted request's.
     */
    private @Nullable String chargeOn;

    /**
     * Cost from the result: where the request's actual cost is read when its response is complete, attribute:<name>
     * (a request attribute the application set) or header:<name> (a response header it wrote); the rule's cost is
     * reserved before, as an estimate, and settled to it. Unset: the rule's cost is the request's.
     */
    private @Nullable String actualCost;

    public @Nullable String getChargeOn() {
      return chargeOn;
    }

    public void setChargeOn(@Nullable String chargeOn) {
      this.chargeOn = chargeOn;
    }

    public @Nullable String getActualCost() {
      return actualCost;
    }

    public void setActualCost(@Nullable String actualCost) {
      this.actualCost = actualCost;
    }

    public @Nullable String getName() {
      return name;
    }

    public void setName(@Nullable String name) {
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

    public @Nullable String getLimits() {
      return limits;
    }

    public void setLimits(@Nullable String limits) {
      this.limits = limits;
    }

    public @Nullable String getPolicy() {
      return policy;
    }

    public void setPolicy(@Nullable String policy) {
      this.policy = policy;
    }

    public @Nullable String getKey() {
      return key;
    }

    public void setKey(@Nullable String key) {
      this.key = key;
    }

    public @Nullable Long getCost() {
      return cost;
    }

    public void setCost(@Nullable Long cost) {
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

    public @Nullable String getMissingKey() {
      return missingKey;
    }

    public void setMissingKey(@Nullable String missingKey) {
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

    /** The prefix length IPv4 clients are keyed by (32: one bucket per address; 24 for one per /24 network). */
    private int ipv4PrefixLength = 32;

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

    public int getIpv4PrefixLength() {
      return ipv4PrefixLength;
    }

    public void setIpv4PrefixLength(int ipv4PrefixLength) {
      this.ipv4PrefixLength = ipv4PrefixLength;
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
