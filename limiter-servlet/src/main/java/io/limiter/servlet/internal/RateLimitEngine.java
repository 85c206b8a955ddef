package io.limiter.servlet.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.core.step.StepController;
import io.limiter.core.step.TickScheduler;
import io.limiter.servlet.RejectionHandler;
import io.limiter.servlet.ServletRequestView;
import io.limiter.web.internal.ActualCost;
import io.limiter.web.internal.Binding;
import io.limiter.web.internal.DeciderBuilder;
import io.limiter.web.internal.RequestDecider;
import io.limiter.web.internal.StepBinder;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterRegistration;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The filter's per-request work on the servlet stack: the once-per-request state, the target servlet's annotations and
 * the request's reservations (request attributes) → {@link RequestDecider} (path spellings → exemptions → matching
 * rules and the servlet's annotations → keys → decisions, all or nothing) → headers → chain, or the rejection; and
 * settling the held permits when the response completes (also asynchronously).
 *
 * <p>Paths: a request's path may be read more than one way, and containers route by different readings
 * ({@link io.limiter.web.internal.CanonicalPath}). A rule applies when it matches any spelling; an exemption only
 * when every spelling is exempt; a path that cannot be read with confidence is refused with 400 before anything else.
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
  /**
   * Request attribute with what the filter charged in the request, {@code List<Map.Entry<String, String>>}: policy
   * name and client key as resolved ({@code ""} for the shared bucket of requests without a key). The Spring aspect
   * reads it so that a handler's annotation does not charge the same policy and key a second time.
   */
  public static final String CHARGED_ATTRIBUTE = "io.limiter.servlet.charged";
  /**
   * Request attribute with the permits the request holds, {@code List<Reservation>}, in the order taken: the filter's
   * and (in Spring) the annotations'. When any policy rejects the request, every one of them is refunded before the
   * response is written, so a rejected request costs nothing anywhere. A mutable list, used by one thread at a time.
   */
  public static final String RESERVATIONS_ATTRIBUTE = "io.limiter.servlet.reservations";
  /** Request attribute with the shadow policies' would-reject decisions, {@code List<Decision>}; absent if none. */
  public static final String SHADOW_REJECTIONS_ATTRIBUTE = "io.limiter.servlet.shadowRejections";

  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
  /** Context attribute: the started engines, {@code List<RateLimitEngine>}. */
  private static final String ENGINES_ATTRIBUTE = RateLimitEngine.class.getName() + ".engines";
  private static final String NAMED_DISPATCH_FILTER = "io.limiter.servlet.NamedDispatchFilter";
  /** Guards creating the engine list of a context; taken once per filter start. */
  private static final Object ENGINES_LOCK = new Object();

  private final List<Binding> rules;
  private final RequestDecider decider;
  private final @Nullable AnnotationParser annotations;
  private final HeaderMode headerMode;
  /** This filter's own cache of each policy's fixed field parts. */
  private final RateLimitHeaders.Writer fields = RateLimitHeaders.writer();
  private final int missingKeyStatus;
  private final RejectionHandler rejectionHandler;
  private final @Nullable RateLimitStore ownedStore;
  private final StepBinder steps;
  private final boolean ownsControllers;
  private final Map<String, ServletLimits> servlets = new ConcurrentHashMap<>();
  private volatile @Nullable ServletContext context;
  private volatile String stateAttribute = RateLimitEngine.class.getName() + ".state";

  /**
   * @param compiled the rules, decider, steps, statuses and header mode compiled by limiter-web's
   *     {@link DeciderBuilder}
   * @param annotations reads {@code @RateLimit} from servlets, or null to ignore annotations
   * @param rejectionHandler writes refused responses
   */
  public RateLimitEngine(DeciderBuilder.Compiled compiled, @Nullable AnnotationParser annotations,
      RejectionHandler rejectionHandler) {
    this.rules = compiled.rules();
    this.decider = compiled.decider();
    this.annotations = annotations;
    this.headerMode = compiled.headerMode();
    this.missingKeyStatus = compiled.missingKeyStatus();
    this.rejectionHandler = rejectionHandler;
    this.ownedStore = compiled.ownedStore();
    this.steps = compiled.steps();
    this.ownsControllers = compiled.ownsControllers();
  }

  /** The scheduler the step controllers tick on, created in {@link #start} and stopped in {@link #close}. */
  private volatile @Nullable ScheduledExecutorService scheduler;
  /** The threads their custom health signals are sampled on (a hung signal keeps one), stopped with the scheduler. */
  private volatile @Nullable ExecutorService samples;

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
    if (problems.isEmpty() && ownsControllers && !steps.controllers().controllers().isEmpty()) {
      // threads of the filter's, stopped in destroy(): nothing of the library outlives the web app
      String thread = "limiter-step-" + filterName;
      scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, thread));
      samples = Executors.newCachedThreadPool(r -> daemon(r, thread + "-signal"));
      steps.controllers().start(TickScheduler.of(scheduler, samples));
    }
    if (problems.isEmpty() && servletContext != null) {
      engines(servletContext).add(this);
    }
    return problems;
  }

  /**
   * The started engines of a context, which the named-dispatch filters hand named dispatches to.
   *
   * @param servletContext the context
   * @return the live list (copy-on-write: filters start and stop while requests read it)
   */
  @SuppressWarnings("unchecked")
  public static List<RateLimitEngine> engines(ServletContext servletContext) {
    synchronized (ENGINES_LOCK) {
      Object list = servletContext.getAttribute(ENGINES_ATTRIBUTE);
      if (list == null) {
        list = new CopyOnWriteArrayList<RateLimitEngine>();
        servletContext.setAttribute(ENGINES_ATTRIBUTE, list);
      }
      return (List<RateLimitEngine>) list;
    }
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
    List<String> unguarded = new ArrayList<>();
    servlets.forEach((name, limits) -> {
      if (!limits.isEmpty() && !namedDispatchGuarded(servletContext, name)) {
        unguarded.add(name);
      }
    });
    if (!unguarded.isEmpty()) {
      LOG.log(Level.INFO, "named dispatches (getNamedDispatcher(name).forward/include) into the rate limited "
          + "servlets " + unguarded + " are not charged unless a NamedDispatchFilter is mapped to each by name");
    }
  }

  /** Whether a NamedDispatchFilter is mapped to the servlet by name, so its named dispatches reach this engine. */
  private static boolean namedDispatchGuarded(ServletContext servletContext, String servletName) {
    try {
      for (FilterRegistration r : servletContext.getFilterRegistrations().values()) {
        if (NAMED_DISPATCH_FILTER.equals(r.getClassName()) && r.getServletNameMappings().contains(servletName)) {
          return true;
        }
      }
    } catch (UnsupportedOperationException e) {
      // a context that hides its registrations: nothing to report
      return true;
    }
    return false;
  }

  private ServletLimits limitsOf(ServletRegistration registration, List<String> problems) {
    String className = registration == null ? null : registration.getClassName();
    if (className == null) {
      return ServletLimits.NONE;
    }
    Class<?> type;
    try {
      // annotations are read only after start() set the context, and only with a parser
      ClassLoader loader = Objects.requireNonNull(context, "context").getClassLoader();
      type = Class.forName(className, false, loader != null ? loader : getClass().getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      // container servlets (JSP, default) may live where the application cannot see them; they carry no @RateLimit
      LOG.log(Level.DEBUG, "cannot load servlet class " + className + "; no @RateLimit read from it", e);
      return ServletLimits.NONE;
    }
    return Objects.requireNonNull(annotations, "annotations").parse(type, problems);
  }

  private ServletLimits servletLimits(String servletName) throws ServletException {
    ServletLimits limits = servlets.get(servletName);
    if (limits != null) {
      return limits;
    }
    // registered after the filter started (rare): read it now; an error fails this request, not silently open
    List<String> problems = new ArrayList<>();
    limits = limitsOf(Objects.requireNonNull(context, "context").getServletRegistration(servletName), problems);
    if (!problems.isEmpty()) {
      throw new ServletException("invalid @RateLimit on servlet " + servletName + ": " + problems);
    }
    servlets.putIfAbsent(servletName, limits);
    return limits;
  }

  /**
   * Refunds every reservation the request holds (see {@link #RESERVATIONS_ATTRIBUTE}) and forgets them: a policy
   * rejected the request. A refund that fails is logged; it never fails the response.
   *
   * @param request the request
   */
  @SuppressWarnings("unchecked")
  public static void refundAll(jakarta.servlet.ServletRequest request) {
    Object held = request.getAttribute(RESERVATIONS_ATTRIBUTE);
    if (held instanceof List<?> list) {
      refundAll((List<Reservation>) list);
    }
  }

  /**
   * Refunds and removes every reservation of the list.
   *
   * @param reservations the reservations; emptied
   */
  public static void refundAll(List<Reservation> reservations) {
    RequestDecider.refundAll(reservations);
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
    String servlet = null;
    if (annotations != null) {
      HttpServletMapping mapping = request.getDispatcherType() == DispatcherType.INCLUDE
          ? (HttpServletMapping) request.getAttribute(RequestDispatcher.INCLUDE_MAPPING)
          : request.getHttpServletMapping();
      servlet = mapping == null ? null : mapping.getServletName();
    }
    filter(request, response, chain, servlet);
  }

  /**
   * Filters a named dispatch ({@code getNamedDispatcher(name).forward/include}) into a servlet: the request carries
   * the mapping of the dispatching servlet, so only the caller, mapped by servlet name, knows the target.
   *
   * @param servletName the target servlet
   * @param request the request
   * @param response the response
   * @param chain the rest of the chain
   * @throws IOException from the chain or the rejection handler
   * @throws ServletException from the chain
   */
  public void doNamedDispatch(String servletName, HttpServletRequest request, HttpServletResponse response,
      FilterChain chain) throws IOException, ServletException {
    filter(request, response, chain, annotations == null ? null : servletName);
  }

  private void filter(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
      @Nullable String servletName) throws IOException, ServletException {
    RequestDecider.State state = (RequestDecider.State) request.getAttribute(stateAttribute);
    ServletRequestView view = ServletRequestView.of(request);
    RequestDecider.Verdict verdict;
    try {
      verdict = decider.decide(view, state,
          () -> servletName == null ? List.of() : servletLimitsUnchecked(servletName).forMethod(request.getMethod()),
          () -> held(request));
    } catch (InvalidServlet e) {
      throw e.servletException;
    }
    RequestDecider.State decided = verdict.state();
    if (decided != null && decided != state) {
      request.setAttribute(stateAttribute, decided);
    }
    switch (verdict.kind()) {
      case PASS:
        chain.doFilter(request, response);
        return;
      case REFUSED:
        rejectionHandler.reject(request, response, Objects.requireNonNull(verdict.rejection(), "rejection"));
        return;
      case MISSING_KEY:
        publish(request, Objects.requireNonNull(decided, "state"));
        fields.write(decided.visible(), headerMode, response::setHeader);
        String challenge = Objects.requireNonNull(verdict.missingKey(), "binding").keyChallenge();
        if (missingKeyStatus == HttpServletResponse.SC_UNAUTHORIZED && challenge != null
            && !response.containsHeader(WWW_AUTHENTICATE)) {
          response.setHeader(WWW_AUTHENTICATE, challenge);
        }
        rejectionHandler.reject(request, response, Objects.requireNonNull(verdict.rejection(), "rejection"));
        return;
      case REJECTED:
        publish(request, Objects.requireNonNull(decided, "state"));
        fields.write(decided.visible(), headerMode, response::setHeader);
        rejectionHandler.reject(request, response, Objects.requireNonNull(verdict.rejection(), "rejection"));
        return;
      case ADMITTED:
      default:
        publish(request, Objects.requireNonNull(decided, "state"));
        fields.write(decided.visible(), headerMode, response::setHeader);
        admit(view, response, chain, verdict);
    }
  }

  /** The servlet's limits looked up inside the decider, whose supplier cannot throw a ServletException. */
  private static final class InvalidServlet extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient ServletException servletException;

    InvalidServlet(ServletException e) {
      super(e.getMessage(), e, false, false);
      this.servletException = e;
    }
  }

  private ServletLimits servletLimitsUnchecked(String servletName) {
    try {
      return servletLimits(servletName);
    } catch (ServletException e) {
      throw new InvalidServlet(e);
    }
  }

  private void admit(ServletRequestView view, HttpServletResponse response, FilterChain chain,
      RequestDecider.Verdict verdict) throws IOException, ServletException {
    List<StepController> admitted = verdict.admitted().isEmpty() ? null : verdict.admitted();
    if (verdict.onOutcome().isEmpty()) {
      proceed(view, response, chain, admitted);
      return;
    }
    Throwable failure = null;
    try {
      proceed(view, response, chain, admitted);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      failure = e;
      throw e;
    } finally {
      settleOnOutcome(view.request(), response, verdict.onOutcome(), verdict.outcomeRules(), failure);
    }
  }

  private void proceed(ServletRequestView view, HttpServletResponse response, FilterChain chain,
      @Nullable List<StepController> admitted) throws IOException, ServletException {
    HttpServletRequest request = view.request();
    if (admitted == null) {
      chain.doFilter(request, response);
    } else {
      // the health signals know each call by the client's address, which the client cannot choose as it can a key
      String client = steps.clientOf(view);
      HealthFeed.run(admitted, Collections.nCopies(admitted.size(), client), request, response, chain);
    }
  }

  /**
   * Charge on outcome: keeps the reservations whose rule matches the response's status (or what the chain threw) and
   * refunds the others, once the response is complete: now, or when an async request completes (its body streamed,
   * or it failed or timed out). A kept reservation with an actual cost settles to the cost the application reported
   * then (a failed request keeps its estimate). A concurrency limit's permit is returned then, whatever the outcome.
   */
  private static void settleOnOutcome(HttpServletRequest request, HttpServletResponse response,
      List<Reservation> reservations, List<Binding> rules, @Nullable Throwable failure) {
    if (failure == null && request.isAsyncStarted()) {
      request.getAsyncContext().addListener(new jakarta.servlet.AsyncListener() {
        @Override
        public void onComplete(jakarta.servlet.AsyncEvent event) {
          settle(reservations, rules, response.getStatus(), null, request, response);
        }

        @Override
        public void onTimeout(jakarta.servlet.AsyncEvent event) {
        }

        @Override
        public void onError(jakarta.servlet.AsyncEvent event) {
          settle(reservations, rules, 500, event.getThrowable(), request, response);
        }

        @Override
        public void onStartAsync(jakarta.servlet.AsyncEvent event) {
          event.getAsyncContext().addListener(this);
        }
      });
      return;
    }
    int status = failure != null && response.getStatus() < 400 ? 500 : response.getStatus();
    settle(reservations, rules, status, failure, request, response);
  }

  private static void settle(List<Reservation> reservations, List<Binding> rules, int status,
      @Nullable Throwable failure,
      HttpServletRequest request, HttpServletResponse response) {
    for (int i = 0; i < reservations.size(); i++) {
      Reservation r = reservations.get(i);
      Binding rule = rules.get(i);
      try {
        if (r.policy().algorithm() == Algorithm.CONCURRENCY || !rule.chargeOn().matches(status, failure)) {
          r.refund(); // also a call in flight that ended: its permit goes back
        } else {
          ActualCost cost = rule.actualCost();
          long actual = cost == null || failure != null ? -1
              : cost.of(cost.header() ? response.getHeader(cost.name()) : request.getAttribute(cost.name()));
          if (actual >= 0) {
            r.settle(actual);
          } else {
            r.commit();
          }
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "settling a reservation of policy " + r.policy().name() + " failed", e);
      }
    }
  }

  /** The request's reservations: one list per request, shared by every filter instance and the Spring aspect. */
  @SuppressWarnings("unchecked")
  private static List<Reservation> held(HttpServletRequest request) {
    Object held = request.getAttribute(RESERVATIONS_ATTRIBUTE);
    if (held instanceof List<?> list) {
      return (List<Reservation>) list;
    }
    List<Reservation> list = new ArrayList<>(2);
    request.setAttribute(RESERVATIONS_ATTRIBUTE, list);
    return list;
  }

  private static void publish(HttpServletRequest request, RequestDecider.State state) {
    request.setAttribute(DECISIONS_ATTRIBUTE, List.copyOf(state.visible()));
    request.setAttribute(CHARGED_ATTRIBUTE, List.copyOf(state.keys()));
    if (!state.shadow().isEmpty()) {
      request.setAttribute(SHADOW_REJECTIONS_ATTRIBUTE, List.copyOf(state.shadow()));
    }
  }

  private static Thread daemon(Runnable task, String name) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }

  /** Closes the step controllers and the store the filter created, if any. */
  public void close() {
    ServletContext c = context;
    if (c != null) {
      engines(c).remove(this);
    }
    if (ownsControllers) {
      steps.controllers().close();
    }
    ScheduledExecutorService s = scheduler;
    ExecutorService signals = samples;
    scheduler = null;
    samples = null;
    if (s != null) {
      s.shutdownNow();
    }
    if (signals != null) {
      signals.shutdownNow();
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
