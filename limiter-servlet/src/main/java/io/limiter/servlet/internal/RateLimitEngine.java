package io.limiter.servlet.internal;

import io.limiter.core.Decision;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.StepController;
import io.limiter.servlet.Rejection;
import io.limiter.servlet.RejectionHandler;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The filter's per-request work: path spellings → exemptions → matching rules and the target servlet's annotations →
 * keys → decisions → headers → chain or rejection.
 *
 * <p>Paths: a request's path may be read more than one way, and containers route by different readings
 * ({@link CanonicalPath}). A rule applies when it matches any spelling; an exemption only when every spelling is
 * exempt; a path that cannot be read with confidence is refused with 400 before anything else.
 *
 * <p>Once per request: a per-filter request attribute records which bindings have been charged. Every dispatch
 * (REQUEST, FORWARD, INCLUDE, ASYNC, ERROR) is examined, but a binding charged earlier in the same request is never
 * charged again. So a forward to a path under the same rule, the async re-dispatch and the error page of a limited
 * request are free, while a forward into a differently limited resource is still counted.
 *
 * <p>Thread-safe: all state is immutable after {@link #start}, except the servlet-name cache (a concurrent map whose
 * values are computed idempotently).
 */
public final class RateLimitEngine {

  private static final System.Logger LOG = System.getLogger("io.limiter.servlet.RateLimitFilter");

  /** Request attribute with the visible decisions of the request, {@code List<Decision>}. */
  public static final String DECISIONS_ATTRIBUTE = "io.limiter.servlet.decisions";
  /** Request attribute with the shadow policies' would-reject decisions, {@code List<Decision>}; absent if none. */
  public static final String SHADOW_REJECTIONS_ATTRIBUTE = "io.limiter.servlet.shadowRejections";

  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";

  private final List<Binding> rules;
  private final List<PathPattern> excludes;
  private final boolean lowerCase;
  private final AnnotationParser annotations;
  private final HeaderMode headerMode;
  private final int status;
  private final int missingKeyStatus;
  private final RejectionHandler rejectionHandler;
  private final StoreFailureHandler failureHandler;
  private final RateLimitStore ownedStore;
  private final StepBinder steps;
  private final boolean ownsControllers;
  private final Map<String, ServletLimits> servlets = new ConcurrentHashMap<>();
  private volatile ServletContext context;
  private volatile String stateAttribute = RateLimitEngine.class.getName() + ".state";

  /**
   * @param rules path rule bindings, in evaluation order
   * @param excludes exempt paths, case-sensitive (the container routes by case)
   * @param lowerCase whether paths are matched case-insensitively (patterns are lower case then)
   * @param annotations reads {@code @RateLimit} from servlets, or null to ignore annotations
   * @param headerMode which rate limit fields to write
   * @param status the status of rate-limited responses
   * @param missingKeyStatus the status for requests without a required key
   * @param rejectionHandler writes refused responses
   * @param failureHandler decides when a store throws
   * @param ownedStore a store the filter created and closes on destroy, or null
   * @param steps the stepped limiters and step controllers
   * @param ownsControllers whether the filter starts the controllers on start and closes them on close
   */
  public RateLimitEngine(List<Binding> rules, List<PathPattern> excludes, boolean lowerCase,
      AnnotationParser annotations, HeaderMode headerMode, int status, int missingKeyStatus,
      RejectionHandler rejectionHandler, StoreFailureHandler failureHandler, RateLimitStore ownedStore,
      StepBinder steps, boolean ownsControllers) {
    this.rules = List.copyOf(rules);
    this.excludes = List.copyOf(excludes);
    this.lowerCase = lowerCase;
    this.annotations = annotations;
    this.headerMode = headerMode;
    this.status = status;
    this.missingKeyStatus = missingKeyStatus;
    this.rejectionHandler = rejectionHandler;
    this.failureHandler = failureHandler;
    this.ownedStore = ownedStore;
    this.steps = steps;
    this.ownsControllers = ownsControllers;
  }

  /**
   * Binds the engine to its context: reads the annotations of every registered servlet now, so that their errors fail
   * startup; then starts the step controllers the filter owns.
   *
   * @param servletContext the context
   * @param filterName the filter's name, which keeps the state of two filter instances apart
   * @return every problem found in annotations; empty if all is well
   */
  public List<String> start(ServletContext servletContext, String filterName) {
    this.context = servletContext;
    this.stateAttribute = RateLimitEngine.class.getName() + ".state." + filterName;
    List<String> problems = new ArrayList<>();
    if (annotations != null && servletContext != null) {
      readAnnotations(servletContext, problems);
    }
    if (problems.isEmpty() && ownsControllers) {
      steps.controllers().start();
    }
    return problems;
  }

