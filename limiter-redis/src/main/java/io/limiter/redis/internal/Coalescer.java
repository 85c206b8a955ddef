package io.limiter.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Coalesces decisions that wait for the same connection into one script call. Requests go through a <em>lane</em>:
 * the one connection of a standalone (or Sentinel-managed) Redis, or one hash slot of a Cluster (a call's keys must
 * share a slot there). A request that finds its lane idle is sent at once, alone, with its own script, exactly as
 * without coalescing: nothing ever waits to be batched, so an uncontended decision costs what it did. Requests that
 * arrive while a call is in flight queue in arrival order; when the lane's calls have answered, everything queued (up
 * to {@link #MAX_BATCH}) goes out as one call of {@link BatchScript}, which decides them one after the other, each
 * all-or-nothing, exactly as separate calls in that order would. A backlog of a full vector or more does not wait:
 * full vectors go out pipelined, up to {@link #MAX_IN_FLIGHT} calls in flight (see {@code Lane.mayStart} for why
 * only full ones). Calls go out in the order their requests arrived; Redis runs the commands of one connection in the
 * order it receives them (calls sent from different threads at the same moment may reach it in either order, as
 * without coalescing: their requests were pending together).
 *
 * <p>Every request gets its own reply, bounded by the command timeout like a single call (sync callers wait on it,
 * async callers' timers expire it). A request that timed out while queued is dropped, never sent. A call never
 * outlives the command timeout, so one that is not answered frees its lane: a call carrying one request times out
 * with it, a vector call has a timer of its own.
 * A Redis error for one request of a vector (WRONGTYPE, OOM on its write) fails that request only; a failure of the
 * whole call (timeout, lost connection) fails each of its requests. Thread-safe and lock-free.
 */
final class Coalescer {

  /** The most requests in one call: a bound on the time one call holds the (single-threaded) server. */
  static final int MAX_BATCH = 64; // at most 127: batch.lua's order string holds indexes as one UTF-8 byte each
  /** The most calls a lane has in flight (all but one of them full vectors, see {@code Lane.mayStart}). */
  static final int MAX_IN_FLIGHT = 4;
  private static final int SLOTS = 16384;

  private final RedisConnector connector;
  private final boolean enabled;
  private final int maxInFlight;
  /** Standalone: the one lane; Cluster: null, lanes per slot. */
  private final @Nullable Lane single;
  private final @Nullable AtomicReferenceArray<Lane> slots;
  private final LongAdder coalesced = new LongAdder();
  private volatile boolean closed;
  // everything that arrives while a call is in flight rides in the next call, and client and server work still
  // overlap, since the next call is sent before the answered requests are completed

  /**
   * @param connector the connection
   * @param enabled false to send every request as a call of its own
   */
  Coalescer(RedisConnector connector, boolean enabled) {
    this(connector, enabled, MAX_IN_FLIGHT);
  }

  /**
   * @param connector the connection
   * @param enabled false to send every request as a call of its own
   * @param maxInFlight the most calls a lane has in flight (at least 1)
   */
  Coalescer(RedisConnector connector, boolean enabled, int maxInFlight) {
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1: " + maxInFlight);
    }
    this.connector = connector;
    this.enabled = enabled;
    this.maxInFlight = maxInFlight;
    boolean cluster = connector.cluster();
    this.single = cluster ? null : new Lane();
    this.slots = cluster ? new AtomicReferenceArray<>(SLOTS) : null;
  }

  /** @return requests that were decided in a call together with other requests */
  long coalesced() {
    return coalesced.sum();
  }

  /**
   * Decides one request: at once if its lane is idle, else in the lane's next call.
   *
   * @param script the request's script
   * @param key its key
   * @param args its arguments
   * @return its reply, not bounded by itself (see {@link RedisConnector#await}, {@link RedisConnector#expireLater})
   */
  CompletableFuture<List<Object>> run(LimitScript script, String key, String[] args) {
    if (!enabled || closed || !BatchScript.covers(script)) {
      // closed: fails at once; a script a vector cannot carry goes out alone, pipelined in arrival order
      return connector.run(script, key, args);
    }
    Request request = new Request(script, key, args, connector.timeoutText());
    Lane lane = lane(key);
    lane.offer(request);
    lane.drain(); // a place free: this request goes out at once (alone, unless others arrived just now)
    return request;
  }

  /**
   * Decides several requests all or nothing in one call of {@link BatchScript} (a request's several policies): in
   * order, until a request whose {@code hard} flag is set rejects; then nothing is written and the reply stops after
   * it (see {@code batch.lua}). Sent at once, outside the lanes: the script is atomic on the server whatever else is
   * in flight. The caller checks that every script is {@linkplain BatchScript#covers covered}, that there are at most
   * {@link #MAX_BATCH} requests and, on a Cluster, that their keys share a slot.
   *
   * @param scripts the requests' scripts
   * @param keys their keys
   * @param args their arguments
   * @param hard for each request, whether its rejection rejects the group
   * @return the replies of the requests decided, in order; not bounded by itself (see {@link RedisConnector#await})
   */
  CompletableFuture<List<Object>> runAll(LimitScript[] scripts, String[] keys, String[][] args, boolean[] hard) {
    List<Request> group = new ArrayList<>(scripts.length);
    char[] flags = new char[scripts.length];
    for (int i = 0; i < scripts.length; i++) {
      group.add(new Request(scripts[i], keys[i], args[i], connector.timeoutText()));
      flags[i] = hard[i] ? '1' : '0';
    }
    String[] distinct = vectorKeys(group);
    String[] vector = vectorArgs(group);
    String[] withGroup = Arrays.copyOf(vector, vector.length + 1);
    withGroup[vector.length] = new String(flags);
    return connector.run(BatchScript.SHA, BatchScript.SOURCE, distinct, withGroup);
  }

  /**
   * Fails what is still queued or in flight, after the connector closed (timers stopped, connection gone): nothing
   * else would complete it. Requests arriving later fail at once.
   */
  void close() {
    closed = true;
    RedisConnectionException gone = new RedisConnectionException("the Redis rate limit store is closed");
    if (single != null) {
      single.close(gone);
    } else {
      AtomicReferenceArray<Lane> slots = Objects.requireNonNull(this.slots, "slots"); // a cluster's; else single
      for (int i = 0; i < SLOTS; i++) {
        Lane lane = slots.get(i);
        if (lane != null) {
          lane.close(gone);
        }
      }
    }
  }

  private Lane lane(String key) {
    if (single != null) {
      return single;
    }
    int slot = SlotHash.getSlot(key);
    AtomicReferenceArray<Lane> slots = Objects.requireNonNull(this.slots, "slots"); // a cluster's; else single
    Lane lane = slots.get(slot);
    if (lane == null) {
      slots.compareAndSet(slot, null, new Lane());
      lane = slots.get(slot);
    }
    return lane;
  }

  /** One request: its reply, and what it needs to be sent with others. */
  private static final class Request extends TimedReply {
    final LimitScript script;
    final String key;
    final String[] args;
    /** Its key's position (from 1) among the distinct keys of the vector it goes out in; set by the sender. */
    int keyIndex;
    /** The call that carries this request alone, if it went out alone. */
    private volatile @Nullable CompletableFuture<List<Object>> solo;

    Request(LimitScript script, String key, String[] args, String timeoutText) {
      super(timeoutText);
      this.script = script;
      this.key = key;
      this.args = args;
    }

    /** This request goes out alone in {@code call}: if it times out, so does the call. */
    void carriedBy(CompletableFuture<List<Object>> call) {
      solo = call;
      if (isDone() && !call.isDone()) { // timed out meanwhile
        call.completeExceptionally(new TimeoutException());
      }
    }

    @Override
    void timedOut() {
      // a call carrying only this request ends with it (which frees the lane); a queued request is dropped when its
      // lane drains (it is done); a vector call runs on for its other requests, bounded by its own timer
      CompletableFuture<List<Object>> call = solo;
      if (call != null) {
        call.completeExceptionally(new TimeoutException());
      }
    }
  }

  /**
   * Requests sharing a connection (or slot): up to {@link #maxInFlight} calls in flight, the rest queued in arrival
   * order. Lock-free (an async caller may be an event-loop thread): whoever sets {@link #sending} takes requests off
   * the queue and sends them while {@link #mayStart} allows, then clears it again; one sender at a time takes the
   * requests in arrival order and sends the calls in that order.
   */
  private final class Lane {
    private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
    /** Requests offered and not taken off {@link #queue} yet (a request counts from before it is offered). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Whether a thread is taking requests off the queue and sending them. */
    private final AtomicBoolean sending = new AtomicBoolean();
    /** Calls sent and not answered yet: raised by the sender only, lowered by each call's completion. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /**
     * The calls in flight, for {@link #close}: a place per call, taken by the sender and freed by the call's
     * completion. The sender always finds one free: it keeps {@link #inFlight} below the bound, and a call frees its
     * place before it lowers the count.
     */
    private final AtomicReferenceArray<CompletableFuture<List<Object>>> calls =
        new AtomicReferenceArray<>(maxInFlight);

    void offer(Request request) {
      queued.incrementAndGet();
      queue.offer(request);
    }

    /** Fails the calls in flight (their completions drain the queue) and drains what is queued, failing it too. */
    void close(RuntimeException gone) {
      for (int i = 0; i < calls.length(); i++) {
        CompletableFuture<List<Object>> call = calls.get(i);
        if (call != null) {
          call.completeExceptionally(gone);
        }
      }
      drain();
    }

    /**
     * Whether the next call may go out now: when none is in flight, whatever is queued; while calls are in flight
     * (fewer than {@link #maxInFlight}), only a full vector ({@link #MAX_BATCH} requests queued). Requests that
     * queue behind a call in flight ride in one call when it answers, so a call sent earlier would carry fewer of
     * them, and on a busy machine a decision's cost is mostly its call's: measured with RedisLoad (8 synchronous
     * threads) on a build that sent whenever fewer than 2 or 4 calls were in flight, the decisions per call fell from
     * 3.3–3.6 to 2.4 and 1.6, and the throughput with them. A full vector cannot grow by waiting, so it goes out at
     * once: a backlog of more than one vector is drained in pipelined calls rather than one round trip each.
     */
    private boolean mayStart() {
      int n = inFlight.get();
      int waiting = queued.get();
      return n == 0 ? waiting > 0 : n < maxInFlight && waiting >= MAX_BATCH;
    }

    /**
     * Sends what is queued while {@link #mayStart} allows (a call that fails at once, e.g. while disconnected, frees
     * its place at once). Nothing here may throw between taking requests off the queue and sending them, nor leave
     * {@link #inFlight} raised for a call that is over: a lane whose places are taken by calls nobody will complete
     * keeps every later request (probes too) waiting for its timeout, and the store in its failure mode while Redis
     * answers. So outcomes are read through {@code whenComplete} (never {@code getNow} or {@code join}, which throw
     * for a failed call), and every call is bounded by the command timeout.
     */
    void drain() {
      while (sending.compareAndSet(false, true)) {
        try {
          List<Request> batch;
          while (mayStart() && (batch = next()) != null) {
            inFlight.incrementAndGet();
            CompletableFuture<List<Object>> call = start(batch);
            int place = 0;
            while (calls.get(place) != null) {
              place++;
            }
            calls.set(place, call);
            int taken = place;
            List<Request> sent = batch;
            call.whenComplete((reply, error) -> {
              calls.set(taken, null);
              inFlight.decrementAndGet();
              // the next call goes out before the answered requests are completed: their callers may run on (a call
              // done at once lands here while this thread still sends: the loop above takes the freed place)
              drain();
              finish(sent, reply, error);
            });
          }
        } finally {
          sending.set(false);
        }
        // a request queued, or a call answered, while this thread was sending found it busy: look again
        if (!mayStart()) {
          return;
        }
      }
    }

    /** For the sender: the queued requests still waiting, up to {@link #MAX_BATCH}, in arrival order; or null. */
    private @Nullable List<Request> next() {
      List<Request> batch = null;
      Request r;
      while ((batch == null || batch.size() < MAX_BATCH) && (r = queue.poll()) != null) {
        queued.decrementAndGet();
        if (!r.isDone()) { // one that timed out while queued is never sent
          if (batch == null) {
            batch = new ArrayList<>(4);
          }
          batch.add(r);
        }
      }
      return batch;
    }
  }

  private CompletableFuture<List<Object>> start(List<Request> batch) {
    CompletableFuture<List<Object>> call;
    try {
      if (batch.size() == 1) {
        // bounded by the request's own timeout (a sync caller's wait, an async caller's timer): no timer of its own
        Request r = batch.get(0);
        call = connector.run(r.script, r.key, r.args);
        r.carriedBy(call);
        return call;
      } else if (allSingleBuckets(batch)) {
        call = connector.run(BatchScript.BUCKETS_SHA, BatchScript.BUCKETS_SOURCE, vectorKeys(batch),
            vectorArgs(batch));
      } else {
        call = connector.run(BatchScript.SHA, BatchScript.SOURCE, vectorKeys(batch), vectorArgs(batch));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return connector.expireLater(call);
  }

  /**
   * The arguments of a one-limit token bucket request, at fixed places in the lean vector script: the prelude's clock,
   * tag and least expiry, then the limit's.
   */
  static final int BUCKET_ARGS = 3 + TokenBucketScript.SINGLE.argsPerLimit();

  /**
   * Whether every request of a vector is a one-limit token bucket's, with the arguments the lean vector script reads
   * at fixed places: it decides the vector then (anything else goes to the general vector script).
   */
  private static boolean allSingleBuckets(List<Request> batch) {
    for (int i = 0; i < batch.size(); i++) {
      Request r = batch.get(i);
      if (r.script != TokenBucketScript.SINGLE || r.args.length != BUCKET_ARGS) {
        return false;
      }
    }
    return true;
  }

  /**
   * The distinct keys of a vector, in order of first use; sets each request's {@link Request#keyIndex}. Vectors are
   * small (at most {@link #MAX_BATCH}) and mostly share a few keys, so a linear search is cheapest.
   */
  private static String[] vectorKeys(List<Request> batch) {
    String[] keys = new String[batch.size()];
    int n = 0;
    for (Request r : batch) {
      int k = 0;
      while (k < n && !keys[k].equals(r.key)) {
        k++;
      }
      if (k == n) {
        keys[n++] = r.key;
      }
      r.keyIndex = k + 1;
    }
    return n == keys.length ? keys : Arrays.copyOf(keys, n);
  }

  /**
   * The arguments of batch.lua: the distinct argument vectors (script index, count, arguments), then the order string
   * of two characters per request (key index, vector index; both at most {@link #MAX_BATCH}, so one UTF-8 byte each).
   * Requests of one policy and cost have equal argument vectors (usually the same array): sending each once spares
   * the server parsing and interning them per request.
   */
  private static String[] vectorArgs(List<Request> batch) {
    List<Request> distinct = new ArrayList<>(4); // the first request of each distinct vector
    char[] order = new char[2 * batch.size()];
    int argCount = 1;
    for (int i = 0; i < batch.size(); i++) {
      Request r = batch.get(i);
      int v = 0;
      while (v < distinct.size() && !sameVector(distinct.get(v), r)) {
        v++;
      }
      if (v == distinct.size()) {
        distinct.add(r);
        argCount += 2 + r.args.length;
      }
      order[2 * i] = (char) r.keyIndex;
      order[2 * i + 1] = (char) (v + 1);
    }
    String[] args = new String[argCount + 1];
    args[0] = Integer.toString(distinct.size());
    int a = 1;
    for (Request first : distinct) {
      args[a++] = BatchScript.index(first.script);
      args[a++] = Integer.toString(first.args.length);
      System.arraycopy(first.args, 0, args, a, first.args.length);
      a += first.args.length;
    }
    args[a] = new String(order);
    return args;
  }

  /** Whether two requests run the same script with equal arguments. */
  private static boolean sameVector(Request a, Request b) {
    return a.script == b.script && (a.args == b.args || Arrays.equals(a.args, b.args));
  }

  @SuppressWarnings("unchecked")
  private void finish(List<Request> batch, @Nullable List<Object> reply, @Nullable Throwable error) {
    if (error instanceof CompletionException && error.getCause() != null) {
      error = error.getCause();
    }
    if (error != null) {
      for (Request r : batch) {
        r.completeExceptionally(error);
      }
      return;
    }
    if (batch.size() == 1) {
      batch.get(0).complete(reply);
      return;
    }
    coalesced.add(batch.size());
    if (reply == null || reply.size() != batch.size()) {
      IllegalStateException wrong = new IllegalStateException("unexpected reply of the vector script for "
          + batch.size() + " requests: " + reply);
      for (Request r : batch) {
        r.completeExceptionally(wrong);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      Object one = reply.get(i);
      Request r = batch.get(i);
      if (one instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof String message) {
        r.completeExceptionally(new RedisCommandExecutionException(message));
      } else if (one instanceof List<?> list) {
        r.complete((List<Object>) list);
      } else {
        r.completeExceptionally(new IllegalStateException("unexpected reply of the vector script: " + one));
      }
    }
  }
}
