package io.limiter.spring.aop;

import io.limiter.core.ChargeOn;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.Reservation;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.spring.KeyResolverRegistry;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.RateLimitKeyMissingException;
import io.limiter.spring.internal.AnnotationRateLimitOperationSource;
import io.limiter.spring.internal.InvocationKeys;
import io.limiter.spring.internal.RateLimitAnnotationParser;
import io.limiter.spring.internal.RateLimitOperation;
import io.limiter.spring.internal.RateLimitOperations;
import io.limiter.spring.internal.ServletRequestKeySource;
import io.limiter.spring.spi.RequestKeySource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.util.ClassUtils;

/**
 * The one engine behind {@link RateLimitInterceptor} (Spring AOP) and {@link RateLimitAspect} (AspectJ): finds the
 * parsed {@code @RateLimit}s of a called method, resolves each key, asks each policy for permits and either proceeds
 * or throws {@link RateLimitExceededException} carrying the rejecting decision (or calls the
 * {@link io.limiter.spring.RateLimitFallback fallback}).
 *
 * <p>Per call it costs one cache lookup per method, one key resolution and one store decision per policy; parsing,
 * SpEL compilation and policy lookup happen once per (method, target class). Policies are decided in order
 * (method-level first) and the first rejection stops the call; earlier policies of the same call stay charged, so
 * limits that must be all-or-nothing belong in one spec ({@code "10/second; 100/minute"}), which is atomic.
 *
 * <p>When the store throws, the {@link StoreFailureHandler} decides (by default the policy's
 * {@link io.limiter.core.FailureMode}); a call without a key follows the {@link MissingKeyStrategy} (by default it is
 * rejected with {@link RateLimitKeyMissingException}).
 *
 * <p>Methods returning {@code Mono} or {@code Flux} are decided when their result is subscribed, without blocking;
 * so are Kotlin {@code suspend} functions called through a Spring AOP proxy, whose invoker returns the {@code Mono}
 * that Spring adapts the call to (a {@code Flux} for a {@code Flow}). Thread-safe.
 *
 * <pre>{@code
 * // without Spring, e.g. with compile-time weaving:
 * RateLimitAspectSupport support = RateLimitAspectSupport.builder()
 *     .registry(RateLimiterRegistry.builder().store(RateLimitStore.inMemory()).build())
 *     .proxyMode(false)
 *     .build();
 * Aspects.aspectOf(RateLimitAspect.class).setSupport(support);
 * }</pre>
 */
public final class RateLimitAspectSupport {

  /** Proceeds with the intercepted call. */
  @FunctionalInterface
  public interface Invoker {
    /**
     * @return the result of the call
     * @throws Throwable whatever the call throws
     */
    @Nullable Object proceed() throws Throwable;
  }

  /** Sees the decisions of every admitted call, e.g. to write {@code RateLimit} response fields. */
  @FunctionalInterface
  public interface AdmissionHandler {
    /**
     * @param invocation the admitted call
     * @param decisions one decision per policy, in order; none rejected
     */
    void admitted(RateLimitInvocation invocation, List<Decision> decisions);
  }

  private static final boolean WEB_PRESENT = ClassUtils.isPresent("org.springframework.http.ResponseEntity",
      RateLimitAspectSupport.class.getClassLoader());

  /** Kept apart so that spring-web classes load only when present. */
  private static final class ServerErrors {
    static boolean isServerError(@Nullable Object result) {
      return result instanceof org.springframework.http.ResponseEntity<?> entity
          && entity.getStatusCode().is5xxServerError();
    }

    /**
     * Whether an exception is the client's doing, not a server failure: it maps to a 4xx status (an
     * {@code ErrorResponse} such as {@code ResponseStatusException}, or an exception annotated with a 4xx
     * {@code @ResponseStatus}), or the client hung up.
     */
    static boolean isClientError(Throwable e) {
      if (e instanceof org.springframework.web.ErrorResponse error) {
        return error.getStatusCode().is4xxClientError();
      }
      org.springframework.web.bind.annotation.ResponseStatus status = org.springframework.core.annotation
          .AnnotatedElementUtils.findMergedAnnotation(e.getClass(),
              org.springframework.web.bind.annotation.ResponseStatus.class);
      if (status != null) {
        return status.code().is4xxClientError();
      }
      return org.springframework.web.util.DisconnectedClientHelper.isClientDisconnectedException(e);
    }
  }

