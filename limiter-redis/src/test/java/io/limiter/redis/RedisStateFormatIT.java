package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.limiter.core.Algorithm;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The stored value: the shape tag (algorithm letter and the limits' periods in nanoseconds, base 36, shortest first),
 * a colon and the state words as big-endian doubles; a value of any other shape under the key (another algorithm's,
 * other periods or number of limits, the tags and decimal text of earlier builds, garbage) counts as no state, never
 * as a misread one.
 */
class RedisStateFormatIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static RedisClient client;
  private static StatefulRedisConnection<byte[], byte[]> binary;
  private static RedisRateLimitStore store;

  @BeforeAll
  static void connect() {
    client = RedisClient.create(REDIS.resources(), REDIS.uri());
    binary = client.connect(ByteArrayCodec.INSTANCE);
    store = RedisRateLimitStore.builder().uri(REDIS.uri()).commandTimeout(Duration.ofSeconds(30))
        .connectTimeout(Duration.ofSeconds(30)).build();
  }

  @AfterAll
  static void close() {
    store.close();
    binary.close();
    client.shutdown();
  }

  private static byte[] raw(String key) {
    return binary.sync().get(key.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void theValueIsTheTagAndTwoOrThreeDoublesPerLimit(Algorithm algorithm) {
    LimitPolicy policy = LimitPolicy.builder("format-" + algorithm).limits("5/minute; 50/hour")
        .algorithm(algorithm).build();
    assertThat(RateLimiter.of(policy, store).acquire("client")).isAllowed();

    byte[] value = raw(store.redisKey(policy.name(), "client"));
    // a moving window keeps per limit a header (size of its log, entries, newest position) and the log itself
    int words = algorithm == Algorithm.SLIDING_WINDOW ? 3 : 2;
    int allWords = algorithm == Algorithm.MOVING_WINDOW ? 3 + 5 + 3 + 50 : 2 * words;
    String periods = Long.toString(60_000_000_000L, 36) + "." + Long.toString(3_600_000_000_000L, 36) + ":";
    String tag = switch (algorithm) {
      case TOKEN_BUCKET -> "g" + periods;
      case FIXED_WINDOW -> "f" + periods;
      case SLIDING_WINDOW -> "s" + periods;
      case MOVING_WINDOW -> "m" + periods;
      case CONCURRENCY -> throw new IllegalArgumentException("not a rate: excluded above");
    };
    assertThat(new String(value, 0, tag.length(), StandardCharsets.US_ASCII)).isEqualTo(tag);
    assertThat(value).hasSize(tag.length() + allWords * Double.BYTES);
    ByteBuffer doubles = ByteBuffer.wrap(value, tag.length(), value.length - tag.length()); // big-endian, as '>d'
    for (int i = 0; i < allWords; i++) {
      double word = doubles.getDouble();
      assertThat(word).as("word %d is a whole number", i).isEqualTo(Math.rint(word)).isNotNegative();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 8, 23, 24, 24 + 8, 24 + 3 * 8 - 1, 24 + 3 * 8 + 1})
  void aMovingWindowLogOfAnotherLengthCountsAsNoState(int length) {
    LimitPolicy policy = LimitPolicy.builder("foreign-log").limits("3/minute").algorithm(Algorithm.MOVING_WINDOW)
        .build();
    String client = "client-" + length;
    String key = store.redisKey(policy.name(), client);
    String tag = "m" + Long.toString(60_000_000_000L, 36) + ":";
    // a header claiming a full log of 3 (newest at 2), cut to or padded past its length
    ByteBuffer log = ByteBuffer.allocate(24 + 3 * 8 + 1).putDouble(3).putDouble(3).putDouble(2);
    long now = System.currentTimeMillis() * 1000;
    log.putDouble(now).putDouble(now).putDouble(now);
    byte[] value = new byte[tag.length() + length];
    System.arraycopy(tag.getBytes(StandardCharsets.US_ASCII), 0, value, 0, tag.length());
    System.arraycopy(log.array(), 0, value, tag.length(), length);
    binary.sync().set(key.getBytes(StandardCharsets.UTF_8), value);
    RateLimiter limiter = RateLimiter.of(policy, store);

    assertThat(limiter.acquire(client)).isAllowed().hasRemaining(2);
    assertThat(raw(key)).hasSize(tag.length() + 24 + 3 * 8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"g1,99999999999999999,0", "f1:0123456789abcdef", "g2:0123456789abcdef", "g1:short",
      "g1:0123456789abcdefX", "", "\u0000\u0001", "g1:0123456789abcdef", "gsa7ylc0:0123456789abcdef",
      "frkag8ao:0123456789abcdef", "grkag8ao:short", "grkag8ao.19xtf1ts0:0123456789abcdef0123456789abcdef"})
  void aValueOfAnotherShapeCountsAsNoState(String foreign) {
    LimitPolicy policy = LimitPolicy.of("foreign", "3/minute");
    String client = "client-" + Integer.toHexString(foreign.hashCode());
    String key = store.redisKey(policy.name(), client);
    binary.sync().set(key.getBytes(StandardCharsets.UTF_8), foreign.getBytes(StandardCharsets.ISO_8859_1));
    RateLimiter limiter = RateLimiter.of(policy, store);

    assertThat(limiter.acquire(client)).isAllowed().hasRemaining(2);
    byte[] rewritten = raw(key);
    String tag = "g" + Long.toString(60_000_000_000L, 36) + ":";
    assertThat(new String(rewritten, 0, tag.length(), StandardCharsets.US_ASCII)).isEqualTo(tag);
    assertThat(rewritten).hasSize(tag.length() + 16);
    assertThat(limiter.acquire(client)).isAllowed().hasRemaining(1);
  }
}
