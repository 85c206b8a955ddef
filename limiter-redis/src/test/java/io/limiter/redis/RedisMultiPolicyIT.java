package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request's several policies in one script call ({@link io.limiter.core.RateLimitStore#reserveAll}): counted with
 * {@code INFO commandstats} on the server, standalone and on a Cluster, where one call needs every key in one slot.
 */
class RedisMultiPolicyIT {

  private static final Pattern EVALSHA = Pattern.compile("cmdstat_evalsha:calls=(\\d+),");

  /** The EVALSHA calls counted in an {@code INFO commandstats} answer. */
  static long evalshaCalls(String commandStats) {
    Matcher m = EVALSHA.matcher(commandStats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  static LimitPolicy policy(String name, String spec, Algorithm algorithm) {
    return LimitPolicy.builder(name).limits(spec).algorithm(algorithm).build();
  }

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private RedisRateLimitStore store(String prefix) {
    return RedisRateLimitStore.builder().uri(REDIS.uri()).clientResources(REDIS.resources()).keyPrefix(prefix)
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build();
  }

  private long calls() {
    return evalshaCalls(REDIS.command(c -> c.info("commandstats")));
  }

  @Test
  void aRequestsPoliciesAreDecidedInOneRoundTripAllOrNothing() {
    try (RedisRateLimitStore store = store("multi1:")) {
      RateLimiter perHour = RateLimiter.of(policy("per-hour", "3/hour", Algorithm.TOKEN_BUCKET), store);
      RateLimiter global = RateLimiter.of(policy("global", "100/day", Algorithm.FIXED_WINDOW), store);
      RateLimiter sliding = RateLimiter.of(policy("sliding", "100/day", Algorithm.SLIDING_WINDOW), store);
      // warm-up: the connection is up and the vector script is loaded
      Claim.reserveAll(List.of(global.claim("warm", 1), perHour.claim("warm", 1))).forEach(Reservation::refund);
      REDIS.command(c -> c.configResetstat());
      for (int i = 0; i < 3; i++) {
        List<Reservation> all = Claim.reserveAll(List.of(global.claim("g", 1), sliding.claim("a", 1),
            perHour.claim("a", 1)));
        assertThat(all).hasSize(3).allMatch(Reservation::taken).noneMatch(r -> r.decision().degraded());
      }
      assertThat(calls()).as("one EVALSHA per request of three policies").isEqualTo(3);
      List<Reservation> rejected = Claim.reserveAll(List.of(global.claim("g", 1), sliding.claim("a", 1),
          perHour.claim("a", 1)));
      assertThat(rejected).hasSize(3);
      assertThat(rejected.get(2).decision().rejected()).isTrue();
      assertThat(rejected).noneMatch(Reservation::taken);
      assertThat(calls()).as("a rejected request costs one call too, and no refund call").isEqualTo(4);
      // the rejected request took nothing: the global and sliding budgets show 3 used, not 4
      assertThat(global.acquire("g", 1).remaining()).isEqualTo(100 - 4);
      assertThat(sliding.acquire("a", 1).remaining()).isEqualTo(100 - 4);
    }
  }

  @Test
  void aShadowPolicysRejectionDoesNotStopTheGroup() {
    try (RedisRateLimitStore store = store("multi2:")) {
      RateLimiter enforced = RateLimiter.of(policy("enforced", "5/hour", Algorithm.TOKEN_BUCKET), store);
      LimitPolicy shadowPolicy = LimitPolicy.builder("shadow").limits("1/hour").shadow(true).build();
      RateLimiter shadow = RateLimiter.of(shadowPolicy, store);
      for (int i = 0; i < 5; i++) {
        List<Reservation> all = Claim.reserveAll(List.of(shadow.claim("c", 1), enforced.claim("c", 1)));
        assertThat(all).hasSize(2);
        assertThat(all.get(1).taken()).isTrue();
        assertThat(all.get(0).decision().outcome()).isEqualTo(i == 0 ? Decision.Outcome.ALLOWED
            : Decision.Outcome.SHADOW_REJECTED);
      }
      assertThat(enforced.acquire("c").rejected()).isTrue();
    }
  }

  @Test
  void aMovingWindowGoesTheDefaultWayStillAllOrNothing() {
    try (RedisRateLimitStore store = store("multi3:")) {
      RateLimiter moving = RateLimiter.of(policy("moving", "2/hour", Algorithm.MOVING_WINDOW), store);
      RateLimiter bucket = RateLimiter.of(policy("bucket", "10/hour", Algorithm.TOKEN_BUCKET), store);
      Claim.reserveAll(List.of(bucket.claim("warm", 1), moving.claim("warm", 1))).forEach(Reservation::refund);
      REDIS.command(c -> c.configResetstat());
      assertThat(Claim.reserveAll(List.of(bucket.claim("k", 1), moving.claim("k", 1)))).allMatch(Reservation::taken);
      assertThat(calls()).as("one call per policy: the moving window's log is written in place, not in a vector")
          .isEqualTo(2);
      Claim.reserveAll(List.of(bucket.claim("k", 1), moving.claim("k", 1)));
      List<Reservation> rejected = Claim.reserveAll(List.of(bucket.claim("k", 1), moving.claim("k", 1)));
      assertThat(rejected.get(1).decision().rejected()).isTrue();
      assertThat(bucket.acquire("k", 1).remaining()).as("the bucket's permits were refunded").isEqualTo(10 - 3);
    }
  }
}
