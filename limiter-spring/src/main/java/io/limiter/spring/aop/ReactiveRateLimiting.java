package io.limiter.spring.aop;

import io.limiter.core.Decision;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.RateLimitKeyMissingException;
import io.limiter.spring.internal.EventLoopHandOff;
import io.limiter.spring.internal.RateLimitAnnotationParser;
import io.limiter.spring.internal.RateLimitOperation;
import io.limiter.spring.internal.RateLimitOperations;
import io.limiter.spring.internal.SuspendingFunctions;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Limits methods that return a {@link Mono} or a {@link Flux}, and Kotlin {@code suspend} functions (which a Spring
 * AOP proxy adapts to a {@code Mono}, see {@link SuspendingFunctions}), without blocking: the policies decide through
 * {@code acquireAsync} when the result is subscribed, and the method itself runs only once every policy admitted; a rejection
 * is the error signal {@link RateLimitExceededException} (or the fallback's result), a missing key
 * {@link RateLimitKeyMissingException}. Each subscription is one call: resubscribing (a retry) decides again.
 *
 * <p>What the blocking path does and this one does not (yet): refunding policies decided before a rejection
 * (there is no asynchronous reservation), charge on outcome and a cost from the result (such a method fails with
 * {@link RateLimitConfigException} when subscribed), feeding step controllers' latency signals, and the once-per-call
 * rule for nested calls. A key shared by every caller (global, the bucket of calls without a key) of a policy with
 * step throttling decides synchronously, since its penalty-box exemption has no asynchronous form; with a local store
 * that does not block either.
 *
 * <p>A {@code CompletionStage} method has no subscription: it is decided when called, on the blocking path of
 * {@link RateLimitAspectSupport}, which settles and returns its permits when the stage completes.
 *
 * <p>Used only when Reactor is on the class path. Thread-safe.
 */
final class ReactiveRateLimiting {

  private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
      ReactiveRateLimiting.class.getClassLoader());

  private final RateLimiterRegistry registry;
  private final StoreFailureHandler failureHandler;

  ReactiveRateLimiting(RateLimiterRegistry registry, StoreFailureHandler failureHandler) {
    this.registry = registry;
    this.failureHandler = failureHandler;
  }

  /** @return whether calls of a method with this return type are limited here */
  static boolean handles(Class<?> returnType) {
    return REACTOR_PRESENT && Reactor.handles(returnType);
  }

  Object execute(RateLimitOperations ops, RateLimitInvocation invocation, @Nullable Object target, Object[] args,
      RateLimitAspectSupport.Invoker invoker) {
    return Reactor.execute(ops.resultType(), () -> decideAll(ops.operations(), invocation),
        rejected -> rejected.isEmpty() ? proceed(invoker)
            : reject(ops.fallback(), ops.suspending(), target, args, rejected.get()));
  }

  /** Decides the policies in order, stopping at the first rejection; completes with it, or empty if all admitted. */
  private CompletionStage<Optional<Decision>> decideAll(List<RateLimitOperation> operations,
      RateLimitInvocation invocation) {
    CompletionStage<Optional<Decision>> chain = CompletableFuture.completedFuture(Optional.empty());
    for (RateLimitOperation op : operations) {
      chain = chain.thenCompose(rejected -> rejected.isPresent() ? CompletableFuture.completedFuture(rejected)
          : decide(op, invocation).thenApply(d -> d != null && d.rejected() ? Optional.of(d) : Optional.empty()));
    }
    return chain;
  }

  /** One policy's decision, or null when its missing-key strategy skips the call. */
  private CompletionStage<Decision> decide(RateLimitOperation op, RateLimitInvocation invocation) {
    if (op.settlesAfterCall()) {
      return CompletableFuture.failedFuture(new RateLimitConfigException(op.source() + ": chargeOn and actualCost "
          + "are not supported on methods returning Mono or Flux, nor on suspend functions"));
    }
    String key = op.key().resolve(invocation);
    long permits = op.estimate() == null ? op.cost() : Math.max(1, op.estimate().of(invocation, null));
    SteppedRateLimiter<String> stepped = op.stepped();
    String tier = stepped == null || op.tier() == null ? null : op.tier().resolve(invocation);
    if (key == null || KeyResolver.isMissing(key)) {
      MissingKeyStrategy missing = op.missingKey();
      if (missing instanceof MissingKeyStrategy.Skip) {
        return CompletableFuture.completedFuture(null);
      }
      if (!(missing instanceof MissingKeyStrategy.SharedBucket bucket)) {
        return CompletableFuture.failedFuture(new RateLimitKeyMissingException(op.policyName(), op.keyDescription()));
      }
      return now(op, bucket.key(), permits, () -> stepped != null ? stepped.acquireShared(bucket, tier, permits)
          : op.limiter().acquireShared(bucket, permits));
    }
    boolean sharedKey = "global".equalsIgnoreCase(op.keyDescription().trim())
        || RateLimitAnnotationParser.OUTSIDE_REQUEST_KEY.equals(key);
    if (stepped != null && sharedKey) {
      return now(op, key, permits, () -> stepped.acquireShared(key, tier, permits));
    }
    CompletionStage<Decision> decision;
    try {
      decision = stepped != null ? stepped.acquireAsync(key, tier, permits) : op.limiter().acquireAsync(key, permits);
    } catch (RuntimeException failure) {
      return CompletableFuture.completedFuture(failed(op, key, permits, failure));
    }
    return decision.handle((d, failure) -> failure == null ? d : failed(op, key, permits, unwrap(failure)));
  }

  private CompletionStage<Decision> now(RateLimitOperation op, String key, long permits,
      Supplier<Decision> decide) {
    try {
      return CompletableFuture.completedFuture(decide.get());
    } catch (RuntimeException failure) {
      return CompletableFuture.completedFuture(failed(op, key, permits, failure));
    }
  }

  /** The store failed: the policy's failure mode decides, as on the blocking path. */
  private Decision failed(RateLimitOperation op, String key, long permits, Throwable failure) {
    LimitPolicy policy = op.limiter().policy();
    String stored = op.limiter().forKey(key).key();
    Decision decision = failureHandler.onFailure(policy, stored, permits,
        failure instanceof RuntimeException e ? e : new IllegalStateException(failure));
    return RateLimitAspectSupport.completeFailure(registry.listener(), policy, stored, decision);
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  /** The method's result, or the failure it threw. */
  private static @Nullable Object proceed(RateLimitAspectSupport.Invoker invoker) {
    try {
      return invoker.proceed();
    } catch (Throwable e) {
      return new Failure(e);
    }
  }

  /** The fallback's result, or the rejection as the failure. */
  private static @Nullable Object reject(@Nullable Method fallback, boolean suspending, @Nullable Object target,
      Object[] args, Decision rejected) {
    RateLimitExceededException rejection = new RateLimitExceededException(rejected);
    if (fallback == null) {
      return new Failure(rejection);
    }
    try {
      return suspending ? SuspendingFunctions.invokeFallback(fallback, target, args, rejection)
          : RateLimitAspectSupport.fallback(fallback, target, args, rejection);
    } catch (Throwable e) {
      return new Failure(e);
    }
  }

  /** The Reactor part, in a class of its own so that nothing loads Reactor's types when it is absent. */
  private static final class Reactor {

    static boolean handles(Class<?> returnType) {
      return Mono.class.isAssignableFrom(returnType) || Flux.class.isAssignableFrom(returnType);
    }

    static Object execute(Class<?> returnType, Supplier<CompletionStage<Optional<Decision>>> decide,
        Function<Optional<Decision>, @Nullable Object> then) {
      // decided at subscription; a decision from Redis comes on Lettuce's I/O thread, and the method runs on the
      // non-blocking event loop that subscribed, as after a local store's decision (EventLoopHandOff says why; a
      // thread that may block is left alone: it could be the one waiting for the decision, HandOffCallerIT)
      Mono<Optional<Decision>> decided = Mono.fromCompletionStage(
          () -> EventLoopHandOff.toCallersLoop(decide.get().toCompletableFuture()));
      if (Mono.class.isAssignableFrom(returnType)) {
        return decided.flatMap(rejected -> Mono.from(publisher(then.apply(rejected))));
      }
      return decided.flatMapMany(rejected -> publisher(then.apply(rejected)));
    }

    @SuppressWarnings("unchecked")
    private static Publisher<Object> publisher(@Nullable Object result) {
      if (result instanceof Failure f) {
        return Mono.error(f.error());
      }
      if (result == null) {
        return Mono.error(new NullPointerException("the method returned null"));
      }
      if (!(result instanceof Publisher<?>)) {
        // a suspend function called by something other than a Spring AOP proxy, which would have adapted it
        return Mono.error(new IllegalStateException("expected a Publisher from the limited call but got "
            + result.getClass().getName() + "; a Kotlin suspend function is limited through a Spring AOP proxy"));
      }
      return (Publisher<Object>) result;
    }
  }

  /** What a method or fallback threw instead of returning. */
  private record Failure(Throwable error) {
  }
}
