package io.limiter.servlet;

import io.limiter.annotation.RateLimitAnnotations;
import io.limiter.core.KeyKind;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.settings.LimiterSettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.TickScheduler;
import io.limiter.core.step.TierResolver;
import io.limiter.servlet.internal.AnnotationParser;
import io.limiter.servlet.internal.RateLimitEngine;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import io.limiter.web.RateLimitRule;
import io.limiter.web.StepSettings;
import io.limiter.web.internal.DeciderBuilder;
import io.limiter.web.internal.StepBinder;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * A Jakarta Servlet filter that rate limits requests by path rules and by {@code @RateLimit} on the target servlet.
 *
 * <h2>Configuration</h2>
 * Three ways, one validator: {@code web.xml} init-params (this class's no-argument constructor reads them in
 * {@link #init}), an optional properties file named by the {@code config-file} init-param (same keys; init-params win),
 * or {@link #builder()} for embedded servers and Spring. Every problem in the configuration is collected and reported
 * together: {@code init} fails with one {@link ServletException} (builders throw one {@link RateLimitConfigException}),
 * each line naming the init-param, property or builder element and its value. The init-params are listed in
 * {@code docs/servlet.md}.
 *
 * <p>The config file is watched while the filter runs (every {@code config-file.reload-interval}, default 10 s, on one
 * thread of the filter's, stopped in {@link #destroy()}): changed contents are checked as at startup and refused whole
 * on any problem, the running limits staying in force; the limits, algorithm, shadow and failure mode of its rules and
 * policies change live (each client's state kept within the same shape, reset under another), any other change is
 * refused as needing a restart. Each reload is logged, counted ({@link #configReloads()}) and reported to the
 * {@link ConfigReloadListener}s.
 *
 * <h2>Per request</h2>
 * <ol>
 *   <li>The path of the dispatch is read in every way a container may route it (its <em>spellings</em>: decoded,
 *       {@code ;params} removed, dot segments resolved; encoded slashes and backslashes, empty segments and a
 *       trailing slash read each way; see {@code docs/servlet.md}). A path that cannot be read with confidence
 *       (invalid or overlong UTF-8, {@code %u} escapes, control characters) is refused with 400. The request is exempt
 *       only if every spelling matches an exemption (case-sensitively).
 *   <li>Every path rule whose methods match and whose patterns match any spelling (lower-cased unless paths are
 *       case-sensitive) applies, in order; then the {@code @RateLimit}s of the target servlet
 *       ({@code getHttpServletMapping()} → registration → class, read once per servlet at init; plain, repeated or
 *       composed, on {@code doXxx}, {@code service} and the class, all levels applying; a named dispatch reaches them
 *       through a {@link NamedDispatchFilter}).
 *   <li>Each applicable limit resolves its key over the request's {@link ServletRequestView} (a missing key → the
 *       {@link MissingKeyStrategy}; default: reject with 401 and a problem body); the limits are decided together, all
 *       or nothing: when one rejects, the permits the request took are refunded.
 *   <li>Allowed: the {@code RateLimit-Policy}/{@code RateLimit} fields are set and the chain continues. Rejected: the
 *       fields plus {@code Retry-After} are set and the {@link RejectionHandler} writes the response (429 and an RFC
 *       9457 problem body by default; 503 when the store failed and the policy fails closed).
 * </ol>
 * <h2>Step-function throttling</h2>
 * Rules, named policies and {@code @RateLimit}s may carry {@link StepSettings}: client tiers, a schedule, an adaptive
 * step controller and a penalty rule ({@code rule.<name>.tiers}, {@code policy.<name>.adaptive}, … and
 * {@code adaptive.<name>} init-params; see {@code docs/step-throttling.md}). The filter starts the step controllers it
 * defines in {@code init} and closes them in {@code destroy}, and feeds their built-in health signals with every
 * request it admits under such a policy: latency from admission until the response is done (asynchronous requests
 * included), in-flight requests, and failures (a 5xx status or an exception).
 *
 * <p>Each limit is charged at most once per request across all dispatches (REQUEST, FORWARD, INCLUDE, ASYNC, ERROR):
 * a forward or error dispatch is free unless it reaches a resource under a different limit. Map the filter to all
 * dispatcher types (or at least REQUEST). Policies in shadow mode let over-limit requests through; their decisions are
 * in the request attribute {@link #SHADOW_REJECTIONS_ATTRIBUTE}, reported to the listeners, and not visible in headers.
 *
 * <p>Thread-safe once initialized.
 */
public final class RateLimitFilter implements Filter {

  private static final System.Logger LOG = System.getLogger(RateLimitFilter.class.getName());

  /** Request attribute: the {@code List<Decision>} of the limits visible to the client, set whenever one applied. */
  public static final String DECISIONS_ATTRIBUTE = RateLimitEngine.DECISIONS_ATTRIBUTE;
  /**
   * Request attribute with what the filter charged, {@code List<Map.Entry<String, String>>}: each policy name with
   * the client key it was charged under ({@code ""} for the shared bucket of requests without a key).
   */
  public static final String CHARGED_ATTRIBUTE = RateLimitEngine.CHARGED_ATTRIBUTE;
  /** Request attribute: the {@code List<Decision>} of shadow policies over their limit; absent when there are none. */
  public static final String SHADOW_REJECTIONS_ATTRIBUTE = RateLimitEngine.SHADOW_REJECTIONS_ATTRIBUTE;
  /**
   * Request attribute: the {@code List<}{@link io.limiter.core.Reservation}{@code >} of permits the request holds
   * (the filter's, and in Spring the annotations'). When any policy rejects the request, all of them are refunded
   * before the response is written ({@link #refundReservations}), so a rejected request costs nothing anywhere.
   */
  public static final String RESERVATIONS_ATTRIBUTE = RateLimitEngine.RESERVATIONS_ATTRIBUTE;

  /**
   * Refunds every reservation the request holds (see {@link #RESERVATIONS_ATTRIBUTE}) and forgets them; for code
   * that rejects a request under a rate limit of its own. A failing refund is logged, never thrown.
   *
   * @param request the request
   */
  public static void refundReservations(jakarta.servlet.ServletRequest request) {
    RateLimitEngine.refundAll(request);
  }

  private final boolean programmatic;
  private volatile @Nullable RateLimitEngine engine;
  /** Where the config file's checks run instead of a thread of the filter's own (tests drive them by hand). */
  private final @Nullable TickScheduler watchScheduler;
  private volatile @Nullable ConfigFileWatch watch;
  private volatile @Nullable ScheduledExecutorService watchThread;

  /** Creates a filter configured by its init-params ({@code web.xml}, {@code FilterRegistration}). */
  public RateLimitFilter() {
    this((TickScheduler) null);
  }

  /** For tests: checks of the config file are scheduled on {@code watchScheduler}. */
  RateLimitFilter(@Nullable TickScheduler watchScheduler) {
    this.programmatic = false;
    this.watchScheduler = watchScheduler;
  }

  private RateLimitFilter(RateLimitEngine engine) {
    this.programmatic = true;
    this.engine = engine;
    this.watchScheduler = null;
  }

  /** @return a builder for a programmatically configured filter */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    RateLimitEngine e = engine;
    FilterSettings settings = null;
    if (!programmatic) {
      try {
        settings = FilterSettings.read(filterConfig);
        e = settings.builder().createEngine();
      } catch (RateLimitConfigException ex) {
        throw new ServletException(ex.getMessage(), ex);
      }
    } else if (filterConfig.getInitParameterNames().hasMoreElements()) {
      LOG.log(Level.WARNING, "rate limit filter " + filterConfig.getFilterName() + " was configured by its builder; "
          + "its init-params are ignored");
    }
    // init-params built one above; the builder's filter got its engine from the builder
    List<String> problems = Objects.requireNonNull(e, "engine").start(filterConfig.getServletContext(),
        filterConfig.getFilterName());
    if (!problems.isEmpty()) {
      e.close();
      RateLimitConfigException ex = new RateLimitConfigException(problems);
      throw new ServletException(ex.getMessage(), ex);
    }
    engine = e;
    if (settings != null && settings.reloadInterval() != null) {
      watch(settings, filterConfig.getFilterName());
    }
  }

  /**
   * Watches the config file on a scheduler of the filter's (one thread, stopped in {@link #destroy()}), or on the
   * one a test gave.
   */
  private void watch(FilterSettings settings, String filterName) {
    // the engine is built before the watch starts, and only a watched file has a reload interval
    ConfigFileWatch w = new ConfigFileWatch(settings, Objects.requireNonNull(settings.builder().built, "built"),
        filterName, settings.builder().reloadListeners);
    TickScheduler on = watchScheduler;
    if (on == null) {
      String thread = "limiter-config-" + filterName;
      ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, thread);
        t.setDaemon(true);
        return t;
      });
      watchThread = executor;
      on = TickScheduler.of(executor);
    }
    watch = w.start(on, Objects.requireNonNull(settings.reloadInterval(), "reloadInterval"));
  }

  /**
   * Returns the counts of the filter's {@code config-file} reloads (applied, refused, the last one), a metric to
   * export; see {@code docs/servlet.md}, <em>Changing the config file while running</em>.
   *
   * @return the counts, or empty if the filter watches no config file
   */
  public Optional<ConfigReload.Counts> configReloads() {
    ConfigFileWatch w = watch;
    return w == null ? Optional.empty() : Optional.of(w.counts());
  }

  /**
   * Adds a listener told about every reload of the {@code config-file} (as does a {@code listener} init-param naming
   * a {@link ConfigReloadListener}).
   *
   * @param listener the listener
   * @throws IllegalStateException if the filter watches no config file (before {@code init}, or none is set)
   */
  public void addConfigReloadListener(ConfigReloadListener listener) {
    ConfigFileWatch w = watch;
    if (w == null) {
      throw new IllegalStateException("rate limit filter watches no config-file" + (engine == null
          ? " (before init)" : ""));
    }
    w.addListener(listener);
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    RateLimitEngine e = engine;
    if (e == null) {
      throw new ServletException("RateLimitFilter used before init(FilterConfig)");
    }
    if (request instanceof HttpServletRequest && response instanceof HttpServletResponse) {
      e.doFilter((HttpServletRequest) request, (HttpServletResponse) response, chain);
    } else {
      chain.doFilter(request, response);
    }
  }

  /**
   * Returns the step controllers the filter's policies use, e.g. to pin a level by hand.
   *
   * @return the controllers by name
   * @throws IllegalStateException before {@code init}
   */
  public StepControllerRegistry stepControllers() {
    return started().steps().controllers();
  }

  /**
   * Returns the stepped limiter of a policy with step-function throttling, e.g. to read its current limits or release
   * a client from its penalty box. Its request context is the tier name.
   *
   * @param policyName the policy
   * @return the limiter, if the policy has step settings (for annotations: once their servlet's annotations are read)
   * @throws IllegalStateException before {@code init}
   */
  public Optional<SteppedRateLimiter<String>> steppedLimiter(String policyName) {
    StepBinder.Stepped stepped = started().steps().find(policyName);
    return stepped == null ? Optional.empty() : Optional.of(stepped.limiter());
  }

  private RateLimitEngine started() {
    RateLimitEngine e = engine;
    if (e == null) {
      throw new IllegalStateException("RateLimitFilter used before init(FilterConfig)");
    }
    return e;
  }

  /**
   * Stops watching the config file; closes the step controllers and the store if the filter created them
   * (init-params, builder, by default).
   */
  @Override
  public void destroy() {
    ConfigFileWatch w = watch;
    if (w != null) {
      w.close();
    }
    ScheduledExecutorService t = watchThread;
    watchThread = null;
    if (t != null) {
      t.shutdownNow();
    }
    RateLimitEngine e = engine;
    if (e != null) {
      e.close();
    }
  }

  /**
   * Builds a {@link RateLimitFilter}. Setters validate their argument ({@link IllegalArgumentException});
   * {@link #build()} validates the whole and reports every problem at once. The init-param reader drives this same
   * builder, so all three ways of configuring share one validator. Not thread-safe.
   *
   * <pre>{@code
   * RateLimitFilter filter = RateLimitFilter.builder()
   *     .clientIp(ClientIpResolver.builder().trustedProxies("10.0.0.0/8").build())
   *     .rule(RateLimitRule.builder("api").paths("/api/*").limits("100/minute").build())
   *     .rule(RateLimitRule.builder("login").paths("/login").methods("POST").limits("5/minute").build())
   *     .exclude("/health")
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    /** Problems found by the init-param reader, reported together with the builder's own. */
    final List<String> problems = new ArrayList<>();
    /** Set by the init-param reader: told about reloads of the config file. */
    final List<ConfigReloadListener> reloadListeners = new ArrayList<>();
    /** The registry {@link #createEngine()} built on (or was given), whose policies a config reload replaces. */
    @Nullable RateLimiterRegistry built;
    /** Set by the init-param reader: name rules as their init-params in messages. */
    boolean textual;
    /**
     * Where the elements of a textual configuration came from, for messages: {@code rule.api} to
     * {@code init-param rule.api.*} (or the config file's label), {@code adaptive.h} to {@code init-param adaptive.h}.
     */
    final Map<String, String> labels = new java.util.HashMap<>();

    /** The label of a textual element, or its programmatic name: {@code init-param rule.api.*}, {@code rule api}. */
    private String where(String kind, String name) {
      if (!textual) {
        return (kind.equals("adaptive") ? "controller" : kind) + " " + name;
      }
      String label = labels.get(kind + "." + name);
      return label != null ? label : "init-param " + kind + "." + name + (kind.equals("adaptive") ? "" : ".*");
    }
    /** The stack-neutral part: rules, policies, keys, steps, statuses; compiled by {@link #createEngine()}. */
    private final DeciderBuilder rules = new DeciderBuilder();
    private RejectionHandler rejectionHandler = RejectionHandler.problemJson();
    private boolean annotations = true;
    private RateLimitAnnotations annotationLookup = RateLimitAnnotations.metaAnnotations();

    private Builder() {
    }

    /**
     * Sets the store; the default is a new in-memory store, which the filter closes on destroy. A store set here is
     * the caller's to close.
     *
     * @param store the store
     * @return this builder
     */
    public Builder store(RateLimitStore store) {
      rules.store(store);
      return this;
    }

    /** For the init-param reader: a store the filter created and must close. */
    Builder ownedStore(RateLimitStore store) {
      rules.ownedStore(store);
      return this;
    }

    /**
     * Uses an existing registry (e.g. the Spring application's): its store and listener, and its policies for
     * {@link RateLimitRule.Builder#policy(String)} and {@code @RateLimit(name = ...)}. Excludes {@link #store} and
     * {@link #listener}.
     *
     * @param registry the registry
     * @return this builder
     */
    public Builder registry(RateLimiterRegistry registry) {
      rules.registry(registry);
      return this;
    }

    /**
     * Defines a named policy that rules and {@code @RateLimit(name = ...)} can refer to.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(LimitPolicy policy) {
      rules.policy(policy);
      return this;
    }

    /**
     * Defines a named policy with step-function throttling; rules and {@code @RateLimit(name = ...)} that refer to it
     * share one stepped limiter (its state, penalty box and controller).
     *
     * @param policy the policy
     * @param steps its tiers, schedule, controller and penalty
     * @return this builder
     */
    public Builder policy(LimitPolicy policy, StepSettings steps) {
      rules.policy(policy, steps);
      return this;
    }

    /**
     * Uses a stepped limiter built elsewhere for its policy, e.g. one that Spring shares between the filter and the
     * {@code @RateLimit} aspect. Its request context must be the tier name: the filter resolves the tier with
     * {@code tierKey} and passes the name.
     *
     * @param limiter the limiter, on this filter's store
     * @param tierKey finds a request's tier, or null if the limiter has no tiers
     * @return this builder
     */
    public Builder steppedPolicy(SteppedRateLimiter<String> limiter,
        @Nullable TierResolver<HttpRequestView> tierKey) {
      rules.steppedPolicy(limiter, tierKey);
      return this;
    }

    /**
     * Adds a step controller that policies name in {@link StepSettings.Builder#adaptive(String)}. The filter starts
     * it in {@code init} (unless it is running already) and closes it in {@code destroy}.
     *
     * @param controller the controller
     * @return this builder
     */
    public Builder controller(StepController controller) {
      rules.controller(controller);
      return this;
    }

    /**
     * Looks up the controllers that policies name in this registry instead; their lifecycle stays with the caller
     * (e.g. the Spring context). Excludes {@link #controller(StepController)}.
     *
     * @param controllers the registry
     * @return this builder
     */
    public Builder controllers(StepControllerRegistry controllers) {
      rules.controllers(controllers);
      return this;
    }

    /**
     * Adds a listener for clients entering and leaving the penalty boxes of the filter's policies.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder penaltyListener(PenaltyListener listener) {
      rules.penaltyListener(listener);
      return this;
    }

    /**
     * Adds a path rule; rules are evaluated in the order added.
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder rule(RateLimitRule rule) {
      rules.rule(rule);
      return this;
    }

    /**
     * Exempts paths from every limit of this filter (rules and annotations), e.g. health checks. A request is exempt
     * only when every spelling of its path matches an exemption, case-sensitively: {@code /health} does not exempt
     * {@code /HEALTH}, {@code /health/} or {@code /x%2F..%2Fhealth}, which a container may route elsewhere.
     *
     * @param patterns path patterns
     * @return this builder
     * @throws IllegalArgumentException if a pattern is malformed
     */
    public Builder exclude(String... patterns) {
      rules.exclude(patterns);
      return this;
    }

    /**
     * Sets the key of rules and annotations that name none; the default is {@code ip}.
     *
     * @param reference a {@link KeyReference}
     * @return this builder
     * @throws IllegalArgumentException if it does not parse
     */
    public Builder defaultKey(String reference) {
      rules.defaultKey(reference);
      return this;
    }

    /**
     * Sets a custom resolver as the key of rules and annotations that name none.
     *
     * @param resolver the resolver; its answers are stored as {@link KeyKind#CUSTOM} keys ({@code x:<answer>}), so
     *     they never share state with keys of another kind. A resolver written against {@code HttpServletRequest} is
     *     adapted by {@link ServletRequestView#resolver(KeyResolver)}
     * @return this builder
     */
    public Builder defaultKey(KeyResolver<HttpRequestView> resolver) {
      rules.defaultKey(resolver);
      return this;
    }

    /**
     * Sets how {@code ip} keys are resolved (trusted proxies, IPv6 prefix); the default trusts no proxy.
     *
     * @param resolver the resolver
     * @return this builder
     */
    public Builder clientIp(ClientIpResolver resolver) {
      rules.clientIp(resolver);
      return this;
    }

    /**
     * Sets what happens to requests without a key, for rules that do not set their own; the default is
     * {@link MissingKeyStrategy#reject()}.
     *
     * @param strategy the strategy
     * @return this builder
     */
    public Builder missingKey(MissingKeyStrategy strategy) {
      rules.missingKey(strategy);
      return this;
    }

    /**
     * Sets the status of responses to requests refused for a missing key; the default is 401.
     *
     * @param status 400 to 499
     * @return this builder
     */
    public Builder missingKeyStatus(int status) {
      rules.missingKeyStatus(status);
      return this;
    }

    /**
     * Sets the status of rate-limited responses; the default is 429. (Store failures under fail-closed always answer
     * 503.)
     *
     * @param status 400 to 599
     * @return this builder
     */
    public Builder status(int status) {
      rules.status(status);
      return this;
    }

    /**
     * Sets which rate limit header fields responses carry; the default is {@link HeaderMode#IETF}.
     *
     * @param mode the mode
     * @return this builder
     */
    public Builder headerMode(HeaderMode mode) {
      rules.headerMode(mode);
      return this;
    }

    /**
     * Sets what writes refused responses; the default is {@link RejectionHandler#problemJson()}.
     *
     * @param handler the handler
     * @return this builder
     */
    public Builder rejectionHandler(RejectionHandler handler) {
      this.rejectionHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Adds a listener for every decision (metrics, logs, shadow-mode reports).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(RateLimitListener listener) {
      rules.listener(listener);
      return this;
    }

    /**
     * Sets what decides when the store throws; the default applies each policy's
     * {@link io.limiter.core.FailureMode} ({@link StoreFailureHandler#byFailureMode}).
     *
     * @param handler the handler
     * @return this builder
     */
    public Builder failureHandler(StoreFailureHandler handler) {
      rules.failureHandler(handler);
      return this;
    }

    /**
     * Sets the {@code Retry-After} of 503 responses when the store fails and a policy fails closed; default 5 s.
     *
     * @param retryAfter at least one second
     * @return this builder
     */
    public Builder failClosedRetryAfter(Duration retryAfter) {
      rules.failClosedRetryAfter(retryAfter);
      return this;
    }

    /**
     * Sets whether {@code @RateLimit} on servlet classes and their {@code doXxx} methods applies; default true.
     *
     * @param enabled whether to read annotations
     * @return this builder
     */
    public Builder annotations(boolean enabled) {
      this.annotations = enabled;
      return this;
    }

    /**
     * Sets how {@code @RateLimit}s are found on one servlet class or method; the default,
     * {@link RateLimitAnnotations#metaAnnotations()}, reads plain, repeated and composed annotations. limiter-spring's
     * auto-configuration passes one based on Spring's merged annotations (which also honours {@code @AliasFor}), the
     * same lookup as its aspect.
     *
     * @param lookup the lookup
     * @return this builder
     */
    public Builder annotationLookup(RateLimitAnnotations lookup) {
      this.annotationLookup = Objects.requireNonNull(lookup, "lookup");
      return this;
    }

    /**
     * Sets whether rule patterns match case-sensitively; default false: {@code /API/data} counts against a rule on
     * {@code /api/data}, because some deployments (case-insensitive file systems, proxies, catch-all servlets) route
     * both to the same resource. Set true only if your paths differ by case alone. Exemptions are case-sensitive
     * either way.
     *
     * @param caseSensitive whether case matters
     * @return this builder
     */
    public Builder caseSensitivePaths(boolean caseSensitive) {
      rules.caseSensitivePaths(caseSensitive);
      return this;
    }

    /**
     * Applies the filter-wide settings of the one settings model (init-params and Boot properties alike):
     * {@code header-mode}, {@code missing-key}, {@code failure.closed-retry-after} and the filter's {@code status},
     * {@code missing-key-status}, {@code exclude}, {@code case-sensitive-paths}, each through its setter here. The
     * client IP settings go to {@link ClientIpResolver.Builder#build(LimiterSettings, Problems)}; the store is the
     * front-end's. A value that does not read or that a setter refuses becomes a problem naming the setting.
     *
     * @param settings the settings
     * @param problems receives every problem
     * @return this builder
     */
    public Builder settings(LimiterSettings settings, Problems problems) {
      rules.settings(settings, problems);
      return this;
    }

    /**
     * Builds the filter; it still needs {@code init} (the container calls it), where the servlets' annotations are
     * read.
     *
     * @return the filter
     * @throws RateLimitConfigException listing every problem
     */
    public RateLimitFilter build() {
      return new RateLimitFilter(createEngine());
    }

    RateLimitEngine createEngine() {
      DeciderBuilder.Compiled compiled = rules.where(this::where).build(problems);
      built = compiled.registry();
      AnnotationParser parser = annotations ? new AnnotationParser(compiled.registry(),
          ref -> ref.toResolver(compiled.clientIp()), compiled.defaultKey(), compiled.defaultResolver(),
          compiled.missingKey(), compiled.steps(), annotationLookup) : null;
      return new RateLimitEngine(compiled, parser, rejectionHandler);
    }

    /** The policies this builder defines (named ones and the rules' inline ones): what a config reload swaps. */
    List<LimitPolicy> livePolicies() {
      return rules.livePolicies();
    }
  }
}