  /** The status a call's outcome is answered with; kept apart so that spring-web classes load only when present. */
  private static final class Outcomes {
    static int status(@Nullable Object result, @Nullable Throwable error) {
      if (error != null) {
        if (error instanceof org.springframework.web.ErrorResponse response) {
          return response.getStatusCode().value();
        }
        org.springframework.web.bind.annotation.ResponseStatus status = org.springframework.core.annotation
            .AnnotatedElementUtils.findMergedAnnotation(error.getClass(),
                org.springframework.web.bind.annotation.ResponseStatus.class);
        return status != null ? status.code().value() : 500;
      }
      if (result instanceof org.springframework.http.ResponseEntity<?> entity) {
        return entity.getStatusCode().value();
      }
      if (SERVLET_PRESENT && org.springframework.web.context.request.RequestContextHolder.getRequestAttributes()
          instanceof org.springframework.web.context.request.ServletRequestAttributes attributes
          && attributes.getResponse() != null) {
        return attributes.getResponse().getStatus(); // a handler that set the status on the response itself
      }
      return 200;
    }
  }

  /** A call's reservation that its outcome settles ({@code chargeOn}, {@code actualCost}). */
  private record Pending(Reservation reservation, RateLimitOperation op) {
  }

  // limiter-servlet is optional (a WebFlux application has no Servlet API): the servlet request's keys need all three
  private static final boolean SERVLET_PRESENT = ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
      RateLimitAspectSupport.class.getClassLoader()) && ClassUtils.isPresent(
          "org.springframework.web.context.request.RequestContextHolder", RateLimitAspectSupport.class.getClassLoader())
      && ClassUtils.isPresent("io.limiter.servlet.ServletRequestView", RateLimitAspectSupport.class.getClassLoader());

  private static final System.Logger LOG = System.getLogger(RateLimitAspectSupport.class.getName());

  /**
   * What the servlet filter charged in the current request (policy and key); kept apart so that servlet classes load
   * only when present. A policy that a URL rule charged under the same key is not charged again by an annotation on
   * the handler it routes to; under another key (the rule keys by IP, the annotation by API key) it still is.
   */
  private static final class FilterCharges {
    static @Nullable List<?> current() {
      org.springframework.web.context.request.RequestAttributes attributes =
          org.springframework.web.context.request.RequestContextHolder.getRequestAttributes();
      Object charged = attributes == null ? null : attributes.getAttribute(
          io.limiter.servlet.RateLimitFilter.CHARGED_ATTRIBUTE,
          org.springframework.web.context.request.RequestAttributes.SCOPE_REQUEST);
      return charged instanceof List<?> list && !list.isEmpty() ? list : null;
    }

    /**
     * The permits the current request holds (the filter's and the annotations'), created if the filter made none;
     * null outside a request.
     */
    @SuppressWarnings("unchecked")
    static @Nullable List<Reservation> reservations() {
      org.springframework.web.context.request.RequestAttributes attributes =
          org.springframework.web.context.request.RequestContextHolder.getRequestAttributes();
      if (attributes == null) {
        return null;
      }
      int scope = org.springframework.web.context.request.RequestAttributes.SCOPE_REQUEST;
      Object held = attributes.getAttribute(io.limiter.servlet.RateLimitFilter.RESERVATIONS_ATTRIBUTE, scope);
      if (held instanceof List<?> list) {
        return (List<Reservation>) list;
      }
      List<Reservation> list = new ArrayList<>(2);
      attributes.setAttribute(io.limiter.servlet.RateLimitFilter.RESERVATIONS_ATTRIBUTE, list, scope);
      return list;
    }

    static boolean charged(List<?> charged, String policy, @Nullable String key) {
      String k = key == null || KeyResolver.isMissing(key) ? "" : key;
      for (Object o : charged) {
        if (o instanceof Map.Entry<?, ?> e && policy.equals(e.getKey()) && k.equals(e.getValue())) {
          return true;
        }
      }
      return false;
    }
  }

  private final AnnotationRateLimitOperationSource source;
  private final RateLimiterRegistry registry;
  private final StoreFailureHandler failureHandler;
  private final @Nullable AdmissionHandler admissionHandler;
  private final SteppedLimiterRegistry steps;
  private final boolean failOnUnenforced;
  /**
   * The limited calls in progress on this thread, innermost last: a nested limited call on the same target (a woven
   * {@code this.inner()} or {@code super.m()}, a proxy calling itself through its own reference) is part of the call
   * that was already charged, and takes only the policies not charged by an enclosing call.
   */
  private final ThreadLocal<ArrayList<Frame>> inProgress = ThreadLocal.withInitial(() -> new ArrayList<>(2));

  /** One limited call in progress: its target (or class, for static methods) and the policies it charged. */
  private record Frame(Object target, List<String> policies) {
  }

  private final @Nullable KeyResolver<RateLimitInvocation> clientIp;
  // Mono, Flux and CompletionStage methods: decided at subscription without blocking
  private final ReactiveRateLimiting reactive;

  private RateLimitAspectSupport(Builder b) {
    this.registry = Objects.requireNonNull(b.registry, "registry"); // build() checked it with a message
    this.failureHandler = b.failureHandler != null ? b.failureHandler
        : StoreFailureHandler.byFailureMode(RateLimitStore.inMemory(), Duration.ofSeconds(5), Duration.ofMinutes(1));
    this.admissionHandler = b.admissionHandler;
    RequestKeySource requests = b.requestKeys;
    if (requests == null && b.detectWeb && SERVLET_PRESENT) {
      requests = ServletRequestKeySource.peerAddress();
    }
    this.clientIp = requests == null ? null : requests.clientIpOr(null);
    InvocationKeys keys = new InvocationKeys(b.keyResolvers.asMap(), requests,
        b.beanFactory == null ? null : new BeanFactoryResolver(b.beanFactory));
    this.steps = b.steps != null ? b.steps : new SteppedLimiterRegistry(registry, new StepControllerRegistry(), List.of());
    RateLimitAnnotationParser parser = new RateLimitAnnotationParser(registry, keys, b.policyKeys,
        b.policyMissingKeys, b.missingKeyStrategy, steps);
    this.source = new AnnotationRateLimitOperationSource(parser, b.proxyMode);
    this.failOnUnenforced = b.failOnUnenforced;
    this.reactive = new ReactiveRateLimiting(registry, failureHandler);
  }

  /** @return a new builder */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the registry of the policies the annotations use */
  public RateLimiterRegistry registry() {
    return registry;
  }

  /** @return the step controllers that policies refer to with {@code adaptive} */
  public StepControllerRegistry stepControllers() {
    return steps.controllers();
  }

  /**
   * Returns the stepped limiters of the policies with step-function throttling (tiers, schedule, adaptive level,
   * penalty): configured ones and those of annotations parsed so far. Their request context is the tier name.
   *
   * @return the limiters by policy name, sorted
   */
  public Map<String, SteppedRateLimiter<String>> steppedLimiters() {
    Map<String, SteppedRateLimiter<String>> all = new java.util.TreeMap<>();
    steps.all().forEach((name, entry) -> all.put(name, entry.limiter()));
    return all;
  }

  /**
   * Runs a call under the rate limits of its method.
   *
   * @param method the called method
   * @param targetClass the class of the target, or null for the method's declaring class
   * @param target the target, or null for a static method
   * @param args the arguments
   * @param invoker proceeds with the call
   * @return the call's result, or the fallback's
   * @throws RateLimitExceededException if a policy rejects the call and there is no fallback
   * @throws RateLimitKeyMissingException if a call has no key and the strategy rejects it
   * @throws RateLimitConfigException if the method's annotations are invalid
   * @throws Throwable whatever the call throws
   */
  public @Nullable Object execute(Method method, @Nullable Class<?> targetClass, @Nullable Object target,
      Object[] args, Invoker invoker) throws Throwable {
    RateLimitOperations ops = source.getOperations(method, targetClass);
    if (ops == null) {
      return invoker.proceed();
    }
    ops.checkValid();
    Class<?> userClass = targetClass != null ? targetClass : method.getDeclaringClass();
    RateLimitInvocation invocation = new RateLimitInvocation(ops.method(), userClass, target, args);
    Class<?> returnType = ops.resultType(); // a Kotlin suspend function's is the Mono that Spring AOP adapts it to
    if (ReactiveRateLimiting.handles(returnType)) {
      return reactive.execute(ops, invocation, target, args, invoker);
    }
    if (!CompletionStage.class.isAssignableFrom(returnType)) {
      return limit(ops, invocation, userClass, target, args, invoker);
    }
    // decided when called (it has no subscription); a caller of a stage expects its failures in the stage
    try {
      return limit(ops, invocation, userClass, target, args, invoker);
    } catch (RateLimitExceededException | RateLimitKeyMissingException rejected) {
      return CompletableFuture.failedFuture(rejected);
    }
  }

  /** The blocking path: decides every policy of the call in order, then proceeds, settling what must be settled. */
  private @Nullable Object limit(RateLimitOperations ops, RateLimitInvocation invocation, Class<?> userClass,
      @Nullable Object target, Object[] args, Invoker invoker) throws Throwable {
    List<RateLimitOperation> operations = ops.operations();
    List<Decision> decisions = admissionHandler == null ? null : new ArrayList<>(operations.size());
    List<StepController> admitted = null;
    ArrayList<Frame> frames = inProgress.get();
    Object identity = target != null ? target : userClass;
    List<String> charged = new ArrayList<>(operations.size());
    String client = null;
    List<?> filtered = SERVLET_PRESENT ? FilterCharges.current() : null;
    // what this call holds, and what the request holds in progress (the filter's rules, enclosing limited calls):
    // a rejection here refunds all of it, so a rejected request costs nothing under any policy
    List<Reservation> held = new ArrayList<>(operations.size());
    List<Reservation> request = SERVLET_PRESENT ? FilterCharges.reservations() : null;
    List<Pending> pending = null;
    // the call's claims first (keys resolved, estimates evaluated, missing keys handled), then decided together: all
    // or nothing, in one store call where the store can (Redis), else reserved in order and refunded on a rejection
    int n = operations.size();
    List<Claim> claims = new ArrayList<>(n);
    List<RateLimitOperation> claimed = new ArrayList<>(n);
    List<String> claimKeys = new ArrayList<>(n);
    List<Boolean> anonymous = new ArrayList<>(n);
    RuntimeException stop = null;
    for (int i = 0; i < n && stop == null; i++) {
      RateLimitOperation op = operations.get(i);
      if (!frames.isEmpty() && chargedByEnclosingCall(frames, identity, op.policyName())) {
        continue;
      }
      String key = op.key().resolve(invocation);
      if (filtered != null && FilterCharges.charged(filtered, op.policyName(), key)) {
        continue; // a URL rule charged this request under the same policy and key already
      }
      charged.add(op.policyName());
      // keys every caller shares: global, and the default key outside a web request (scheduled jobs, listeners,
      // @Async threads), which the penalty box must never box
      boolean sharedKey = "global".equalsIgnoreCase(op.keyDescription().trim())
          || RateLimitAnnotationParser.OUTSIDE_REQUEST_KEY.equals(key);
      MissingKeyStrategy.SharedBucket shared = null;
      if (KeyResolver.isMissing(key)) {
        MissingKeyStrategy missing = op.missingKey();
        if (missing instanceof MissingKeyStrategy.SharedBucket bucket) {
          shared = bucket;
        } else if (missing instanceof MissingKeyStrategy.Skip) {
          continue;
        } else {
          stop = new RateLimitKeyMissingException(op.policyName(), op.keyDescription());
          break;
        }
      }
      long permits;
      try {
        permits = op.estimate() == null ? op.cost() : Math.max(1, op.estimate().of(invocation, null));
      } catch (RuntimeException e) { // the call will not run: what its other policies took goes back
        stop = e;
        break;
      }
      Claim claim;
      if (!op.maxWait().isZero() && shared == null) {
        String k = present(key);
        // paced: waits for the slot in its turn; the permits are spent when it comes (nothing to refund or settle)
        claim = Claim.deferred(() -> {
          try {
            return Reservation.none(op.limiter().acquire(k, permits, op.maxWait()), k);
          } catch (InterruptedException e) {
            throw new Interrupted(e);
          }
        });
      } else {
        claim = claim(op, key, sharedKey, shared, invocation, permits);
      }
      claims.add(claim);
      claimed.add(op);
      claimKeys.add(key);
      anonymous.add(sharedKey || shared != null);
    }
    List<Reservation> decided;
    try {
      decided = claims.isEmpty() ? List.of() : Claim.reserveAll(claims);
    } catch (Interrupted e) { // what the call's claims took is refunded already; the request's goes back too
      refundAll(held, request);
      Thread.currentThread().interrupt();
      throw e.getCause();
    }
    for (int i = 0; i < decided.size(); i++) {
      RateLimitOperation op = claimed.get(i);
      Reservation reservation = decided.get(i);
      Decision decision = reservation.decision();
      if (reservation.taken() && !reservation.settled()) {
        held.add(reservation);
        if (request != null) {
          request.add(reservation);
        }
        if (op.settlesAfterCall() || inFlight(reservation)) {
          pending = pending == null ? new ArrayList<>(1) : pending;
          pending.add(new Pending(reservation, op));
        }
      }
      if (decision.rejected()) {
        refundAll(held, request);
        RateLimitExceededException rejection = new RateLimitExceededException(decision);
        if (ops.fallback() != null) {
          return fallback(ops.fallback(), target, args, rejection);
        }
        throw rejection;
      }
      if (decisions != null) {
        decisions.add(decision);
      }
      StepController controller = op.controller();
      if (controller != null && (admitted == null || !admitted.contains(controller))) {
        admitted = admitted == null ? new ArrayList<>(1) : admitted;
        admitted.add(controller);
        if (client == null) {
          client = clientOf(invocation, anonymous.get(i) ? null : claimKeys.get(i));
        }
      }
    }
    if (stop != null) {
      refundAll(held, request);
      throw stop;
    }
    if (admissionHandler != null && decisions != null && !decisions.isEmpty()) { // decisions only with a handler
      admissionHandler.admitted(invocation, decisions);
    }
    frames.add(new Frame(identity, charged));
    Object result = null;
    Throwable failure = null;
    boolean later = false;
    try {
      result = admitted == null ? invoker.proceed() : proceedMeasured(admitted, client, invoker);
      if (pending != null) {
        Object deferred = settleOnCompletion(pending, invocation, result);
        later = deferred != null;
        if (later) {
          result = deferred;
        }
      }
      return result;
    } catch (Throwable e) {
      failure = e;
      throw e;
    } finally {
      frames.remove(frames.size() - 1);
      if (request != null && !held.isEmpty()) {
        // a call that has run is spent: a later rejection in the same request refunds only what is in progress
        // (the filter's rules, enclosing calls), never the permits of calls that did their work
        request.removeIf(r -> held.stream().anyMatch(h -> h == r));
      }
      if (pending != null && !later) {
        settleOnOutcome(pending, invocation, result, failure);
      }
    }
  }

  /** Whether a reservation is a concurrency permit: returned when the call ends, whatever its outcome. */
  private static boolean inFlight(Reservation reservation) {
    return reservation.policy().algorithm() == io.limiter.core.Algorithm.CONCURRENCY;
  }

  /**
   * A result that completes later: a {@link java.util.concurrent.CompletionStage} (also what Spring MVC's async
   * handling gets from it), or a {@code StreamingResponseBody} (directly or in a {@code ResponseEntity}), whose
   * body is written after the method returned. Its reservations settle when it completes (the stage completes, the
   * body is written or fails), with what it completed with: the value for {@code #result}, its failure for
   * {@code chargeOn}.
   *
   * @return what to return instead of {@code result} (it settles on completion), or null if the result is complete
   */
  private static @Nullable Object settleOnCompletion(List<Pending> pending, RateLimitInvocation invocation,
      @Nullable Object result) {
    if (result instanceof CompletionStage<?> stage) {
      return stage.whenComplete((value, error) -> settleOnOutcome(pending, invocation, value,
          error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause()
              : error));
    }
    if (STREAMING_PRESENT) {
      return Streams.settleAfterBody(result, body -> settleOnOutcome(pending, invocation, body, null),
          error -> settleOnOutcome(pending, invocation, null, error));
    }
    return null;
  }

  private static final boolean STREAMING_PRESENT = ClassUtils.isPresent(
      "org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody",
      RateLimitAspectSupport.class.getClassLoader());

  /** Spring MVC's streamed bodies; kept apart so that its classes load only when present. */
  private static final class Streams {
    /** The body wrapped to settle when written, or null if {@code result} is not a streamed body. */
    static @Nullable Object settleAfterBody(@Nullable Object result,
        java.util.function.Consumer<@Nullable Object> written,
        java.util.function.Consumer<Throwable> failed) {
      if (result instanceof org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody body) {
        return wrap(body, result, written, failed);
      }
      if (result instanceof org.springframework.http.ResponseEntity<?> entity
          && entity.getBody() instanceof org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody b) {
        return new org.springframework.http.ResponseEntity<>(wrap(b, entity, written, failed), entity.getHeaders(),
            entity.getStatusCode());
      }
      return null;
    }

    private static org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody wrap(
        org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody body, Object result,
        java.util.function.Consumer<@Nullable Object> written, java.util.function.Consumer<Throwable> failed) {
      return out -> {
        try {
          body.writeTo(out);
        } catch (java.io.IOException | RuntimeException | Error e) {
          failed.accept(e);
          throw e;
        }
        written.accept(result);
      };
    }
  }

  /**
   * Settles what the call's outcome decides: refunds the reservations whose {@code chargeOn} does not match; settles
   * those with an {@code actualCost} to it (a call that threw, or whose cost cannot be read, keeps its estimate);
   * keeps the others.
   */
  private static void settleOnOutcome(List<Pending> pending, RateLimitInvocation invocation, @Nullable Object result,
      @Nullable Throwable failure) {
    int status = WEB_PRESENT ? Outcomes.status(result, failure) : failure == null ? 200 : 500;
    for (Pending p : pending) {
      try {
        InvocationKeys.Cost actualCost = p.op().actualCost();
        if (inFlight(p.reservation()) || !p.op().chargeOn().matches(status, failure)) {
          p.reservation().refund(); // a concurrency permit goes back when the call ends, whatever its outcome
        } else if (actualCost == null || failure != null) {
          p.reservation().commit();
        } else {
          p.reservation().settle(actualCost(p, actualCost, invocation, result));
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "settling a reservation of policy "
            + p.reservation().policy().name() + " failed", e);
      }
    }
  }

  /** Refunds what this call and its request hold: a policy rejected the call. */
  private static void refundAll(List<Reservation> held, @Nullable List<Reservation> request) {
    List<Reservation> all = request != null ? request : held;
    for (Reservation r : all) {
      try {
        r.refund();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "refunding a reservation of policy " + r.policy().name() + " failed",
            e);
      }
    }
    all.clear();
    held.clear();
  }

  private static long actualCost(Pending p, InvocationKeys.Cost actualCost, RateLimitInvocation invocation,
      @Nullable Object result) {
    try {
      return actualCost.of(invocation, result);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, p.op().source() + ": actualCost could not be read from the result ("
          + e.getMessage() + "); the estimate of " + p.reservation().permits() + " stays charged");
      return p.reservation().permits();
    }
  }

  private static boolean chargedByEnclosingCall(List<Frame> frames, Object identity, String policy) {
    for (int i = frames.size() - 1; i >= 0; i--) {
      Frame f = frames.get(i);
      if (f.target() == identity && f.policies().contains(policy)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Who made a call, for the health signals: the client address when serving a request (a client cannot choose it as
   * it can choose a header key), else the limiter key unless many callers share it; null when unknown.
   */
  private @Nullable String clientOf(RateLimitInvocation invocation, @Nullable String key) {
    String ip = clientIp == null ? null : clientIp.resolve(invocation);
    return KeyResolver.isMissing(ip) ? key : ip;
  }

  /**
   * Proceeds while feeding the controllers' built-in health signals: latency and in-flight calls, and failures (an
   * exception other than a rate limit rejection, or a 5xx {@code ResponseEntity}).
   */
  private static @Nullable Object proceedMeasured(List<StepController> controllers, @Nullable String client,
      Invoker invoker)
      throws Throwable {
    long[] tokens = new long[controllers.size()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = controllers.get(i).callStarted();
    }
    boolean failed = true;
    try {
      Object result = invoker.proceed();
      failed = WEB_PRESENT && ServerErrors.isServerError(result);
      return result;
    } catch (RateLimitExceededException | RateLimitKeyMissingException e) {
      failed = false;
      throw e;
    } catch (Throwable e) {
      // a 404 or 400 thrown by the method, or a client that hung up, is the client's doing, not a server failure
      failed = !(WEB_PRESENT && ServerErrors.isClientError(e));
      throw e;
    } finally {
      for (int i = 0; i < tokens.length; i++) {
        controllers.get(i).callFinished(tokens[i], failed, client, 0);
      }
    }
  }

  /** An interrupt while a paced claim waited for its slot, carried out of {@link Claim#reserveAll}. */
  private static final class Interrupted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final InterruptedException interrupt; // the cause, typed and never null

    Interrupted(InterruptedException cause) {
      super(cause);
      this.interrupt = cause;
    }

    @Override
    public synchronized InterruptedException getCause() {
      return interrupt;
    }
  }

  /**
   * What an operation reserves for a client key, or (shared non-null) in the shared bucket for calls without one, as
   * a claim decided with the call's other claims. A key many callers share (global, the missing-key bucket) is never
   * put in the penalty box. A store that fails decides by the failure handler.
   */
  private Claim claim(RateLimitOperation op, @Nullable String key, boolean sharedKey,
      MissingKeyStrategy.@Nullable SharedBucket shared, RateLimitInvocation invocation, long permits) {
    Claim claim;
    try {
      SteppedRateLimiter<String> stepped = op.stepped();
      if (stepped != null) {
        String tier = op.tier() == null ? null : op.tier().resolve(invocation);
        if (shared != null) {
          claim = stepped.claimShared(shared, tier, permits);
        } else {
          claim = sharedKey ? stepped.claimShared(present(key), tier, permits)
              : stepped.claim(present(key), tier, permits);
        }
      } else {
        claim = shared != null ? op.limiter().claimShared(shared, permits)
            : op.limiter().claim(present(key), permits);
      }
    } catch (RuntimeException failure) {
      Reservation failed = failed(op, key, shared, permits, failure);
      return Claim.deferred(() -> failed);
    }
    return claim.onFailure(failure -> failed(op, key, shared, permits, failure));
  }

  private Reservation failed(RateLimitOperation op, @Nullable String key,
      MissingKeyStrategy.@Nullable SharedBucket shared, long permits, RuntimeException failure) {
    // the handler (and a local fallback store) takes the stored key, as a store would have
    String stored = shared != null ? shared.key() : op.limiter().forKey(present(key)).key();
    LimitPolicy policy = op.limiter().policy();
    Decision decision = completeFailure(registry.listener(), policy, stored,
        failureHandler.onFailure(policy, stored, permits, failure));
    return Reservation.none(decision, stored);
  }

  /**
   * Completes a decision the failure mode made as a limiter completes the others: a shadow policy's rejection lets
   * the call through ({@link Decision#asShadow()}, as the filters do), and the listener is told, a listener that
   * throws being logged and swallowed (its contract), never the call's failure.
   *
   * @return the decision the call goes on with
   */
  static Decision completeFailure(@Nullable RateLimitListener listener, LimitPolicy policy, String stored,
      Decision made) {
    Decision decision = policy.shadow() ? made.asShadow() : made;
    if (listener == null) {
      return decision;
    }
    try {
      if (decision.outcome() == Decision.Outcome.ALLOWED) {
        listener.onAllowed(stored, decision);
      } else {
        listener.onRejected(stored, decision);
      }
    } catch (Exception e) { // also a checked one a Kotlin listener throws
      LOG.log(System.Logger.Level.WARNING, "rate limit listener failed for policy " + policy.name(), e);
    }
    return decision;
  }

  /**
   * The key of a claim without a shared bucket, which is present: a missing key has a shared bucket by then (the
   * strategies that skip or refuse the call left the loop).
   */
  private static String present(@Nullable String key) {
    return Objects.requireNonNull(key, "a missing key without a shared bucket");
  }

  static @Nullable Object fallback(Method fallback, @Nullable Object target, Object[] args,
      RateLimitExceededException e)
      throws Throwable {
    Object[] fallbackArgs = new Object[args.length + 1];
    System.arraycopy(args, 0, fallbackArgs, 0, args.length);
    fallbackArgs[args.length] = e;
    try {
      return fallback.invoke(target, fallbackArgs);
    } catch (InvocationTargetException ex) {
      throw ex.getTargetException();
    }
  }

  /**
   * @param method a method
   * @param targetClass the class of the bean
   * @return whether calls of the method are rate limited (or its annotations are invalid)
   */
  public boolean isRateLimited(Method method, @Nullable Class<?> targetClass) {
    return source.getOperations(method, targetClass) != null;
  }

  /**
   * @param targetClass a bean class
   * @return whether the class or one of its methods may carry {@code @RateLimit}
   */
  public boolean mayBeRateLimited(Class<?> targetClass) {
    return source.mayHaveOperations(targetClass);
  }

  /**
   * Parses every {@code @RateLimit} of the classes now and reports every problem at once; Spring contexts do this for
   * all their beans at startup.
   *
   * @param classes the classes to check
   * @throws RateLimitConfigException listing every problem, each naming its method
   */
  public void validate(Iterable<Class<?>> classes) {
    Set<String> problems = new LinkedHashSet<>();
    Set<String> unenforced = new LinkedHashSet<>();
    for (Class<?> c : classes) {
      problems.addAll(source.problems(c));
      unenforced.addAll(source.unenforced(c));
    }
    if (failOnUnenforced) {
      problems.addAll(unenforced);
    } else {
      unenforced.forEach(line -> LOG.log(System.Logger.Level.WARNING, line));
    }
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(new ArrayList<>(problems));
    }
  }

  /**
   * @param classes the classes to check
   * @throws RateLimitConfigException listing every problem
   */
  public void validate(Class<?>... classes) {
    validate(List.of(classes));
  }

  /** @return the policy names used by each rate limited method parsed so far ({@code Class.method} → names) */
  public Map<String, List<String>> usage() {
    Map<String, List<String>> usage = new java.util.TreeMap<>();
    source.parsed().forEach((key, ops) -> {
      List<String> names = ops.operations().stream().map(RateLimitOperation::policyName).toList();
      if (!names.isEmpty()) {
        usage.putIfAbsent(RateLimitAnnotationParser.describe(ops.method()), names);
      }
    });
    return usage;
  }

  /** Builds a {@link RateLimitAspectSupport}; not thread-safe. */
  public static final class Builder {
    private @Nullable RateLimiterRegistry registry;
    private @Nullable StoreFailureHandler failureHandler;
    private MissingKeyStrategy missingKeyStrategy = MissingKeyStrategy.reject();
    private KeyResolverRegistry keyResolvers = new KeyResolverRegistry();
    private @Nullable RequestKeySource requestKeys;
    private boolean detectWeb = true;
    private @Nullable BeanFactory beanFactory;
    private boolean proxyMode = true;
    private @Nullable AdmissionHandler admissionHandler;
    private Map<String, String> policyKeys = Map.of();
    private Map<String, MissingKeyStrategy> policyMissingKeys = Map.of();
    private @Nullable SteppedLimiterRegistry steps;
    private boolean failOnUnenforced = true;

    private Builder() {
    }

    /**
     * Sets what {@link #validate} does with an annotation that applies by the rules but that the chosen mode cannot
     * enforce: under AspectJ weaving, one inherited from an interface or superclass method (or class), or composed
     * deeper than the woven pointcut looks. By default such an annotation is a problem that fails validation; false
     * logs a warning instead.
     *
     * @param fail whether to fail
     * @return this builder
     */
    public Builder failOnUnenforced(boolean fail) {
      this.failOnUnenforced = fail;
      return this;
    }

    /**
     * Sets the step controllers and the stepped limiters of configured policies (the Spring Boot auto-configuration
     * builds them from {@code limiter.adaptive.*} and {@code limiter.policies.*}); by default there are none, and
     * inline {@code @RateLimit}s with step settings get their stepped limiters here.
     *
     * @param steps the stepped limiters, on the registry's store
     * @return this builder
     */
    public Builder steps(SteppedLimiterRegistry steps) {
      this.steps = Objects.requireNonNull(steps, "steps");
      return this;
    }

    /**
     * @param registry the configured policies and the store; inline policies of annotations are added to it
     * @return this builder
     */
    public Builder registry(RateLimiterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * @param failureHandler decides when the store throws; null (the default) applies each policy's
     *     {@link FailureMode}
     * @return this builder
     */
    public Builder failureHandler(@Nullable StoreFailureHandler failureHandler) {
      this.failureHandler = failureHandler;
      return this;
    }

    /**
     * @param strategy what to do with calls without a key; the default rejects them
     * @return this builder
     */
    public Builder missingKeyStrategy(MissingKeyStrategy strategy) {
      this.missingKeyStrategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /**
     * @param keyResolvers named resolvers for {@code @RateLimit(key = "name")}
     * @return this builder
     */
    public Builder keyResolvers(KeyResolverRegistry keyResolvers) {
      this.keyResolvers = Objects.requireNonNull(keyResolvers, "keyResolvers");
      return this;
    }

    /**
     * Sets how request-based keys ({@code ip}, {@code header:...}) are read. By default the servlet request bound by
     * Spring MVC is used when the servlet API is present, with the socket peer as client IP.
     *
     * @param requestKeys the source, or null for none (no request-based keys)
     * @return this builder
     */
    public Builder requestKeys(@Nullable RequestKeySource requestKeys) {
      this.requestKeys = requestKeys;
      this.detectWeb = requestKeys != null;
      return this;
    }

    /**
     * @param beanFactory resolves {@code @bean} references in SpEL keys
     * @return this builder
     */
    public Builder beanFactory(BeanFactory beanFactory) {
      this.beanFactory = beanFactory;
      return this;
    }

    /**
     * @param proxyMode true (the default) when calls are intercepted by Spring AOP proxies, so annotations on
     *     private, final and static methods are errors; false under AspectJ weaving
     * @return this builder
     */
    public Builder proxyMode(boolean proxyMode) {
      this.proxyMode = proxyMode;
      return this;
    }

    /**
     * @param admissionHandler sees the decisions of admitted calls, or null
     * @return this builder
     */
    public Builder admissionHandler(@Nullable AdmissionHandler admissionHandler) {
      this.admissionHandler = admissionHandler;
      return this;
    }

    /**
     * @param policyKeys the default key of configured policies (from properties), by policy name
     * @param policyMissingKeys the missing-key strategy of configured policies, by policy name
     * @return this builder
     */
    public Builder policyDefaults(Map<String, String> policyKeys, Map<String, MissingKeyStrategy> policyMissingKeys) {
      this.policyKeys = Map.copyOf(policyKeys);
      this.policyMissingKeys = Map.copyOf(policyMissingKeys);
      return this;
    }

    /**
     * @return the engine
     * @throws IllegalStateException if no registry was set
     */
    public RateLimitAspectSupport build() {
      if (registry == null) {
        throw new IllegalStateException("a registry is required: RateLimitAspectSupport.builder().registry(...)");
      }
      return new RateLimitAspectSupport(this);
    }
  }
}
