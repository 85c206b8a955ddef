package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.lettuce.core.RedisConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The coalescing lane without a server: calls that fail at once (not connected, a connection being replaced) while
 * other requests queue must leave the lane free, so that the next request is sent (here: fails at once too) instead
 * of waiting for a lane nobody owns until its caller's timeout. A lane left busy kept a store's probes from ever
 * reaching Redis: it stayed in its failure mode after a Sentinel failover although the new primary answered.
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
}
