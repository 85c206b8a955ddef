package io.limiter.spring.webflux;

import io.limiter.core.Algorithm;
import io.limiter.core.Reservation;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.core.http.RateLimitProblem;
import io.limiter.core.step.StepController;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.RateLimitRule;
import io.limiter.web.Rejection;
import io.limiter.web.internal.ActualCost;
import io.limiter.web.internal.Binding;
import io.limiter.web.internal.DeciderBuilder;
import io.limiter.web.internal.RequestDecider;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.LimiterSettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.TierResolver;
import io.limiter.spring.internal.EventLoopHandOff;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * A Spring WebFlux {@link WebFilter} that rate limits requests by path rules: the WebFlux counterpart of limiter-servlet's
 * {@code RateLimitFilter}, with the same rules, keys and output, from one copy of the logic (the request layer of
 * limiter-web). Spring Boot creates it from {@code limiter.filter.*} in a reactive web application; see
 * {@code docs/reactive.md}.
 *
 * <h2>Per request (exchange)</h2>
 * <ol>
 *   <li>The principal is resolved from {@link ServerWebExchange#getPrincipal()} (with Spring Security, from the
 *       reactive security context), without blocking, before anything is decided.
 *   <li>The exchange's {@link ExchangeRequestView} is decided as the servlet filter decides a request: the path's
 *       spellings (an unreadable path is refused with 400), exemptions, every rule matching any spelling, keys
 *       (a missing key → its strategy; default 401 with a {@code WWW-Authenticate} challenge for an API-key header),
 *       the request's limits decided together, all or nothing. The decision itself does not block: the store is
 *       asked through its asynchronous all-or-nothing reservation, so a Redis round trip never holds the event loop.
 *   <li>Allowed: the {@code RateLimit-Policy}/{@code RateLimit} fields (or the configured {@link HeaderMode}) are
 *       set and the chain continues. Rejected: the fields, {@code Retry-After} (whole seconds, rounded up, at least
 *       1), the status (429; 503 when the store failed and the policy fails closed) and an RFC 9457
 *       {@code application/problem+json} body; the chain does not run.
 *   <li>When the exchange ends (completes, errs, or the client cancels it), the reservations of rules that charge on
 *       the outcome are kept or refunded, actual costs settled, concurrency permits returned, and the step
 *       controllers of the admitting policies are told the call's latency and whether the server failed (an error or a
 *       5xx; a client that went away is not a server failure). A client that hangs up while the handler runs is
 *       settled as the response stood when it left (200 unless the handler set a status); one that hangs up while
 *       the store decides was never served, and every permit of its request goes back.
 * </ol>
 *
 * <p>Order: {@link #getOrder()} (Boot: {@code limiter.filter.order}, default 0), the servlet filter's registration
 * order: after Spring Security's {@code WebFilterChainProxy} (-100), so that the principal is known when keys are
 * resolved and unauthenticated requests are refused by security before they spend anyone's quota, and before the
 * application's handlers.
 *
 * <p>Shadow policies let over-limit requests through (their decisions are in the exchange attribute
 * {@link #SHADOW_REJECTIONS_ATTRIBUTE}, reported to the registry's listeners, never in headers). Listeners and
 * metrics are the registry's, as on the servlet side. Thread-safe: immutable; one exchange's work runs on the threads
 * Reactor gives it, one at a time.
 */
public final class RateLimitWebFilter implements WebFilter, Ordered {

  private static final System.Logger LOG = System.getLogger(RateLimitWebFilter.class.getName());

  /** Exchange attribute: the {@code List<Decision>} of the limits visible to the client, set whenever one applied. */
  public static final String DECISIONS_ATTRIBUTE = "io.limiter.webflux.decisions";
  /**
   * Exchange attribute with what the filter charged, {@code List<Map.Entry<String, String>>}: each policy name with
   * the client key it was charged under ({@code ""} for the shared bucket of requests without a key).
   */
  public static final String CHARGED_ATTRIBUTE = "io.limiter.webflux.charged";
  /** Exchange attribute: the {@code List<Decision>} of shadow policies over their limit; absent when there are none. */
  public static final String SHADOW_REJECTIONS_ATTRIBUTE = "io.limiter.webflux.shadowRejections";
  /**
   * Exchange attribute: the {@code List<}{@link Reservation}{@code >} of permits the exchange holds. Its presence also
   * marks the exchange as filtered, so a second instance of the filter on the same exchange passes it on.
   */
  public static final String RESERVATIONS_ATTRIBUTE = "io.limiter.webflux.reservations";

  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
  /** Stands for "no principal" in the principal's Mono, compared by identity. */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String ANONYMOUS = new String("anonymous");

  private final RequestDecider decider;
  private final HeaderMode headerMode;
  private final int missingKeyStatus;
  private final Function<HttpRequestView, String> clientOf;
  private final int order;
  /** This filter's own cache of each policy's fixed field parts. */
  private final RateLimitHeaders.Writer fields = RateLimitHeaders.writer();

  RateLimitWebFilter(RequestDecider decider, HeaderMode headerMode, int missingKeyStatus,
      Function<HttpRequestView, String> clientOf, int order) {
    this.decider = Objects.requireNonNull(decider, "decider");
    this.headerMode = Objects.requireNonNull(headerMode, "headerMode");
    this.missingKeyStatus = missingKeyStatus;
    this.clientOf = Objects.requireNonNull(clientOf, "clientOf");
    this.order = order;
  }

  /** @return a builder */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public int getOrder() {
    return order;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    List<Reservation> held = new ArrayList<>(2);
    if (exchange.getAttributes().putIfAbsent(RESERVATIONS_ATTRIBUTE, held) != null) {
      return chain.filter(exchange); // filtered already: each limit is charged once per exchange
    }
    // from here the exchange's list is `held`: only this filter puts the attribute, and only if absent
    Mono<Principal> principal = exchange.getPrincipal();
    if (principal instanceof Fuseable.ScalarCallable<?> known) {
      // no security (WebFlux's own exchange answers Mono.empty()) or a principal set as a value: read at subscription,
      // without the three operators a principal resolved later needs
      return Mono.defer(() -> {
        @Nullable String name;
        try {
          Object value = known.call();
          name = value == null ? null : Objects.requireNonNull(((Principal) value).getName(), "the principal's name");
        } catch (Exception e) {
          return Mono.error(e); // the error signal the map below would have given (a null name included)
        }
        return decide(exchange, chain, ExchangeRequestView.of(exchange, name), held);
      });
    }
    return principal.map(Principal::getName).defaultIfEmpty(ANONYMOUS)
        .flatMap(name -> decide(exchange, chain, ExchangeRequestView.of(exchange, name == ANONYMOUS ? null : name),
            held));
  }

  private Mono<Void> decide(ServerWebExchange exchange, WebFilterChain chain, ExchangeRequestView view,
      List<Reservation> held) {
    // the store is asked asynchronously (Redis: on its I/O thread); the verdict comes back on the thread that learns it
    CompletableFuture<RequestDecider.Verdict> decided =
        decider.decideAsync(view, null, List::of, () -> held).toCompletableFuture();
    if (decided.isDone()) {
      // a local store (in-memory, Caffeine) has decided before decideAsync returns: act at once. Nothing can cancel
      // the exchange between the verdict and act here, so the hand-over below (and its operators) is not needed
      return decided.isCompletedExceptionally() ? Mono.fromFuture(decided).then()
          : act(exchange, chain, view, Objects.requireNonNull(decided.getNow(null), "verdict"));
    }
    // a client that goes away while the store decides cancels the exchange before the verdict comes: the decision is
    // not cancelled (the store may grant it after all), and whoever comes second of act and the cancel hands the
    // verdict's permits back, as an exchange cancelled in the chain would (else a concurrency permit stays taken)
    AtomicBoolean taken = new AtomicBoolean();
    // the verdict comes on the store's thread (Redis: Lettuce's I/O thread); the chain runs on the connection's loop
    return Mono.fromFuture(EventLoopHandOff.toConnectionLoop(decided, exchange.getRequest()), true)
        .doOnCancel(() -> decided.thenAccept(verdict -> {
          if (taken.compareAndSet(false, true)) {
            abandon(exchange, view, verdict, held);
          }
        }))
        .flatMap(verdict -> taken.compareAndSet(false, true) ? act(exchange, chain, view, verdict) : Mono.empty());
  }

  /**
   * Ends the exchange of a verdict the client did not wait for, as if it had been cancelled before the chain: the
   * step controllers hear of a call that did not fail the server, and every permit the request took goes back (also
   * those of rules charged whatever the outcome: the request was never served).
   */
  private void abandon(ServerWebExchange exchange, ExchangeRequestView view, RequestDecider.Verdict verdict,
      List<Reservation> held) {
    if (verdict.kind() == RequestDecider.Kind.ADMITTED && !verdict.admitted().isEmpty()) {
      new Outcome(exchange, verdict, clientOf.apply(view)).finish(SignalType.CANCEL, false);
    }
    // held, not only the verdict's onOutcome: a charge-always reservation is in held alone. Nothing else of this
    // exchange touches held any more (act never runs), and a rejected verdict left it empty already
    RequestDecider.refundAllAsync(held);
  }

  private Mono<Void> act(ServerWebExchange exchange, WebFilterChain chain, ExchangeRequestView view,
      RequestDecider.Verdict verdict) {
    ServerHttpResponse response = exchange.getResponse();
    RequestDecider.State state = verdict.state();
    switch (verdict.kind()) {
      case PASS:
        return chain.filter(exchange);
      case REFUSED:
        return reject(response, Objects.requireNonNull(verdict.rejection(), "rejection"));
      case MISSING_KEY: {
        publish(exchange, Objects.requireNonNull(state, "state"));
        fields.write(state.visible(), headerMode, response.getHeaders()::set);
        String challenge = Objects.requireNonNull(verdict.missingKey(), "binding").keyChallenge();
        if (missingKeyStatus == 401 && challenge != null && !response.getHeaders().containsHeader(WWW_AUTHENTICATE)) {
          response.getHeaders().set(WWW_AUTHENTICATE, challenge);
        }
        return reject(response, Objects.requireNonNull(verdict.rejection(), "rejection"));
      }
      case REJECTED:
        publish(exchange, Objects.requireNonNull(state, "state"));
        fields.write(state.visible(), headerMode, response.getHeaders()::set);
        return reject(response, Objects.requireNonNull(verdict.rejection(), "rejection"));
      case ADMITTED:
      default:
        publish(exchange, Objects.requireNonNull(state, "state"));
        fields.write(state.visible(), headerMode, response.getHeaders()::set);
        if (verdict.admitted().isEmpty() && verdict.onOutcome().isEmpty()) {
          return chain.filter(exchange);
        }
        Outcome outcome = new Outcome(exchange, verdict, verdict.admitted().isEmpty() ? "" : clientOf.apply(view));
        return chain.filter(exchange).doOnError(outcome::failed).doFinally(signal -> outcome.finish(signal, true));
    }
  }

  /** The status, the problem body, and no chain. */
  private static Mono<Void> reject(ServerHttpResponse response, Rejection rejection) {
    byte[] body = rejection.problemJson().getBytes(StandardCharsets.UTF_8);
    response.setStatusCode(HttpStatusCode.valueOf(rejection.status()));
    HttpHeaders headers = response.getHeaders();
    headers.set(HttpHeaders.CONTENT_TYPE, RateLimitProblem.CONTENT_TYPE);
    headers.setContentLength(body.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }

  private static void publish(ServerWebExchange exchange, RequestDecider.State state) {
    exchange.getAttributes().put(DECISIONS_ATTRIBUTE, List.copyOf(state.visible()));
    exchange.getAttributes().put(CHARGED_ATTRIBUTE, List.copyOf(state.keys()));
    if (!state.shadow().isEmpty()) {
      exchange.getAttributes().put(SHADOW_REJECTIONS_ATTRIBUTE, List.copyOf(state.shadow()));
    }
  }

  /**
   * The end of one admitted exchange: feeds the step controllers and settles the reservations that wait for the
   * outcome, once, whichever of complete, error and cancel comes (Reactor may deliver more than one signal path).
   */
  private static final class Outcome {
    private final ServerWebExchange exchange;
    private final List<StepController> controllers;
    private final long[] tokens;
    private final String client;
    private final List<Reservation> reservations;
    private final List<Binding> rules;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile @Nullable Throwable failure;

    Outcome(ServerWebExchange exchange, RequestDecider.Verdict verdict, String client) {
      this.exchange = exchange;
      this.controllers = verdict.admitted();
      this.client = client;
      this.reservations = verdict.onOutcome();
      this.rules = verdict.outcomeRules();
      this.tokens = new long[controllers.size()];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = controllers.get(i).callStarted();
      }
    }

    void failed(Throwable error) {
      failure = error;
    }

    /**
     * @param signal how the exchange ended
     * @param served whether the chain ran; if not (a verdict the client did not wait for), the reservations are left
     *     to the caller, which refunds every permit of the request
     */
    void finish(SignalType signal, boolean served) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      Throwable error = failure;
      boolean cancelled = signal == SignalType.CANCEL;
      // a client that hangs up settles as the response stood when it left (200 unless the handler had set a status),
      // as a servlet container reports a small buffered response whose client went away: refunding it instead would
      // let a client of a charge-on=2xx rule make the server do the work for free, by hanging up before the answer
      int status = status(error);
      // a client that went away is not a server failure, nor a 4xx error (a ResponseStatusException(400) or
      // ServerWebInputException is a bad request, as in the servlet filter, where Spring MVC renders it); a 5xx is
      boolean serverFailed = !cancelled && status >= 500;
      for (int i = 0; i < tokens.length; i++) {
        controllers.get(i).callFinished(tokens[i], serverFailed, client, 0);
      }
      if (served) {
        settle(status, error);
      }
    }

    /** The status the exchange is answered with: its own, or for an error the status the error will render as. */
    private int status(@Nullable Throwable error) {
      HttpStatusCode code = exchange.getResponse().getStatusCode();
      int status = code == null ? 200 : code.value();
      if (error == null) {
        return status;
      }
      if (error instanceof ErrorResponse response) {
        return response.getStatusCode().value(); // ResponseStatusException and friends: rendered with their status
      }
      return status < 400 ? 500 : status;
    }

    /**
     * Charge on outcome, as the servlet filter does: keeps the reservations whose rule matches the outcome, refunds
     * the others; a kept one with an actual cost settles to what the application reported; a concurrency permit is
     * returned whatever the outcome.
     */
    private void settle(int status, @Nullable Throwable error) {
      for (int i = 0; i < reservations.size(); i++) {
        Reservation r = reservations.get(i);
        Binding rule = rules.get(i);
        try {
          if (r.policy().algorithm() == Algorithm.CONCURRENCY || !rule.chargeOn().matches(status, error)) {
            report(r, r.refundAsync());
          } else {
            ActualCost cost = rule.actualCost();
            long actual = error != null || cost == null ? -1 : cost.of(cost.header()
                ? exchange.getResponse().getHeaders().getFirst(cost.name()) : exchange.getAttribute(cost.name()));
            if (actual >= 0) {
              report(r, r.settleAsync(actual));
            } else {
              r.commit();
            }
          }
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "settling a reservation of policy " + r.policy().name() + " failed", e);
        }
      }
    }

    /** A settlement runs on without the exchange (which has ended); a failure is logged, never thrown. */
    private static void report(Reservation r, CompletionStage<Boolean> settled) {
      settled.whenComplete((done, e) -> {
        if (e != null) {
          LOG.log(Level.WARNING, "settling a reservation of policy " + r.policy().name() + " failed", e);
        }
      });
    }
  }

  /**
   * Builds a {@link RateLimitWebFilter} from the same parts as the servlet filter's builder: a registry (or store and
   * policies), step controllers and stepped policies, path rules, exemptions, the client IP resolver and the
   * filter-wide settings of the one settings model. Setters validate their argument
   * ({@link IllegalArgumentException}); {@link #build()} reports every problem at once
   * ({@link RateLimitConfigException}). Spring Boot drives it from {@code limiter.*}. The filter owns no thread and no
   * store the application must close: step controllers come started from the given registry. Not thread-safe.
   */
  public static final class Builder {
    private final DeciderBuilder rules = new DeciderBuilder();
    private int order;

    private Builder() {
    }

    /**
     * @param registry the registry of the application's policies, with its store and listeners
     * @return this builder
     */
    public Builder registry(RateLimiterRegistry registry) {
      rules.registry(registry);
      return this;
    }

    /**
     * @param store the store, when no registry is given; the caller's to close
     * @return this builder
     */
    public Builder store(RateLimitStore store) {
      rules.store(store);
      return this;
    }

    /**
     * @param policy a named policy rules can refer to, when no registry is given
     * @return this builder
     */
    public Builder policy(LimitPolicy policy) {
      rules.policy(policy);
      return this;
    }

    /**
     * @param controllers the step controllers policies refer to; started and closed by the caller
     * @return this builder
     */
    public Builder controllers(StepControllerRegistry controllers) {
      rules.controllers(controllers);
      return this;
    }

    /**
     * @param limiter a stepped limiter built elsewhere (Boot: of {@code limiter.policies.*}), its context the tier name
     * @param tierKey finds a request's tier, or null if the limiter has no tiers
     * @return this builder
     * @throws IllegalArgumentException if the limiter has tiers and no tier key is given
     */
    public Builder steppedPolicy(SteppedRateLimiter<String> limiter,
        @Nullable TierResolver<HttpRequestView> tierKey) {
      rules.steppedPolicy(limiter, tierKey);
      return this;
    }

    /**
     * @param rule a path rule; rules are evaluated in the order added
     * @return this builder
     */
    public Builder rule(RateLimitRule rule) {
      rules.rule(rule);
      return this;
    }

    /**
     * @param patterns exempt paths, case-sensitive, exempt only when every spelling of a path is
     * @return this builder
     */
    public Builder exclude(String... patterns) {
      rules.exclude(patterns);
      return this;
    }

    /**
     * @param reference the key of rules that name none (a key reference such as {@code ip}, the default)
     * @return this builder
     */
    public Builder defaultKey(String reference) {
      rules.defaultKey(reference);
      return this;
    }

    /**
     * @param resolver how {@code ip} keys are resolved (trusted proxies, IPv6 prefix)
     * @return this builder
     */
    public Builder clientIp(ClientIpResolver resolver) {
      rules.clientIp(resolver);
      return this;
    }

    /**
     * @param strategy what happens to requests without a key, for rules that set none; default reject (401)
     * @return this builder
     */
    public Builder missingKey(MissingKeyStrategy strategy) {
      rules.missingKey(strategy);
      return this;
    }

    /**
     * @param mode which rate limit fields responses carry; default {@link HeaderMode#IETF}
     * @return this builder
     */
    public Builder headerMode(HeaderMode mode) {
      rules.headerMode(mode);
      return this;
    }

    /**
     * @param handler decides when the store fails; default each policy's failure mode
     * @return this builder
     */
    public Builder failureHandler(StoreFailureHandler handler) {
      rules.failureHandler(handler);
      return this;
    }

    /**
     * Applies the filter-wide settings of the one settings model, as the servlet filter does: {@code header-mode},
     * {@code missing-key}, {@code failure.closed-retry-after}, {@code status}, {@code missing-key-status},
     * {@code exclude}, {@code case-sensitive-paths}; a value that does not read becomes a problem naming the setting.
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
     * @param order the filter's order; default 0, after Spring Security's {@code WebFilterChainProxy} (-100)
     * @return this builder
     */
    public Builder order(int order) {
      this.order = order;
      return this;
    }

    /**
     * @return the filter
     * @throws RateLimitConfigException listing every problem of the whole
     */
    public RateLimitWebFilter build() {
      DeciderBuilder.Compiled compiled = rules.build(List.of());
      return new RateLimitWebFilter(compiled.decider(), compiled.headerMode(), compiled.missingKeyStatus(),
          compiled.steps()::clientOf, order);
    }
  }
}
