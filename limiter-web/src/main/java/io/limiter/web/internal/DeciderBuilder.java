package io.limiter.web.internal;

import io.limiter.core.KeyKind;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.settings.LimiterSettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.TierResolver;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import io.limiter.web.RateLimitRule;
import io.limiter.web.RequestKeys;
import io.limiter.web.StepSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The rule compilation every web front-end shares: the store or registry, named policies (with their step settings),
 * stepped limiters built elsewhere, step controllers, path rules, exemptions, the default key, client IP resolution,
 * the missing-key strategy, statuses, header mode and the store failure handler, compiled by {@link #build} into the
 * rules' {@link Binding}s and a {@link RequestDecider}, every problem of the whole reported at once. limiter-servlet's
 * {@code RateLimitFilter.Builder} delegates to it (its init-param reader and Spring's properties drive that builder);
 * the WebFlux filter calls it with the same {@link LimiterSettings} and rules. What is a stack's own stays with the
 * stack: dispatch types, annotations on servlet classes, how a rejection is written.
 *
 * <p>Setters validate their argument ({@link IllegalArgumentException}); {@link #build} validates the combination.
 * Not thread-safe; the {@link Compiled} result is.
 */
public final class DeciderBuilder {

  private @Nullable RateLimitStore store;
  private boolean ownsStore;
  private @Nullable RateLimiterRegistry registry;
  private final List<LimitPolicy> policies = new ArrayList<>();
  private final List<RateLimitRule> rules = new ArrayList<>();
  private final List<String> excludes = new ArrayList<>();
  private final List<RateLimitListener> listeners = new ArrayList<>();
  private @Nullable KeyReference defaultKey = KeyReference.of(KeyReference.Kind.IP);
  private @Nullable KeyResolver<HttpRequestView> defaultKeyResolver;
  private ClientIpResolver clientIp = ClientIpResolver.peerOnly();
  private MissingKeyStrategy missingKey = MissingKeyStrategy.reject();
  private int missingKeyStatus = 401;
  private int status = 429;
  private HeaderMode headerMode = HeaderMode.IETF;
  private @Nullable StoreFailureHandler failureHandler;
  private Duration failClosedRetryAfter = Duration.ofSeconds(5);
  private boolean caseSensitivePaths;
  private final Map<String, StepSettings> policySteps = new LinkedHashMap<>();
  private final Map<String, StepBinder.Stepped> prebuilt = new LinkedHashMap<>();
  private final List<StepController> ownControllers = new ArrayList<>();
  private @Nullable StepControllerRegistry controllerRegistry;
  private final List<PenaltyListener> penaltyListeners = new ArrayList<>();
  private BiFunction<String, String, String> where = DeciderBuilder::programmatic;

  /**
   * The compiled configuration: what a front-end decides requests with, and what it owns.
   *
   * @param decider decides requests over the rules and exemptions
   * @param rules the path rules' bindings, in evaluation order
   * @param registry the registry the limiters are on (given or built)
   * @param steps the stepped limiters and step controllers
   * @param ownsControllers whether the front-end starts and closes the controllers (none was given as a registry)
   * @param ownedStore a store the front-end created and closes, or null
   * @param failureHandler decides when a store throws
   * @param headerMode which rate limit fields to write
   * @param status the status of rate-limited responses
   * @param missingKeyStatus the status of responses to requests without a required key
   * @param defaultKey the key of rules and annotations that name none, or null with a custom default resolver
   * @param defaultResolver the resolver of that default key
   * @param missingKey the default missing-key strategy
   * @param clientIp how {@code ip} keys are resolved
   */
  public record Compiled(RequestDecider decider, List<Binding> rules, RateLimiterRegistry registry, StepBinder steps,
      boolean ownsControllers, @Nullable RateLimitStore ownedStore, StoreFailureHandler failureHandler,
      HeaderMode headerMode, int status, int missingKeyStatus, @Nullable KeyReference defaultKey,
      KeyResolver<HttpRequestView> defaultResolver, MissingKeyStrategy missingKey, ClientIpResolver clientIp) {
  }

  /** @param store the store; the caller's to close */
  public DeciderBuilder store(RateLimitStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.ownsStore = false;
    return this;
  }

  /** @param store a store the front-end created and must close */
  public DeciderBuilder ownedStore(RateLimitStore store) {
    this.store = Objects.requireNonNull(store, "store");
    this.ownsStore = true;
    return this;
  }

  /** @param registry an existing registry: its store, listener and policies; excludes store and listener */
  public DeciderBuilder registry(RateLimiterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    return this;
  }

  /** @param policy a named policy that rules and annotations can refer to */
  public DeciderBuilder policy(LimitPolicy policy) {
    policies.add(Objects.requireNonNull(policy, "policy"));
    return this;
  }

  /**
   * @param policy a named policy with step-function throttling
   * @param steps its tiers, schedule, controller and penalty
   */
  public DeciderBuilder policy(LimitPolicy policy, StepSettings steps) {
    policy(policy);
    policySteps.put(policy.name(), Objects.requireNonNull(steps, "steps"));
    return this;
  }

  /**
   * @param limiter a stepped limiter built elsewhere, whose context is the tier name
   * @param tierKey finds a request's tier, or null if the limiter has no tiers
   * @throws IllegalArgumentException if the limiter has tiers and no tier key is given
   */
  public DeciderBuilder steppedPolicy(SteppedRateLimiter<String> limiter,
      @Nullable TierResolver<HttpRequestView> tierKey) {
    Objects.requireNonNull(limiter, "limiter");
    if (limiter.tiers().isPresent() && tierKey == null) {
      throw new IllegalArgumentException("policy " + limiter.policy().name() + " has tiers, so it needs a tier key");
    }
    prebuilt.put(limiter.policy().name(), new StepBinder.Stepped(limiter, tierKey,
        limiter.controller().orElse(null), "the stepped limiter of policy " + limiter.policy().name()));
    return this;
  }

  /** @param controller a step controller the front-end starts and closes */
  public DeciderBuilder controller(StepController controller) {
    ownControllers.add(Objects.requireNonNull(controller, "controller"));
    return this;
  }

  /** @param controllers the registry the controllers are looked up in; their lifecycle stays with the caller */
  public DeciderBuilder controllers(StepControllerRegistry controllers) {
    this.controllerRegistry = Objects.requireNonNull(controllers, "controllers");
    return this;
  }

  /** @param listener told about clients entering and leaving penalty boxes */
  public DeciderBuilder penaltyListener(PenaltyListener listener) {
    penaltyListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** @param rule a path rule; rules are evaluated in the order added */
  public DeciderBuilder rule(RateLimitRule rule) {
    rules.add(Objects.requireNonNull(rule, "rule"));
    return this;
  }

  /**
   * @param patterns exempt path patterns, matched case-sensitively against every spelling of a path
   * @throws IllegalArgumentException if a pattern is malformed
   */
  public DeciderBuilder exclude(String... patterns) {
    for (String p : patterns) {
      PathPattern.validate(p);
      excludes.add(p.trim());
    }
    return this;
  }

  /**
   * @param reference the key of rules and annotations that name none
   * @throws IllegalArgumentException if it does not parse
   */
  public DeciderBuilder defaultKey(String reference) {
    this.defaultKey = KeyReference.parse(reference);
    this.defaultKeyResolver = null;
    return this;
  }

  /** @param resolver a custom default key; its answers are stored as {@link KeyKind#CUSTOM} keys */
  public DeciderBuilder defaultKey(KeyResolver<HttpRequestView> resolver) {
    this.defaultKeyResolver = Objects.requireNonNull(resolver, "resolver");
    this.defaultKey = null;
    return this;
  }

  /** @param resolver how {@code ip} keys are resolved */
  public DeciderBuilder clientIp(ClientIpResolver resolver) {
    this.clientIp = Objects.requireNonNull(resolver, "resolver");
    return this;
  }

  /** @param strategy what happens to requests without a key, for rules that set none */
  public DeciderBuilder missingKey(MissingKeyStrategy strategy) {
    this.missingKey = Objects.requireNonNull(strategy, "strategy");
    return this;
  }

  /**
   * @param status the status of responses to requests refused for a missing key
   * @throws IllegalArgumentException unless 400 to 499
   */
  public DeciderBuilder missingKeyStatus(int status) {
    if (status < 400 || status > 499) {
      throw new IllegalArgumentException("missing-key status must be a 4xx status but was " + status);
    }
    this.missingKeyStatus = status;
    return this;
  }

  /**
   * @param status the status of rate-limited responses
   * @throws IllegalArgumentException unless 400 to 599
   */
  public DeciderBuilder status(int status) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status must be a 4xx or 5xx status but was " + status);
    }
    this.status = status;
    return this;
  }

  /** @param mode which rate limit header fields responses carry */
  public DeciderBuilder headerMode(HeaderMode mode) {
    this.headerMode = Objects.requireNonNull(mode, "mode");
    return this;
  }

  /** @param listener told about every decision; only without a given registry */
  public DeciderBuilder listener(RateLimitListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** @param handler decides when the store throws */
  public DeciderBuilder failureHandler(StoreFailureHandler handler) {
    this.failureHandler = Objects.requireNonNull(handler, "handler");
    return this;
  }

  /**
   * @param retryAfter the {@code Retry-After} of 503 responses when the store fails and a policy fails closed
   * @throws IllegalArgumentException if under one second
   */
  public DeciderBuilder failClosedRetryAfter(Duration retryAfter) {
    if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("fail-closed retry-after must be at least 1 second but was " + retryAfter);
    }
    this.failClosedRetryAfter = retryAfter;
    return this;
  }

  /** @param caseSensitive whether rule patterns match case-sensitively (exemptions always do) */
  public DeciderBuilder caseSensitivePaths(boolean caseSensitive) {
    this.caseSensitivePaths = caseSensitive;
    return this;
  }

  /**
   * @param where names a configuration element in messages, from its kind ({@code rule}, {@code policy},
   *     {@code adaptive}) and name; the default is {@code rule api}, {@code controller h}
   */
  public DeciderBuilder where(BiFunction<String, String, String> where) {
    this.where = Objects.requireNonNull(where, "where");
    return this;
  }

  private static String programmatic(String kind, String name) {
    return (kind.equals("adaptive") ? "controller" : kind) + " " + name;
  }

  /**
   * Applies the filter-wide settings of the one settings model (init-params and Boot properties alike):
   * {@code header-mode}, {@code missing-key}, {@code failure.closed-retry-after} and the filter's {@code status},
   * {@code missing-key-status}, {@code exclude}, {@code case-sensitive-paths}, each through its setter here. A value
   * that does not read or that a setter refuses becomes a problem naming the setting.
   *
   * @param settings the settings
   * @param problems receives every problem
   * @return this builder
   */
  public DeciderBuilder settings(LimiterSettings settings, Problems problems) {
    HeaderMode mode = settings.headerMode(problems);
    if (mode != null) {
      headerMode(mode);
    }
    MissingKeyStrategy strategy = settings.missingKey(problems);
    if (strategy != null) {
      missingKey(strategy);
    }
    problems.read(settings.get("failure.closed-retry-after"), Setting::asDuration, this::failClosedRetryAfter);
    problems.read(settings.get("status"), Setting::asInt, this::status);
    problems.read(settings.get("missing-key-status"), Setting::asInt, this::missingKeyStatus);
    Setting excluded = settings.get("exclude");
    if (excluded != null) {
      for (String pattern : excluded.asList()) {
        problems.read(excluded, s -> pattern, this::exclude);
      }
    }
    problems.read(settings.get("case-sensitive-paths"), Setting::asBoolean, this::caseSensitivePaths);
    return this;
  }

  /** @return the policies this builder defines (named ones and the rules' inline ones): what a config reload swaps */
  public List<LimitPolicy> livePolicies() {
    List<LimitPolicy> live = new ArrayList<>(policies);
    for (RateLimitRule rule : rules) {
      if (rule.policy() != null) {
        live.add(rule.policy());
      }
    }
    return live;
  }

  /**
   * Compiles the configuration. On a problem, a store the builder owns is closed.
   *
   * @param earlier problems found before (e.g. by an init-param reader), reported with the builder's own
   * @return the compiled configuration
   * @throws RateLimitConfigException listing every problem
   */
  public Compiled build(List<String> earlier) {
    List<String> all = new ArrayList<>(earlier);
    if (registry != null && store != null) {
      all.add("registry and store are both set; the registry brings its own store");
    }
    if (registry != null && !listeners.isEmpty()) {
      all.add("registry and listener are both set; add listeners to the registry instead");
    }
    RateLimitStore effectiveStore = store;
    boolean owned = ownsStore;
    RateLimiterRegistry reg = registry;
    if (reg == null) {
      if (effectiveStore == null) {
        effectiveStore = RateLimitStore.inMemory();
        owned = true;
      }
      RateLimiterRegistry.Builder rb = RateLimiterRegistry.builder().store(effectiveStore);
      listeners.forEach(rb::listener);
      reg = rb.build();
    }
    for (LimitPolicy p : policies) {
      try {
        reg.register(p);
      } catch (IllegalStateException e) {
        all.add("policy " + p.name() + ": " + e.getMessage());
      }
    }
    for (StepBinder.Stepped s : prebuilt.values()) {
      try {
        reg.register(s.limiter().policy());
      } catch (IllegalStateException e) {
        all.add("policy " + s.limiter().policy().name() + ": " + e.getMessage());
      }
    }
    boolean ownsControllers = controllerRegistry == null;
    StepControllerRegistry controllers = controllerRegistry != null ? controllerRegistry
        : new StepControllerRegistry();
    if (!ownsControllers && !ownControllers.isEmpty()) {
      all.add("controllers (a registry) and controller are both set; register the controllers in the registry");
    }
    for (StepController c : ownControllers) {
      try {
        controllers.register(c);
      } catch (IllegalStateException e) {
        all.add(where.apply("adaptive", c.name()) + ": " + e.getMessage());
      }
    }
    StepBinder steps = new StepBinder(reg, controllers, policySteps, prebuilt, penaltyListeners, clientIp);
    for (Map.Entry<String, StepSettings> e : policySteps.entrySet()) {
      reg.find(e.getKey()).ifPresent(l -> steps.named(l.policy(), where.apply("policy", e.getKey()), all));
    }
    boolean lowerCase = !caseSensitivePaths;
    List<Binding> bindings = new ArrayList<>();
    Set<String> ruleNames = new HashSet<>();
    for (RateLimitRule rule : rules) {
      Binding binding = bind(rule, reg, steps, lowerCase, ruleNames, all);
      if (binding != null) {
        bindings.add(binding);
      }
    }
    List<PathPattern> excluded = new ArrayList<>();
    for (String p : excludes) {
      // case-sensitive whatever the rules do: the server routes /HEALTH elsewhere than /health
      excluded.add(PathPattern.compile(p, true));
    }
    if (!all.isEmpty()) {
      if (owned && effectiveStore != null) {
        effectiveStore.close();
      }
      throw new RateLimitConfigException(all);
    }
    StoreFailureHandler onFailure = failureHandler != null ? failureHandler
        : StoreFailureHandler.byFailureMode(RateLimitStore.inMemory(), failClosedRetryAfter, Duration.ofMinutes(1));
    RequestDecider decider = new RequestDecider(bindings, excluded, lowerCase, status, missingKeyStatus, onFailure);
    return new Compiled(decider, List.copyOf(bindings), reg, steps, ownsControllers, owned ? effectiveStore : null,
        onFailure, headerMode, status, missingKeyStatus, defaultKey, defaultResolver(), missingKey, clientIp);
  }

  /** A rule's binding: its limiter (inline or named), cost, key, patterns and steps; null after a problem. */
  private @Nullable Binding bind(RateLimitRule rule, RateLimiterRegistry reg, StepBinder steps, boolean lowerCase,
      Set<String> ruleNames, List<String> all) {
    String where = this.where.apply("rule", rule.name());
    if (!ruleNames.add(rule.name())) {
      all.add(where + ": another rule has the same name");
      return null;
    }
    RateLimiter limiter = null;
    if (rule.policy() != null) {
      try {
        limiter = reg.register(rule.policy());
      } catch (IllegalStateException e) {
        all.add(where + ": " + e.getMessage());
      }
    } else {
      limiter = reg.find(rule.policyName()).orElse(null);
      if (limiter == null) {
        all.add(where + ": unknown policy \"" + rule.policyName() + "\"; known policies: " + reg.names());
      }
    }
    long permits = rule.cost() > 0 ? rule.cost() : limiter == null ? 1 : limiter.policy().cost();
    if (limiter != null && rule.policy() == null && rule.cost() > 0) {
      Binding.checkCost(limiter.policy(), permits, all, where + ": ");
    }
    KeyResolver<HttpRequestView> key;
    KeyReference keyReference;
    if (rule.keyResolver() == RequestKeys.global()) {
      // the same bucket as key=global: shared by every client, so never boxed
      keyReference = KeyReference.of(KeyReference.Kind.GLOBAL);
      key = keyReference.toResolver(clientIp);
    } else if (rule.keyResolver() != null) {
      key = KeyKind.CUSTOM.of(rule.keyResolver());
      keyReference = null;
    } else if (rule.keyReference() != null) {
      key = rule.keyReference().toResolver(clientIp);
      keyReference = rule.keyReference();
    } else {
      key = defaultResolver();
      keyReference = defaultKey;
    }
    List<PathPattern> patterns = new ArrayList<>();
    for (String p : rule.paths()) {
      patterns.add(PathPattern.compile(p, !lowerCase));
    }
    Set<String> methods = new LinkedHashSet<>(rule.methods());
    if (limiter == null) {
      return null;
    }
    int before = all.size();
    StepBinder.Stepped stepped = rule.policy() != null && !rule.steps().isEmpty()
        ? steps.inline(limiter.policy(), rule.steps(), where, all)
        : steps.named(limiter.policy(), where, all);
    if (all.size() > before) {
      return null;
    }
    String actualCost = rule.actualCost();
    return new Binding(where, limiter, permits, key, keyReference,
        rule.missingKey() != null ? rule.missingKey() : missingKey, patterns, methods, stepped)
        .withChargeOn(rule.chargeOn()).withActualCost(actualCost == null ? null : ActualCost.parse(actualCost));
  }

  private KeyResolver<HttpRequestView> defaultResolver() {
    // defaultKey(resolver) clears the reference
    return defaultKeyResolver != null ? KeyKind.CUSTOM.of(defaultKeyResolver)
        : Objects.requireNonNull(defaultKey, "defaultKey").toResolver(clientIp);
  }
}
