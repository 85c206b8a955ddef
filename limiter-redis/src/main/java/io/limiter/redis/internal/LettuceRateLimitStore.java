package io.limiter.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.cluster.SlotHash;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import io.limiter.core.ScheduledPermits;
import io.limiter.core.Ticker;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisStoreStats;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The Redis store on Lettuce. A decision: check the local deny cache; ask the {@link RecoveryGate} whether Redis is
 * worth asking; run the policy's script on the client's key (one {@code EVALSHA}, or a share of one with other decisions
 * waiting for the connection: {@link Coalescer}); turn the reply into the decision
 * ({@link ScriptPolicy}); on any failure let the failure handler decide, and mark Redis unavailable only for a
 * connection-level failure ({@link RecoveryGate#isConnectionFailure}): an error Redis answers for one key concerns
 * that decision alone. State changes and per-key errors are logged at most once per failure log interval. Sync and
 * async
 * decisions are the same code: the sync one waits for the call, which the connector bounds by the command timeout.
 */
public final class LettuceRateLimitStore implements RedisRateLimitStore {

  private static final System.Logger LOG = System.getLogger(RedisRateLimitStore.class.getName());
  /** Expiry floor with the server's clock: the one second. */
  private static final long MIN_TTL_MILLIS = 1000;
  /** Expiry floor in test-clock mode: expiry runs on the server's clock, unrelated to the test clock. */
  private static final long TEST_MIN_TTL_MILLIS = 600_000;

  private final RedisConnector connector;
  private final Coalescer calls;
  private final KeyLayout keys;
  private final StoreFailureHandler failureHandler;
  private final @Nullable RateLimitStore fallback;
  private final RecoveryGate gate;
  private final @Nullable DenyCache denyCache;
  private final Ticker localTicker;
  private final @Nullable Ticker testTicker;
  private final long minTtlMillis;
  private final String description;
  private final ConcurrentHashMap<LimitPolicy, Space> spaces = new ConcurrentHashMap<>();
  private final LongAdder serverDecisions = new LongAdder();
  private final LongAdder localDenials = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder keyErrors = new LongAdder();
  /** State changes and per-key errors, each at most once per failure log interval (intermittent failures flap). */
  private final ThrottledLog unavailableLog;
  private final ThrottledLog availableLog;
  private final ThrottledLog keyErrorLog;
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder degradedAllowed = new LongAdder();
  private final LongAdder degradedRejected = new LongAdder();

  public LettuceRateLimitStore(RedisConnector connector, StoreSettings settings) {
    this.connector = Objects.requireNonNull(connector, "connector");
    LimitScript.loadAll(); // here, on the thread that builds the store: never on a decision's
    this.calls = new Coalescer(connector, settings.coalesce());
    this.keys = new KeyLayout(settings.keyPrefix());
    this.localTicker = settings.localTicker();
    this.testTicker = settings.testTicker();
    this.minTtlMillis = testTicker != null ? TEST_MIN_TTL_MILLIS : MIN_TTL_MILLIS;
    if (settings.failureHandler() != null) {
      this.fallback = null;
      this.failureHandler = settings.failureHandler();
    } else {
      RateLimitStore local = RateLimitStore.builder().maxKeys(settings.fallbackMaxKeys())
          .ticker(testTicker != null ? testTicker : localTicker).buildInMemory();
      this.fallback = new DividedStore(local, settings.instances());
      this.failureHandler = StoreFailureHandler.byFailureMode(fallback, settings.closedRetryAfter(),
          settings.failureLogInterval());
    }
    this.unavailableLog = new ThrottledLog(LOG, Level.WARNING, settings.failureLogInterval());
    this.availableLog = new ThrottledLog(LOG, Level.INFO, settings.failureLogInterval());
    this.keyErrorLog = new ThrottledLog(LOG, Level.WARNING, settings.failureLogInterval());
    this.gate = new RecoveryGate(settings.recoveryBackoff().toNanos(), settings.recoveryBackoffMax().toNanos());
    connector.onConnected(() -> {
      if (gate.connected()) {
        availableLog.log(localTicker.read(), "connected to Redis; rate limit decisions are made by Redis", null);
      }
    });
    this.denyCache = settings.denyCacheSize() > 0 ? new DenyCache(settings.denyCacheSize()) : null;
    this.description = "RedisRateLimitStore{prefix=" + settings.keyPrefix() + ", commandTimeout="
        + settings.commandTimeout().toMillis() + "ms" + (testTicker != null ? ", TEST CLOCK" : "")
        + (settings.coalesce() ? "" : ", coalesce=false") + "}";
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Space space = spaces.get(policy);
    return space != null ? space : spaces.computeIfAbsent(policy, Space::new);
  }

  @Override
  public long trackedKeys() {
    return -1;
  }

  @Override
  public String redisKey(String policyName, String key) {
    return keys.key(keys.policyPart(policyName), key);
  }

  @Override
  public RedisStoreStats stats() {
    return new RedisStoreStats(gate.available(), serverDecisions.sum(), localDenials.sum(), failures.sum(),
        timeouts.sum(), skipped.sum(), degradedAllowed.sum(), degradedRejected.sum(), connector.scriptLoads(),
        keyErrors.sum(), calls.coalesced());
  }

  /** @return timeout timers not yet expired nor cancelled (tests: answered calls leave none behind) */
  long pendingTimers() {
    return connector.pendingTimers();
  }

  @Override
  public void close() {
    connector.close();
    calls.close();
    if (fallback != null) {
      fallback.close();
    }
  }

  @Override
  public String toString() {
    return description;
  }

  // ---- deciding --------------------------------------------------------------------------------------------------

  /** Everything a decision needs after its Redis call; completes it whichever way the call ends. */
  private final class Request {
    final ScriptPolicy policy;
    final String key;
    final String redisKey;
    final long permits;
    final int pass;
    final long sentAt;
    final long offsetNanos;
    @Nullable CompletableFuture<List<Object>> reply;
    /** The server time the script decided at (µs), once answered: where a reservation's charge landed. */
    long decidedAtMicros;

    Request(ScriptPolicy policy, String key, String redisKey, long permits, int pass, long sentAt,
        long offsetNanos) {
      this.policy = policy;
      this.key = key;
      this.redisKey = redisKey;
      this.permits = permits;
      this.pass = pass;
      this.sentAt = sentAt;
      this.offsetNanos = offsetNanos;
    }

    Decision complete(@Nullable List<Object> answer, @Nullable Throwable error) {
      if (error == null) {
        Decision decision;
        try {
          List<Object> reply = Objects.requireNonNull(answer, "answer"); // no error: Redis answered
          decision = policy.decision(reply, permits, offsetNanos);
          decidedAtMicros = ((Number) reply.get(0)).longValue();
        } catch (RuntimeException e) {
          return failed(e);
        }
        serverDecisions.increment();
        answered(pass);
        if (denyCache != null) {
          if (decision.rejected()) {
            denyCache.rejected(redisKey, permits, sentAt, decision);
          } else {
            denyCache.admitted(redisKey);
          }
        }
        return decision;
      }
      return failed(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
    }

    private Decision failed(Throwable error) {
      failures.increment();
      if (error instanceof RedisCommandTimeoutException) {
        timeouts.increment();
      }
      if (RecoveryGate.isConnectionFailure(error)) {
        if (gate.failed(pass, localTicker.read(), error)) {
          unavailableLog.log(localTicker.read(), "Redis failed (" + RedisConnector.describe(error) + "); each "
              + "policy's failure mode decides until Redis answers a probe again", null);
        }
      } else {
        // Redis answered, with an error for this key or this call (WRONGTYPE, OOM, a script error, a reply of the
        // wrong shape): this decision follows the failure mode, every other key still goes to Redis
        keyErrors.increment();
        answered(pass);
        // the client's key stays out of the line: it comes from the request and may be forged to forge log lines
        keyErrorLog.log(localTicker.read(), "Redis answered an error for a key of policy " + policy.policy.name()
            + " (" + RedisConnector.describe(error) + "); that decision follows the policy's failure mode, other "
            + "keys are unaffected", null);
      }
      return degraded(policy.policy, key, permits, error);
    }
  }

  /** Redis answered the call (a decision or an error of its own): a probe that gets an answer closes the gate. */
  private void answered(int pass) {
    if (gate.succeeded(pass)) {
      availableLog.log(localTicker.read(), "Redis answers again; rate limit decisions are made by Redis again", null);
    }
  }

  private Decision degraded(LimitPolicy policy, String key, long permits, Throwable failure) {
    Decision decision = failureHandler.onFailure(policy, key, permits, failure);
    if (decision.rejected()) {
      degradedRejected.increment();
    } else {
      degradedAllowed.increment();
    }
    return decision;
  }

  /** Starts a decision: returns a finished one (deny cache, Redis unavailable) or a request with its call. */
  private Object start(Space space, String key, long permits, ScriptPolicy policy) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1 but was " + permits);
    }
    String redisKey = keys.key(space.policyPart, key);
    long testNow = 0;
    String nowArg = null;
    long offset = 0;
    if (testTicker != null) {
      testNow = testTicker.read();
      long micros = Math.floorDiv(testNow, 1000L);
      if (Math.abs(micros) > LimitScript.MAX_EXACT - policy.spanMicros) {
        throw new IllegalStateException("test ticker reading " + testNow + " ns is too large for the Redis scripts "
            + "of policy " + policy.policy.name() + ": |t| + " + policy.spanMicros + " µs must stay below 2^53 µs");
      }
      nowArg = Long.toString(micros);
      offset = testNow - micros * 1000;
    }
    long localNow = localTicker.read();
    long decisionClock = testTicker != null ? testNow : localNow;
    if (denyCache != null) {
      Decision denied = denyCache.check(redisKey, policy.policy, permits, decisionClock);
      if (denied != null) {
        localDenials.increment();
        return denied;
      }
    }
    int pass = gate.enter(localNow);
    if (pass == RecoveryGate.SKIP) {
      skipped.increment();
      // the gate skips only after a failure, which it recorded first
      return degraded(policy.policy, key, permits, Objects.requireNonNull(gate.lastFailure(), "lastFailure"));
    }
    Request request = new Request(policy, key, redisKey, permits, pass, decisionClock, offset);
    try {
      request.reply = calls.run(policy.script, redisKey, policy.args(permits, nowArg));
    } catch (RuntimeException e) {
      request.reply = CompletableFuture.failedFuture(e);
    }
    return request;
  }

  Decision decide(Space space, String key, long permits, ScriptPolicy policy) {
    Object started = start(space, key, permits, policy);
    if (started instanceof Decision) {
      return (Decision) started;
    }
    return finish((Request) started);
  }

  /** A decision as a reservation; one settled to another cost later costs one more call ({@link #settle}). */
  Reservation reserve(Space space, String key, long permits, ScriptPolicy policy) {
    Object started = start(space, key, permits, policy);
    if (started instanceof Decision) { // a local denial or a failure mode's decision: nothing taken on Redis
      return Reservation.of((Decision) started, key, policy.policy, permits, 0, settler(space, policy));
    }
    Request request = (Request) started;
    Decision decision = finish(request);
    return Reservation.of(decision, key, policy.policy, permits, request.decidedAtMicros, settler(space, policy));
  }

  /**
   * {@link #reserve} without blocking, as {@link #decideAsync} decides: the same start (deny cache, availability gate,
   * coalescing lane), the call expired by the connector's timer, the same reading of its reply or failure.
   */
  CompletionStage<Reservation> reserveAsync(Space space, String key, long permits, ScriptPolicy policy) {
    Object started;
    try {
      started = start(space, key, permits, policy);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (started instanceof Decision) { // a local denial or a failure mode's decision: nothing taken on Redis
      return CompletableFuture.completedFuture(Reservation.of((Decision) started, key, policy.policy, permits, 0,
          settler(space, policy)));
    }
    Request request = (Request) started;
    return connector.expireLater(Objects.requireNonNull(request.reply, "reply")).handle((answer, error) -> {
      Decision decision = request.complete(answer, error); // sets where the charge landed
      return Reservation.of(decision, key, policy.policy, permits, request.decidedAtMicros, settler(space, policy));
    });
  }

  /** How this store settles a reservation of a key space: the settle script, waited for or not. */
  private Reservation.Settler settler(Space space, ScriptPolicy policy) {
    return new Reservation.Settler() {
      @Override
      public void settle(Reservation reservation, long actual) {
        LettuceRateLimitStore.this.settle(space, policy, reservation, actual);
      }

      @Override
      public CompletionStage<Void> settleAsync(Reservation reservation, long actual) {
        return LettuceRateLimitStore.this.settleAsync(space, policy, reservation, actual);
      }
    };
  }

  /**
   * A request's several policies in one script call, all or nothing ({@code batch.lua} with its group flags): when
   * every claim is a key space of this store whose script a vector can carry, there are at most
   * {@link Coalescer#MAX_BATCH} of them, none is remembered by the deny cache, Redis is not being skipped and (on a
   * Cluster) every key hashes to one slot. Otherwise, or if the call ends in a script error (nothing was written
   * then), the default: reserved one by one in order, refunded on a rejection. A failure of the call itself
   * (timeout, connection) decides every claim by its failure mode, as it would each alone; a claim of them that is
   * rejected then has the others refunded (a timed-out call may have been applied).
   */
  @Override
  public List<Reservation> reserveAll(List<Claim> claims) {
    Vector vector = vector(claims);
    if (vector == null) {
      return RedisRateLimitStore.super.reserveAll(claims);
    }
    List<Object> answer = null;
    Throwable error = null;
    try {
      answer = connector.await(calls.runAll(vector.scripts, vector.redisKeys, vector.args, vector.hard)).join();
    } catch (CompletionException | CancellationException e) {
      error = e.getCause() != null ? e.getCause() : e;
    } catch (RuntimeException e) {
      error = e;
    }
    List<Reservation> out = vector.read(answer, error);
    if (out == null) {
      return RedisRateLimitStore.super.reserveAll(claims); // a script error: nothing written, each alone decides it
    }
    if (vector.refund) {
      for (Reservation taken : out) {
        taken.refund();
      }
    }
    return out;
  }

  /**
   * {@link #reserveAll(List)} through Lettuce's asynchronous API: the same one script call (on the same coalescing
   * lane), prepared by the same checks, bounded by the command timeout on the connector's timer instead of a waiting
   * thread, its reply read by the same code; where {@link #reserveAll(List)} falls back to the claims one by one, this
   * falls back to the default async form ({@link KeySpace#reserveAsync(String, long)} in order, which this store's
   * key spaces implement without blocking). The refunds of a failure mode's rejection go out with
   * {@link Reservation#refundAllAsync} and complete before the stage does. Completes on a Lettuce I/O thread, or on
   * the connector's timer thread when the call times out.
   */
  @Override
  public CompletionStage<List<Reservation>> reserveAllAsync(List<Claim> claims) {
    Vector vector;
    try {
      vector = vector(claims);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (vector == null) {
      return RedisRateLimitStore.super.reserveAllAsync(claims);
    }
    CompletableFuture<List<Object>> call;
    try {
      call = calls.runAll(vector.scripts, vector.redisKeys, vector.args, vector.hard);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return connector.expireLater(call).handle((answer, failure) -> vector.read(answer,
        failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure))
        .thenCompose(out -> {
          if (out == null) { // a script error: nothing written, each alone decides it
            return RedisRateLimitStore.super.reserveAllAsync(claims);
          }
          return vector.refund ? Reservation.refundAllAsync(out).thenApply(refunded -> out)
              : CompletableFuture.completedFuture(out);
        });
  }

  /**
   * Prepares the one script call of {@link #reserveAll(List)} (see there for when a group can go in one call) and
   * enters the availability gate; null when the claims are to be reserved one by one instead.
   */
  private @Nullable Vector vector(List<Claim> claims) {
    int n = claims.size();
    if (n < 2 || n > Coalescer.MAX_BATCH) {
      return null;
    }
    Space[] spaces = new Space[n];
    ScriptPolicy[] policies = new ScriptPolicy[n];
    LimitScript[] scripts = new LimitScript[n];
    String[] redisKeys = new String[n];
    boolean[] hard = new boolean[n];
    int slot = -1;
    for (int i = 0; i < n; i++) {
      Claim c = claims.get(i);
      KeySpace space = c.space();
      if (space instanceof Space own && own.store() == this) {
        spaces[i] = own;
        policies[i] = own.base;
      } else if (space instanceof View view && view.store() == this) {
        spaces[i] = view.space;
        policies[i] = view.policy;
      } else {
        return null;
      }
      scripts[i] = policies[i].script;
      redisKeys[i] = keys.key(spaces[i].policyPart, c.key());
      hard[i] = !c.soft();
      if (!BatchScript.covers(scripts[i])) {
        return null; // the moving window writes its log in place
      }
      if (connector.cluster()) {
        int s = SlotHash.getSlot(redisKeys[i]);
        if (slot >= 0 && s != slot) {
          return null;
        }
        slot = s;
      }
    }
    long localNow = localTicker.read();
    long testNow = testTicker != null ? testTicker.read() : 0;
    String nowArg = null;
    long offset = 0;
    if (testTicker != null) {
      long micros = Math.floorDiv(testNow, 1000L);
      nowArg = Long.toString(micros);
      offset = testNow - micros * 1000;
    }
    long decisionClock = testTicker != null ? testNow : localNow;
    String[][] args = new String[n][];
    for (int i = 0; i < n; i++) {
      long permits = claims.get(i).permits();
      if (testTicker != null
          && Math.abs(Math.floorDiv(testNow, 1000L)) > LimitScript.MAX_EXACT - policies[i].spanMicros) {
        return null; // the single call names the problem
      }
      if (denyCache != null && denyCache.check(redisKeys[i], policies[i].policy, permits, decisionClock) != null) {
        return null; // decided locally, one by one
      }
      args[i] = policies[i].args(permits, nowArg);
    }
    int pass = gate.enter(localNow);
    if (pass == RecoveryGate.SKIP) {
      return null; // each decided by its failure mode
    }
    return new Vector(claims, spaces, policies, scripts, redisKeys, hard, args, pass, decisionClock, offset);
  }

  /** One group's script call, prepared by {@link #vector}; {@link #read} turns its reply into the reservations. */
  private final class Vector {
    final List<Claim> claims;
    final Space[] spaces;
    final ScriptPolicy[] policies;
    final LimitScript[] scripts;
    final String[] redisKeys;
    final boolean[] hard;
    final String[][] args;
    final int pass;
    final long decisionClock;
    final long offset;
    /** Set by {@link #read}: a failure mode rejected a claim whose write failed, the others' permits go back. */
    boolean refund;

    Vector(List<Claim> claims, Space[] spaces, ScriptPolicy[] policies, LimitScript[] scripts, String[] redisKeys,
        boolean[] hard, String[][] args, int pass, long decisionClock, long offset) {
      this.claims = claims;
      this.spaces = spaces;
      this.policies = policies;
      this.scripts = scripts;
      this.redisKeys = redisKeys;
      this.hard = hard;
      this.args = args;
      this.pass = pass;
      this.decisionClock = decisionClock;
      this.offset = offset;
    }

    /**
     * Reads the call's reply (or failure) into one reservation per decided claim; null if the script answered an
     * error (nothing was written: the caller reserves the claims one by one).
     */
    @Nullable List<Reservation> read(@Nullable List<Object> answer, @Nullable Throwable failure) {
      int n = claims.size();
      Throwable error = failure;
      // a group's reply: the decided requests' replies, then 1 (written) or 0 (stopped: nothing written)
      if (error == null && (answer == null || answer.size() < 2 || answer.size() > n + 1
          || !(answer.get(answer.size() - 1) instanceof Number))) {
        error = new IllegalStateException("unexpected reply of the vector script for " + n + " claims: " + answer);
      }
      List<Object> reply = error == null && answer != null ? answer : List.of(); // read only when there is no error
      boolean written = error == null && ((Number) reply.get(reply.size() - 1)).longValue() == 1;
      int decided = error != null ? n : reply.size() - 1;
      if (error == null && !written && isMessage(reply.get(decided - 1))) {
        answered(pass);
        return null;
      }
      List<Reservation> out = new ArrayList<>(decided);
      for (int i = 0; i < decided; i++) {
        Claim c = claims.get(i);
        ScriptPolicy policy = policies[i];
        Request request = new Request(policy, c.key(), redisKeys[i], c.permits(), pass, decisionClock, offset);
        Decision decision = error != null ? request.complete(null, error) : complete(request, reply.get(i));
        if (error == null && !written) {
          out.add(Reservation.none(decision, c.key())); // the group stopped: nothing of it was written
          continue;
        }
        out.add(Reservation.of(decision, c.key(), policy.policy, c.permits(), request.decidedAtMicros,
            settler(spaces[i], policy)));
        if (!decision.allowed() && hard[i]) {
          // a failure mode's rejection of one claim (its write failed) while the others were written: give theirs
          // back (the caller does, in its own form)
          refund = true;
          return out;
        }
      }
      return out;
    }
  }

  /** Whether a vector's reply for one request is an error message ({message}). */
  private static boolean isMessage(Object one) {
    return one instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof String;
  }

  /** One request's reply in a group: its decision, or (an error message, a reply of the wrong shape) a failure's. */
  @SuppressWarnings("unchecked")
  private static Decision complete(Request request, Object one) {
    if (isMessage(one)) {
      return request.complete(null, new RedisCommandExecutionException((String) ((List<?>) one).get(0)));
    }
    if (one instanceof List<?> list) {
      return request.complete((List<Object>) list, null);
    }
    return request.complete(null, new IllegalStateException("unexpected reply of the vector script: " + one));
  }

  /**
   * Settles a reservation with one call of the settle script, waiting at most the command timeout. A failure is
   * counted and logged, never thrown: the request it belongs to has been decided, and a settlement that does not
   * reach Redis leaves the reserved cost charged.
   */
  private void settle(Space space, ScriptPolicy policy, Reservation reservation, long actual) {
    String redisKey = keys.key(space.policyPart, reservation.key());
    Throwable error = null;
    try {
      connector.await(startSettle(redisKey, policy, reservation, actual)).join();
    } catch (CompletionException | CancellationException e) {
      error = e.getCause() != null ? e.getCause() : e;
    }
    settled(redisKey, policy, error);
  }

  /**
   * {@link #settle} without blocking: the same call, expired by the connector's timer; completes (normally, also on a
   * failure, which is counted and logged as there) when Redis answers or the command timeout expires.
   */
  private CompletionStage<Void> settleAsync(Space space, ScriptPolicy policy, Reservation reservation, long actual) {
    String redisKey = keys.key(space.policyPart, reservation.key());
    return connector.expireLater(startSettle(redisKey, policy, reservation, actual)).handle((answer, error) -> {
      settled(redisKey, policy, error instanceof CompletionException && error.getCause() != null ? error.getCause()
          : error);
      return null;
    });
  }

  /** Sends the settle script's call for a reservation. */
  private CompletableFuture<List<Object>> startSettle(String redisKey, ScriptPolicy policy, Reservation reservation,
      long actual) {
    String nowArg = testTicker != null ? Long.toString(Math.floorDiv(testTicker.read(), 1000L)) : null;
    try {
      return connector.run(policy.script.settleScript(), redisKey,
          policy.settleArgs(actual - reservation.permits(), reservation.stamp(), nowArg));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** After a settlement's call: the deny cache forgets the key (a refund may admit it), a failure is counted. */
  private void settled(String redisKey, ScriptPolicy policy, @Nullable Throwable error) {
    if (denyCache != null) {
      denyCache.admitted(redisKey); // a refund may admit what this instance remembers as denied
    }
    if (error != null) {
      failures.increment();
      keyErrorLog.log(localTicker.read(), "a settlement of a reservation of policy " + policy.policy.name()
          + " did not reach Redis (" + RedisConnector.describe(error) + "); the reserved cost stays charged", null);
    }
  }

  /**
   * Reserves a future slot with one call of {@code pace.lua}: no polling while the caller waits. A failure decides by
   * the policy's failure mode, without waiting. The slot's wait is from the server's decision, converted to the
   * caller's clock by the caller (read after this returns, so never early).
   */
  ScheduledPermits schedule(Space space, String key, long permits, long maxWaitNanos, ScriptPolicy policy) {
    if (maxWaitNanos < 0) {
      throw new IllegalArgumentException("maxWaitNanos must be >= 0 but was " + maxWaitNanos);
    }
    if (maxWaitNanos == 0) {
      return ScheduledPermits.immediate(decide(space, key, permits, policy));
    }
    KeySpace.requireWaitable(policy.policy);
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1 but was " + permits);
    }
    String redisKey = keys.key(space.policyPart, key);
    String nowArg = null;
    long offset = 0;
    long testNow = 0;
    if (testTicker != null) {
      testNow = testTicker.read();
      long micros = Math.floorDiv(testNow, 1000L);
      nowArg = Long.toString(micros);
      offset = testNow - micros * 1000;
    }
    long localNow = localTicker.read();
    int pass = gate.enter(localNow);
    if (pass == RecoveryGate.SKIP) {
      skipped.increment();
      // the gate skips only after a failure, which it recorded first
      return ScheduledPermits.immediate(degraded(policy.policy, key, permits,
          Objects.requireNonNull(gate.lastFailure(), "lastFailure")));
    }
    // the maximum wait floored to whole µs (a slot never later than asked), at most a span Lua's doubles keep exact
    long maxWaitMicros = Math.min(maxWaitNanos / 1000, LimitScript.MAX_SPAN_MICROS - policy.spanMicros);
    Request request = new Request(policy, key, redisKey, permits, pass, testTicker != null ? testNow : localNow,
        offset);
    List<Object> answer;
    try {
      answer = connector.await(connector.run(policy.warms() ? WarmBucketScript.PACE : PaceScript.INSTANCE, redisKey,
          policy.paceArgs(permits, nowArg, maxWaitMicros))).join();
    } catch (RuntimeException e) {
      Throwable error = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      return ScheduledPermits.immediate(request.complete(null, error));
    }
    int words = 2 * policy.limitCount();
    // the state words a limit keeps: 2 (tat), or 4 (tat and how cold) when the policy warms up
    int stateWords = policy.warms() ? 4 * policy.limitCount() : words;
    // a rejection replies {now, 0, debts, wait}; a granted slot adds the state it replaced (and, warming up, the state
    // it wrote: how cold the bucket is cannot be derived from the debts)
    int grantedSize = policy.warms() ? 4 + words + 2 * stateWords : 4 + 2 * words;
    if (answer == null || (answer.size() != 3 + words && answer.size() != grantedSize)) {
      return ScheduledPermits.immediate(request.complete(null,
          new IllegalStateException("unexpected reply of the pace script for policy " + policy.policy.name())));
    }
    Decision decision = request.complete(answer.subList(0, 2 + words), null);
    if (!decision.allowed() || decision.degraded() || answer.size() != grantedSize) {
      return ScheduledPermits.immediate(decision);
    }
    long now = ((Number) answer.get(0)).longValue();
    long waitMicros = ((Number) answer.get(2 + words)).longValue();
    long[] written = new long[stateWords];
    long[] previous = ((Number) answer.get(3 + words)).longValue() == 1 ? new long[stateWords] : null;
    if (policy.warms()) {
      for (int i = 0; i < stateWords; i++) {
        written[i] = ((Number) answer.get(4 + words + stateWords + i)).longValue();
      }
    } else {
      for (int i = 0; i < words; i += 2) {
        written[i] = now + ((Number) answer.get(2 + i)).longValue();
        written[i + 1] = ((Number) answer.get(3 + i)).longValue();
      }
    }
    if (previous != null) {
      for (int i = 0; i < stateWords; i++) {
        previous[i] = ((Number) answer.get(4 + words + i)).longValue();
      }
    }
    long waitNanos = Math.max(0, waitMicros * 1000 - offset);
    return ScheduledPermits.granted(decision, waitNanos, () -> unpace(redisKey, policy, written, previous));
  }

  /** Gives a slot back with one call of {@code unpace.lua}; a failure leaves it taken (logged, never thrown). */
  private boolean unpace(String redisKey, ScriptPolicy policy, long[] written, long @Nullable [] previous) {
    String nowArg = testTicker != null ? Long.toString(Math.floorDiv(testTicker.read(), 1000L)) : null;
    try {
      List<Object> answer = connector.await(connector.run(PaceScript.UNPACE, redisKey,
          policy.unpaceArgs(nowArg, written, previous))).join();
      boolean returned = ((Number) answer.get(1)).longValue() == 1;
      if (returned && denyCache != null) {
        denyCache.admitted(redisKey);
      }
      return returned;
    } catch (RuntimeException e) {
      failures.increment();
      keyErrorLog.log(localTicker.read(), "giving back a reserved slot of policy " + policy.policy.name()
          + " did not reach Redis (" + RedisConnector.describe(e) + "); the slot stays taken", null);
      return false;
    }
  }

  private Decision finish(Request request) {
    // complete now; sent (so set) before any caller finishes it
    CompletableFuture<List<Object>> reply = connector.await(Objects.requireNonNull(request.reply, "reply"));
    List<Object> answer;
    try {
      answer = reply.join();
    } catch (CompletionException | CancellationException e) {
      return request.complete(null, e.getCause() != null ? e.getCause() : e);
    }
    return request.complete(answer, null);
  }

  CompletionStage<Decision> decideAsync(Space space, String key, long permits, ScriptPolicy policy) {
    Object started;
    try {
      started = start(space, key, permits, policy);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (started instanceof Decision) {
      return CompletableFuture.completedFuture((Decision) started);
    }
    Request request = (Request) started;
    return connector.expireLater(Objects.requireNonNull(request.reply, "reply")).handle(request::complete); // sent
  }

  /**
   * One policy's key space: its prepared script arguments and key prefix; state lives in Redis only. Views and ad hoc
   * effective policies (step levels, tiers) decide on the base's state ({@link ScriptPolicy#view}); they are prepared
   * once and kept.
   * A policy of the same name and another shape gets a key space of its own, on the same keys: there the state of
   * the other shape counts as empty ({@link ScriptPolicy}).
   */
  final class Space implements KeySpace {
    /** Ad hoc effective policies kept per space; step levels and tiers are few, and views hold their own. */
    private static final int MAX_PREPARED = 64;

    final ScriptPolicy base;
    final String policyPart;
    private final ConcurrentHashMap<LimitPolicy, ScriptPolicy> prepared = new ConcurrentHashMap<>();

    Space(LimitPolicy policy) {
      this.base = ScriptPolicy.of(policy, minTtlMillis);
      this.policyPart = keys.policyPart(policy.name());
    }

    /** @return the store this key space belongs to (claims of another store's key spaces are not batched here) */
    LettuceRateLimitStore store() {
      return LettuceRateLimitStore.this;
    }

    @Override
    public LimitPolicy policy() {
      return base.policy;
    }

    @Override
    public Decision acquire(String key, long permits) {
      return decide(this, key, permits, base);
    }

    @Override
    public Decision acquire(String key, long permits, LimitPolicy effective) {
      return decide(this, key, permits, prepared(effective));
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      return decideAsync(this, key, permits, base);
    }

    @Override
    public Reservation reserve(String key, long permits) {
      return LettuceRateLimitStore.this.reserve(this, key, permits, base);
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits) {
      return LettuceRateLimitStore.this.reserveAsync(this, key, permits, base);
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits, LimitPolicy effective) {
      ScriptPolicy policy;
      try {
        policy = prepared(effective);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
      return LettuceRateLimitStore.this.reserveAsync(this, key, permits, policy);
    }

    @Override
    public ScheduledPermits schedule(String key, long permits, long maxWaitNanos) {
      return LettuceRateLimitStore.this.schedule(this, key, permits, maxWaitNanos, base);
    }

    @Override
    public Reservation reserve(String key, long permits, LimitPolicy effective) {
      return LettuceRateLimitStore.this.reserve(this, key, permits, prepared(effective));
    }

    @Override
    public KeySpace view(LimitPolicy effective) {
      ScriptPolicy policy = prepared(effective);
      return policy == base ? this : new View(this, policy);
    }

    ScriptPolicy prepared(LimitPolicy effective) {
      Objects.requireNonNull(effective, "effective");
      if (effective == base.policy || effective.equals(base.policy)) {
        return base;
      }
      ScriptPolicy known = prepared.get(effective);
      if (known != null) {
        return known;
      }
      ScriptPolicy made = base.view(effective);
      if (prepared.size() < MAX_PREPARED) {
        prepared.putIfAbsent(effective, made);
      }
      return made;
    }

    @Override
    public String toString() {
      return "RedisKeySpace{" + base.policy + "}";
    }
  }

  /** A space's state decided with other limits (a step level or tier); sync and async like the space itself. */
  private final class View implements KeySpace {
    private final Space space;
    private final ScriptPolicy policy;

    View(Space space, ScriptPolicy policy) {
      this.space = space;
      this.policy = policy;
    }

    LettuceRateLimitStore store() {
      return LettuceRateLimitStore.this;
    }

    @Override
    public LimitPolicy policy() {
      return policy.policy;
    }

    @Override
    public Decision acquire(String key, long permits) {
      return decide(space, key, permits, policy);
    }

    @Override
    public Decision acquire(String key, long permits, LimitPolicy effective) {
      return space.acquire(key, permits, effective);
    }

    @Override
    public CompletionStage<Decision> acquireAsync(String key, long permits) {
      return decideAsync(space, key, permits, policy);
    }

    @Override
    public Reservation reserve(String key, long permits) {
      return LettuceRateLimitStore.this.reserve(space, key, permits, policy);
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits) {
      return LettuceRateLimitStore.this.reserveAsync(space, key, permits, policy);
    }

    @Override
    public CompletionStage<Reservation> reserveAsync(String key, long permits, LimitPolicy effective) {
      return space.reserveAsync(key, permits, effective);
    }

    @Override
    public ScheduledPermits schedule(String key, long permits, long maxWaitNanos) {
      return LettuceRateLimitStore.this.schedule(space, key, permits, maxWaitNanos, policy);
    }

    @Override
    public Reservation reserve(String key, long permits, LimitPolicy effective) {
      return space.reserve(key, permits, effective);
    }

    @Override
    public KeySpace view(LimitPolicy effective) {
      return space.view(effective);
    }

    @Override
    public String toString() {
      return "RedisKeySpace.View{" + policy.policy + "}";
    }
  }
}
