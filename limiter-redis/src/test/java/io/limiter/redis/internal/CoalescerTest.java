package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The coalescing lane without a server: calls that fail at once (not connected, a connection being replaced) while
 * other requests queue must leave the lane free, so that the next request is sent (here: fails at once too) instead
 * of waiting for a lane nobody owns until its caller's timeout. A lane left busy kept a store's probes from ever
 * reaching Redis: it stayed in its failure mode after a Sentinel failover although the new primary answered. And the
 * bound on calls in flight: while a call is in flight, only full vectors go out, up to {@link Coalescer#MAX_IN_FLIGHT}
 * calls, in arrival order; each of several calls in flight fails or times out with its own requests only, and frees
 * its place.
 */
class CoalescerTest {

  private static final String[] ARGS = {"1"};
  private final RedisConnector connector = mock(RedisConnector.class);
  private final AtomicInteger calls = new AtomicInteger();
  private final List<CompletableFuture<List<Object>>> offeredMeanwhile = new ArrayList<>();

  CoalescerTest() {
    when(connector.cluster()).thenReturn(false);
    when(connector.timeoutText()).thenReturn("no answer within the command timeout");
  }

  @Test
  void aCallFailingAtOnceWhileAnotherRequestQueuesLeavesTheLaneFree() {
    Coalescer coalescer = new Coalescer(connector, true);
    // while the first call is being sent (the lane is busy), another caller's request arrives; then the call fails
    // at once, as it does while the connection is down or being replaced
    when(connector.run(any(LimitScript.class), anyString(), any(String[].class))).thenAnswer(invocation -> {
      if (calls.incrementAndGet() == 1) {
        offeredMeanwhile.add(coalescer.run(FixedWindowScript.INSTANCE, "b", ARGS));
      }
      return CompletableFuture.failedFuture(new RedisConnectionException("not connected to Redis yet"));
    });

    CompletableFuture<List<Object>> first = coalescer.run(FixedWindowScript.INSTANCE, "a", ARGS);

    assertThat(first).as("the call that failed at once").isCompletedExceptionally();
    assertThatThrownBy(first::join).hasCauseInstanceOf(RedisConnectionException.class);
    assertThat(offeredMeanwhile).singleElement().satisfies(queued -> {
      assertThat(queued).as("the request queued meanwhile: sent after it").isCompletedExceptionally();
      assertThatThrownBy(queued::join).hasCauseInstanceOf(RedisConnectionException.class);
    });
    CompletableFuture<List<Object>> later = coalescer.run(FixedWindowScript.INSTANCE, "c", ARGS);
    assertThat(later).as("a later request finds the lane free and is sent").isCompletedExceptionally();
    assertThat(calls).hasValue(3);
  }

  @Test
  void aVectorCallFailingAtOnceLeavesTheLaneFree() {
    Coalescer coalescer = new Coalescer(connector, true);
    // the first call is in flight; two requests queue behind it and go out together when it answers, as a vector
    // call that fails at once; a request arriving while that happens must not find the lane stuck
    CompletableFuture<List<Object>> inFlight = new CompletableFuture<>();
    when(connector.run(any(LimitScript.class), anyString(), any(String[].class))).thenAnswer(invocation ->
        calls.incrementAndGet() == 1 ? inFlight
            : CompletableFuture.failedFuture(new RedisConnectionException("not connected to Redis yet")));
    when(connector.run(anyString(), anyString(), any(String[].class), any(String[].class))).thenAnswer(
        invocation -> {
          calls.incrementAndGet();
          offeredMeanwhile.add(coalescer.run(FixedWindowScript.INSTANCE, "d", ARGS));
          return CompletableFuture.failedFuture(new RedisConnectionException("Currently not connected"));
        });
    when(connector.expireLater(any())).thenAnswer(invocation -> invocation.getArgument(0));

    CompletableFuture<List<Object>> first = coalescer.run(FixedWindowScript.INSTANCE, "a", ARGS);
    CompletableFuture<List<Object>> second = coalescer.run(FixedWindowScript.INSTANCE, "b", ARGS);
    CompletableFuture<List<Object>> third = coalescer.run(FixedWindowScript.INSTANCE, "c", ARGS);
    assertThat(second).as("queued behind the call in flight").isNotDone();
    inFlight.completeExceptionally(new RedisConnectionException("Connection reset"));

    assertThat(first).isCompletedExceptionally();
    assertThat(second).as("sent in the vector call").isCompletedExceptionally();
    assertThat(third).as("sent in the vector call").isCompletedExceptionally();
    assertThat(offeredMeanwhile).singleElement().satisfies(queued ->
        assertThat(queued).as("the request queued meanwhile: sent after it").isCompletedExceptionally());
    assertThat(coalescer.run(FixedWindowScript.INSTANCE, "e", ARGS)).as("a later request is sent")
        .isCompletedExceptionally();
  }

  /** The calls the mocked connection received, in order: each its keys (one distinct key per request here). */
  private final List<String[]> sent = new ArrayList<>();
  private final List<CompletableFuture<List<Object>>> open = new ArrayList<>();

  /** A coalescer whose calls stay open until the test completes them. */
  private Coalescer pendingCalls() {
    when(connector.run(any(LimitScript.class), anyString(), any(String[].class))).thenAnswer(invocation -> {
      sent.add(new String[] {invocation.getArgument(1)});
      CompletableFuture<List<Object>> call = new CompletableFuture<>();
      open.add(call);
      return call;
    });
    when(connector.run(anyString(), anyString(), any(String[].class), any(String[].class))).thenAnswer(invocation -> {
      sent.add(invocation.getArgument(2));
      CompletableFuture<List<Object>> call = new CompletableFuture<>();
      open.add(call);
      return call;
    });
    when(connector.expireLater(any())).thenAnswer(invocation -> invocation.getArgument(0));
    return new Coalescer(connector, true);
  }

  private static List<CompletableFuture<List<Object>>> submit(Coalescer coalescer, int from, int to) {
    List<CompletableFuture<List<Object>>> replies = new ArrayList<>();
    for (int i = from; i < to; i++) {
      replies.add(coalescer.run(FixedWindowScript.INSTANCE, "k" + i, ARGS));
    }
    return replies;
  }

  private static String[] keys(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "k" + i).toArray(String[]::new);
  }

  /** A vector's reply: one decision (a list) per request. */
  private static List<Object> vectorReply(int requests) {
    List<Object> reply = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      reply.add(List.of(1L, 1L));
    }
    return reply;
  }

  @Test
  void whileACallIsInFlightOnlyFullVectorsGoOutUpToTheBoundInArrivalOrder() {
    Coalescer coalescer = pendingCalls();
    int full = Coalescer.MAX_BATCH;
    int vectors = Coalescer.MAX_IN_FLIGHT - 1; // besides the first call, sent alone
    List<CompletableFuture<List<Object>>> replies = new ArrayList<>(submit(coalescer, 0, 1));
    assertThat(sent).as("an idle lane sends at once, alone").hasSize(1);
    replies.addAll(submit(coalescer, 1, full));
    assertThat(sent).as("fewer than a full vector wait for the call in flight").hasSize(1);
    replies.addAll(submit(coalescer, full, 1 + vectors * full + 10));
    assertThat(sent).as("full vectors go out while the call is in flight, up to the bound").hasSize(
        Coalescer.MAX_IN_FLIGHT);
    for (int c = 1; c < Coalescer.MAX_IN_FLIGHT; c++) {
      assertThat(sent.get(c)).as("call %d: the next full vector in arrival order", c)
          .containsExactly(keys(1 + (c - 1) * full, 1 + c * full));
    }
    assertThat(replies.subList(1 + vectors * full, replies.size()))
        .as("queued beyond the bound").allSatisfy(r -> assertThat(r).isNotDone());

    open.get(0).complete(List.of(1L, 1L));
    assertThat(replies.get(0)).isCompletedWithValue(List.of(1L, 1L));
    assertThat(sent).as("calls still in flight: what queued is not a full vector and waits").hasSize(
        Coalescer.MAX_IN_FLIGHT);
    for (int c = 1; c < Coalescer.MAX_IN_FLIGHT; c++) {
      open.get(c).complete(vectorReply(sent.get(c).length));
    }
    assertThat(sent).as("nothing in flight: the rest goes out").hasSize(Coalescer.MAX_IN_FLIGHT + 1);
    assertThat(sent.get(Coalescer.MAX_IN_FLIGHT)).containsExactly(keys(1 + vectors * full, 1 + vectors * full + 10));
    open.get(Coalescer.MAX_IN_FLIGHT).complete(vectorReply(10));
    assertThat(replies).allSatisfy(r -> assertThat(r).isCompletedWithValue(List.of(1L, 1L)));
    submit(coalescer, 1000, 1001);
    assertThat(sent).as("every call answered: the next request goes out at once").hasSize(
        Coalescer.MAX_IN_FLIGHT + 2);
    assertThat(coalescer.coalesced()).isEqualTo(3L * full + 10);
  }

  @Test
  void eachOfSeveralCallsInFlightFailsOrTimesOutWithItsOwnRequestsOnlyAndFreesItsPlace() {
    Coalescer coalescer = pendingCalls();
    int full = Coalescer.MAX_BATCH;
    CompletableFuture<List<Object>> solo = submit(coalescer, 0, 1).get(0);
    List<CompletableFuture<List<Object>>> second = submit(coalescer, 1, 1 + full);
    List<CompletableFuture<List<Object>>> third = submit(coalescer, 1 + full, 1 + 2 * full);
    List<CompletableFuture<List<Object>>> fourth = submit(coalescer, 1 + 2 * full, 1 + 3 * full);
    List<CompletableFuture<List<Object>>> waiting = submit(coalescer, 1 + 3 * full, 1 + 3 * full + 5);
    assertThat(sent).hasSize(4);

    // the connection drops the second call; the third times out (its timer); the others are still open
    open.get(1).completeExceptionally(new RedisConnectionException("Connection reset"));
    assertThat(second).allSatisfy(r -> assertThatThrownBy(r::join).hasCauseInstanceOf(
        RedisConnectionException.class));
    assertThat(third).allSatisfy(r -> assertThat(r).isNotDone());
    assertThat(sent).as("three calls in flight and fewer than a full vector queued: nothing more goes out")
        .hasSize(4);
    open.get(2).completeExceptionally(new RedisCommandTimeoutException("no answer within the command timeout"));
    assertThat(third).allSatisfy(r -> assertThatThrownBy(r::join).hasCauseInstanceOf(
        RedisCommandTimeoutException.class));
    assertThat(solo).isNotDone();
    assertThat(fourth).allSatisfy(r -> assertThat(r).isNotDone());

    open.get(0).complete(List.of(1L, 0L));
    assertThat(solo).isCompletedWithValue(List.of(1L, 0L));
    assertThat(sent).as("nothing else in flight... but the fourth call: still only full vectors").hasSize(4);
    open.get(3).completeExceptionally(new RedisConnectionException("Connection closed"));
    assertThat(fourth).allSatisfy(r -> assertThat(r).isCompletedExceptionally());
    assertThat(sent).as("the lane is free: what waited goes out").hasSize(5);
    assertThat(Arrays.asList(sent.get(4))).containsExactly(keys(1 + 3 * full, 1 + 3 * full + 5));
    open.get(4).complete(vectorReply(5));
    assertThat(waiting).allSatisfy(r -> assertThat(r).isCompletedWithValue(List.of(1L, 1L)));
    submit(coalescer, 2000, 2001);
    assertThat(sent).as("no place left taken by a call that is over").hasSize(6);
  }

  @Test
  void closingFailsEveryCallInFlightAndEveryQueuedRequest() {
    Coalescer coalescer = pendingCalls();
    List<CompletableFuture<List<Object>>> replies = submit(coalescer, 0, 2 * Coalescer.MAX_BATCH + 3);
    assertThat(sent).hasSize(3);
    // once closed, the connector fails every call at once, as it does after close()
    when(connector.run(anyString(), anyString(), any(String[].class), any(String[].class))).thenAnswer(
        invocation -> CompletableFuture.failedFuture(new RedisConnectionException("closed")));
    coalescer.close();
    assertThat(replies).allSatisfy(r -> assertThat(r).isCompletedExceptionally());
  }

  @Test
  void aVectorOfOneLimitTokenBucketsGoesOutAsTheLeanVectorScriptAndAnyOtherAsTheGeneralOne() {
    Coalescer coalescer = new Coalescer(connector, true);
    CompletableFuture<List<Object>> inFlight = new CompletableFuture<>();
    List<String> vectorScripts = new ArrayList<>();
    when(connector.run(any(LimitScript.class), anyString(), any(String[].class))).thenReturn(inFlight);
    when(connector.run(anyString(), anyString(), any(String[].class), any(String[].class))).thenAnswer(
        invocation -> {
          vectorScripts.add(invocation.getArgument(0));
          return new CompletableFuture<>();
        });
    String[] bucket = {"", "g1:", "1000", "1", "0", "5", "0", "1000"};

    coalescer.run(TokenBucketScript.SINGLE, "alone", bucket); // in flight: what follows queues
    coalescer.run(TokenBucketScript.SINGLE, "a", bucket);
    coalescer.run(TokenBucketScript.SINGLE, "b", bucket);
    inFlight.complete(List.of());

    assertThat(vectorScripts).containsExactly(BatchScript.BUCKETS_SHA);
    assertThat(BatchScript.BUCKETS_SHA).isEqualTo(LimitScript.sha1(BatchScript.BUCKETS_SOURCE))
        .isNotEqualTo(BatchScript.SHA);

    Coalescer mixed = new Coalescer(connector, true);
    CompletableFuture<List<Object>> second = new CompletableFuture<>();
    when(connector.run(any(LimitScript.class), anyString(), any(String[].class))).thenReturn(second);
    mixed.run(TokenBucketScript.SINGLE, "alone", bucket);
    mixed.run(TokenBucketScript.SINGLE, "a", bucket);
    mixed.run(FixedWindowScript.INSTANCE, "b", ARGS);
    second.complete(List.of());

    assertThat(vectorScripts).containsExactly(BatchScript.BUCKETS_SHA, BatchScript.SHA);
    // the lean script reads a request's arguments at fixed places: a one-limit bucket with any other number of
    // them (a future argument the lean script does not know) goes to the general script, never misread
    assertThat(bucket).hasSize(Coalescer.BUCKET_ARGS);
    Coalescer longer = new Coalescer(connector, true);
    CompletableFuture<List<Object>> third = new CompletableFuture<>();
    when(connector.run(any(LimitScript.class), anyString(), any(String[].class))).thenReturn(third);
    String[] extra = Arrays.copyOf(bucket, bucket.length + 1);
    extra[bucket.length] = "1";
    longer.run(TokenBucketScript.SINGLE, "alone", bucket);
    longer.run(TokenBucketScript.SINGLE, "a", bucket);
    longer.run(TokenBucketScript.SINGLE, "b", extra);
    third.complete(List.of());

    assertThat(vectorScripts).containsExactly(BatchScript.BUCKETS_SHA, BatchScript.SHA, BatchScript.SHA);
  }
}