  private void readAnnotations(ServletContext servletContext, List<String> problems) {
    Map<String, ? extends ServletRegistration> registrations;
    try {
      registrations = servletContext.getServletRegistrations();
    } catch (UnsupportedOperationException e) {
      LOG.log(Level.DEBUG, "servlet registrations not available; reading annotations on first request", e);
      return;
    }
    for (Map.Entry<String, ? extends ServletRegistration> e : registrations.entrySet()) {
      servlets.put(e.getKey(), limitsOf(e.getValue(), problems));
    }
  }

  private ServletLimits limitsOf(ServletRegistration registration, List<String> problems) {
    String className = registration == null ? null : registration.getClassName();
    if (className == null) {
      return ServletLimits.NONE;
    }
    Class<?> type;
    try {
      ClassLoader loader = context.getClassLoader();
      type = Class.forName(className, false, loader != null ? loader : getClass().getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      // container servlets (JSP, default) may live where the application cannot see them; they carry no @RateLimit
      LOG.log(Level.DEBUG, "cannot load servlet class " + className + "; no @RateLimit read from it", e);
      return ServletLimits.NONE;
    }
    return annotations.parse(type, problems);
  }

  private ServletLimits servletLimits(String servletName) throws ServletException {
    ServletLimits limits = servlets.get(servletName);
    if (limits != null) {
      return limits;
    }
    // registered after the filter started (rare): read it now; an error fails this request, not silently open
    List<String> problems = new ArrayList<>();
    limits = limitsOf(context.getServletRegistration(servletName), problems);
    if (!problems.isEmpty()) {
      throw new ServletException("invalid @RateLimit on servlet " + servletName + ": " + problems);
    }
    servlets.putIfAbsent(servletName, limits);
    return limits;
  }

  /** Per-request state, stored in a request attribute; touched by one thread at a time. */
  private static final class State {
    final List<Binding> charged = new ArrayList<>(2);
    final List<Decision> visible = new ArrayList<>(2);
    final List<Decision> shadow = new ArrayList<>(0);
  }

  /**
   * Filters one dispatch.
   *
   * @param request the request
   * @param response the response
   * @param chain the rest of the chain
   * @throws IOException from the chain or the rejection handler
   * @throws ServletException from the chain
   */
  public void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    State state = (State) request.getAttribute(stateAttribute);
    String method = request.getMethod();
    PathSpellings path = dispatchPath(request);
    if (path.refusal() != null) {
      rejectionHandler.reject(request, response, Rejection.ambiguousPath(path.refusal()));
      return;
    }
    // exempt only if every spelling is: one the container may route elsewhere must not carry an exemption there
    if (path.allMatch(excludes)) {
      chain.doFilter(request, response);
      return;
    }
    List<Binding> applicable = null;
    String[] paths = rules.isEmpty() ? null : path.forMatching(lowerCase);
    for (Binding rule : rules) {
      if ((state == null || !state.charged.contains(rule)) && appliesToAny(rule, method, paths)) {
        applicable = add(applicable, rule);
      }
    }
    if (annotations != null) {
      HttpServletMapping mapping = request.getDispatcherType() == DispatcherType.INCLUDE
          ? (HttpServletMapping) request.getAttribute(RequestDispatcher.INCLUDE_MAPPING)
          : request.getHttpServletMapping();
      if (mapping != null && mapping.getServletName() != null) {
        for (Binding b : servletLimits(mapping.getServletName()).forMethod(method)) {
          if (state == null || !state.charged.contains(b)) {
            applicable = add(applicable, b);
          }
        }
      }
    }
    if (applicable == null) {
      chain.doFilter(request, response);
      return;
    }
    if (state == null) {
      state = new State();
      request.setAttribute(stateAttribute, state);
    }
    Decision rejecting = null;
    List<StepController> admitted = null;
    for (Binding binding : applicable) {
      state.charged.add(binding);
      String key = binding.key().resolve(request);
      if (KeyResolver.isMissing(key)) {
        MissingKeyStrategy strategy = binding.missingKey();
        if (strategy instanceof MissingKeyStrategy.Skip) {
          continue;
        }
        if (!(strategy instanceof MissingKeyStrategy.SharedBucket)) {
          publish(request, state);
          RateLimitHeaders.write(state.visible, headerMode, response::setHeader);
          if (missingKeyStatus == HttpServletResponse.SC_UNAUTHORIZED && binding.keyChallenge() != null
              && !response.containsHeader(WWW_AUTHENTICATE)) {
            response.setHeader(WWW_AUTHENTICATE, binding.keyChallenge());
          }
          rejectionHandler.reject(request, response,
              Rejection.missingKey(missingKeyStatus, binding.keyDescription(), binding.limiter().name()));
          return;
        }
        key = ((MissingKeyStrategy.SharedBucket) strategy).key();
      }
      Decision decision = acquire(binding, key, request);
      if (decision.outcome() == Decision.Outcome.SHADOW_REJECTED) {
        state.shadow.add(decision);
      } else if (!binding.limiter().policy().shadow()) {
        state.visible.add(decision);
      }
      if (decision.rejected()) {
        rejecting = decision;
        break;
      }
      StepBinder.Stepped stepped = binding.stepped();
      if (stepped != null && stepped.controller() != null
          && (admitted == null || !admitted.contains(stepped.controller()))) {
        admitted = admitted == null ? new ArrayList<>(1) : admitted;
        admitted.add(stepped.controller());
      }
    }
    publish(request, state);
    RateLimitHeaders.write(state.visible, headerMode, response::setHeader);
    if (rejecting != null) {
      rejectionHandler.reject(request, response, Rejection.of(state.visible, status));
      return;
    }
    if (admitted == null) {
      chain.doFilter(request, response);
    } else {
      HealthFeed.run(admitted, request, response, chain);
    }
  }

