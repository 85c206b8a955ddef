package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the watch does with Sentinel's announcements, without sentinels: forged, foreign and repeated messages. */
class SentinelWatchTest {

  private final RedisClient client = RedisClient.create();
  private final List<String> moves = new ArrayList<>();
  private final SentinelWatch.Connect throughSentinels = () -> CompletableFuture.failedFuture(
      new IllegalStateException("not in this test"));
  /** No sentinel URIs: nothing is subscribed, messages are fed by hand. */
  private final SentinelWatch watch = SentinelWatch.start(client, masterOnly(), throughSentinels,
      connect -> moves.add(connect == throughSentinels ? "sentinels" : "direct"));

  private static RedisURI masterOnly() {
    RedisURI uri = RedisURI.create("redis://127.0.0.1:1");
    uri.setSentinelMasterId("mymaster");
    return uri;
  }

  @AfterEach
  void close() {
    watch.close();
    client.shutdown();
  }

  @Test
  void eachStepMovesOnceWhateverTheNumberOfSentinelsAnnouncingIt() {
    for (int sentinel = 0; sentinel < 3; sentinel++) {
      watch.announced(SentinelWatch.PROMOTION, "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 7000");
    }
    for (int sentinel = 0; sentinel < 3; sentinel++) {
      watch.announced(SentinelWatch.SWITCH, "mymaster 127.0.0.1 7000 127.0.0.1 7001");
    }
    assertThat(moves).containsExactly("direct", "sentinels");
  }

  @Test
  void otherMastersOtherChannelsAndMalformedMessagesAreIgnored() {
    watch.announced(SentinelWatch.SWITCH, "othermaster 127.0.0.1 7000 127.0.0.1 7001");
    watch.announced(SentinelWatch.PROMOTION, "slave 127.0.0.1:7001 127.0.0.1 7001 @ othermaster 127.0.0.1 7000");
    watch.announced(SentinelWatch.PROMOTION, "slave 127.0.0.1:7001 127.0.0.1 notaport @ mymaster 127.0.0.1 7000");
    watch.announced(SentinelWatch.PROMOTION, "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster");
    watch.announced(SentinelWatch.SWITCH, "mymaster 127.0.0.1 7000");
    watch.announced("+sdown", "master mymaster 127.0.0.1 7000");
    watch.announced(SentinelWatch.SWITCH, null);
    assertThat(moves).isEmpty();
  }

  @Test
  void anAbortedFailoverGoesBackToTheSentinelsAndALaterPromotionCountsAgain() {
    watch.announced(SentinelWatch.PROMOTION, "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 7000");
    watch.announced(SentinelWatch.ABORTED, "master mymaster 127.0.0.1 7000");
    watch.announced(SentinelWatch.ABORTED, "master mymaster 127.0.0.1 7000");
    watch.announced(SentinelWatch.PROMOTION, "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 7000");
    assertThat(moves).containsExactly("direct", "sentinels", "direct");
  }

  @Test
  void nothingMovesAfterClose() {
    watch.close();
    watch.announced(SentinelWatch.SWITCH, "mymaster 127.0.0.1 7000 127.0.0.1 7001");
    assertThat(moves).isEmpty();
  }
}
