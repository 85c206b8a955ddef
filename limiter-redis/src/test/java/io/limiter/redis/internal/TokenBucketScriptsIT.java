package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.limiter.core.LimitPolicy;
import io.limiter.redis.RedisExtension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The single-limit token bucket script is an optimization of the general one, so it must be indistinguishable from
 * it: for random limits and request sequences on a test clock, both give the same replies and store the same bytes,
 * and a key that the two take turns on decides exactly as a key that only one of them sees.
 */
class TokenBucketScriptsIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static final String[] UNITS = {"second", "minute", "hour", "day"};

  @Test
  void theSingleLimitScriptDecidesExactlyAsTheGeneralOne() {
    RedisClient client = RedisClient.create(REDIS.resources(), REDIS.uri());
    try (var connection = client.connect(ByteArrayCodec.INSTANCE)) {
      RedisCommands<byte[], byte[]> redis = connection.sync();
      Random random = new Random(20261126);
      int[] outcomes = new int[2];
      for (int round = 0; round < 40; round++) {
        int permits = 1 + random.nextInt(50);
        int periods = 1 + random.nextInt(7);
        String spec = permits + "/" + periods + " " + UNITS[random.nextInt(UNITS.length)]
            + (random.nextBoolean() ? " burst " + (1 + random.nextInt(2 * permits)) : "");
        LimitPolicy policy = LimitPolicy.of("p" + round, spec);
        ScriptPolicy prepared = ScriptPolicy.of(policy, 1000);
        assertThat(prepared.script).isSameAs(TokenBucketScript.SINGLE);
        long burst = policy.limits().get(0).burst();
        long interval = policy.limits().get(0).emissionIntervalNanos();
        long nowMicros = 1_700_000_000_000_000L + random.nextInt(1_000_000);
        for (int step = 0; step < 120; step++) {
          // mostly faster than the rate, so that requests are rejected as well as admitted
          nowMicros += (long) (random.nextDouble() * random.nextDouble() * 2 * interval / 1000);
          long cost = random.nextInt(20) == 0 ? burst + 1 : 1 + random.nextInt(3);
          String[] args = prepared.args(cost, Long.toString(nowMicros));
          String where = spec + ", step " + step + ", cost " + cost + ", at " + nowMicros + " µs";

          List<Object> general = run(redis, TokenBucketScript.INSTANCE, "general:" + round, args);
          List<Object> single = run(redis, TokenBucketScript.SINGLE, "single:" + round, args);
          LimitScript turn = step % 2 == 0 ? TokenBucketScript.SINGLE : TokenBucketScript.INSTANCE;
          List<Object> alternating = run(redis, turn, "alternating:" + round, args);

          assertThat(single).as(where).isEqualTo(general);
          outcomes[((Number) general.get(1)).intValue()]++;
          assertThat(alternating).as(where).isEqualTo(general);
          byte[] state = redis.get(bytes("general:" + round));
          assertThat(redis.get(bytes("single:" + round))).as(where).isEqualTo(state);
          assertThat(redis.get(bytes("alternating:" + round))).as(where).isEqualTo(state);
          if (state != null) { // rejections write nothing, so a key may not exist yet
            assertThat(redis.pttl(bytes("single:" + round))).as(where).isPositive();
          }
        }
      }
      assertThat(outcomes[0]).as("rejected").isGreaterThan(300);
      assertThat(outcomes[1]).as("admitted").isGreaterThan(300);
    } finally {
      client.shutdown();
    }
  }

  private static List<Object> run(RedisCommands<byte[], byte[]> redis, LimitScript script, String key,
      String[] args) {
    byte[][] values = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      values[i] = bytes(args[i]);
    }
    return redis.eval(script.source(), ScriptOutputType.MULTI, new byte[][] {bytes(key)}, values);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