  private static List<Binding> add(List<Binding> list, Binding b) {
    List<Binding> out = list == null ? new ArrayList<>(2) : list;
    out.add(b);
    return out;
  }

  private Decision acquire(Binding binding, String key, HttpServletRequest request) {
    try {
      StepBinder.Stepped stepped = binding.stepped();
      if (stepped != null) {
        return stepped.limiter().acquire(key, stepped.tierOf(request), binding.permits());
      }
      return binding.limiter().acquire(key, binding.permits());
    } catch (RuntimeException e) {
      LimitPolicy policy = binding.limiter().policy();
      Decision d = failureHandler.onFailure(policy, key, binding.permits(), e);
      return policy.shadow() ? d.asShadow() : d;
    }
  }

  private static void publish(HttpServletRequest request, State state) {
    request.setAttribute(DECISIONS_ATTRIBUTE, List.copyOf(state.visible));
    if (!state.shadow.isEmpty()) {
      request.setAttribute(SHADOW_REJECTIONS_ATTRIBUTE, List.copyOf(state.shadow));
    }
  }

  /** A rule applies when it matches any spelling of the path: the container may have routed by any of them. */
  private static boolean appliesToAny(Binding rule, String method, String[] paths) {
    for (String p : paths) {
      if (rule.appliesTo(method, p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The spellings of this dispatch's path inside the context: the include target for INCLUDE, else the request URI.
   * Only a REQUEST dispatch carries the client's own spelling, so only there is an unreadable path refused.
   */
  private static PathSpellings dispatchPath(HttpServletRequest request) {
    DispatcherType type = request.getDispatcherType();
    if (type == DispatcherType.INCLUDE) {
      return CanonicalPath.spellings((String) request.getAttribute(RequestDispatcher.INCLUDE_REQUEST_URI),
          (String) request.getAttribute(RequestDispatcher.INCLUDE_CONTEXT_PATH),
          (String) request.getAttribute(RequestDispatcher.INCLUDE_SERVLET_PATH),
          (String) request.getAttribute(RequestDispatcher.INCLUDE_PATH_INFO), false);
    }
    return CanonicalPath.spellings(request.getRequestURI(), request.getContextPath(), request.getServletPath(),
        request.getPathInfo(), type == DispatcherType.REQUEST);
  }

  /** Closes the step controllers and the store the filter created, if any. */
  public void close() {
    if (ownsControllers) {
      steps.controllers().close();
    }
    if (ownedStore != null) {
      try {
        ownedStore.close();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "closing the rate limit store failed", e);
      }
    }
  }

  /** @return the stepped limiters and step controllers */
  public StepBinder steps() {
    return steps;
  }

  /** @return the path rule bindings, for diagnostics */
  public List<Binding> rules() {
    return rules;
  }
}
