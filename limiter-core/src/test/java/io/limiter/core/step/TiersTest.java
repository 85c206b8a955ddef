package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TiersTest {

  @Test
  void parsesTiersWithMultiLimitValuesPercentagesAndADefault() {
    Tiers tiers = Tiers.parse("free=10/minute; pro=100/second; 10000/day, internal=unlimited | Partner=200%; "
        + "default=free");
    assertThat(tiers.tiers()).extracting(Tiers.Tier::name).containsExactly("free", "pro", "internal", "partner");
    assertThat(tiers.tier("PRO").orElseThrow().limits())
        .isEqualTo(StepLimits.of(LimitSpec.parse("100/second; 10000/day")));
    assertThat(tiers.tier("internal").orElseThrow().limits().kind()).isEqualTo(StepLimits.Kind.UNLIMITED);
    assertThat(tiers.tier("partner").orElseThrow().limits().factor()).isEqualTo(2.0);
    assertThat(tiers.tier("gold")).isEmpty();
    assertThat(tiers.tier(null)).isEmpty();
    assertThat(tiers.defaultTier()).contains("free");
    assertThat(tiers.toString()).isEqualTo("free=10/minute; pro=100/second; 10000/day; internal=unlimited; "
        + "partner=200%; default=free");
    assertThat(Tiers.parse(tiers.toString())).isEqualTo(tiers);
    assertThat(Tiers.parse("free=10/minute").defaultTier()).isEmpty();
  }

  @Test
  void everyProblemIsReportedWithItsPosition() {
    String spec = "free=10/minit; Pro=1000/minute; pro=5/s; default=gold; x y=1/s; ban=block; default=free";
    assertThatThrownBy(() -> Tiers.parse(spec, "@RateLimit(tiers) on Api.search"))
        .isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "@RateLimit(tiers) on Api.search: invalid tier spec \"" + spec + "\" at position 8: unknown unit "
                + "\"minit\"; expected one of "
                + "ms, millisecond(s), s, sec(s), second(s), m, min(s), minute(s), "
                + "h, hr(s), hour(s), d, day(s), w, week(s), mo, month(s), y, yr(s), year(s)",
            "@RateLimit(tiers) on Api.search: invalid tier spec \"" + spec + "\" at position 32: tier pro is "
                + "defined twice (names match case-insensitively)",
            "@RateLimit(tiers) on Api.search: invalid tier spec \"" + spec + "\" at position 55: tier name \"x y\" "
                + "contains ' '; expected letters, digits, _, -, . or :",
            "@RateLimit(tiers) on Api.search: invalid tier spec \"" + spec + "\" at position 68: a tier cannot be "
                + "block; expected a rate such as 10/minute, a percentage or unlimited",
            "@RateLimit(tiers) on Api.search: invalid tier spec \"" + spec + "\" at position 75: default is given "
                + "twice; expected it once"));
    assertThatThrownBy(() -> Tiers.parse("free=1/s; default=gold"))
        .hasMessage("invalid tier spec \"free=1/s; default=gold\" at position 18: default tier gold is not defined; "
            + "defined tiers: [free]");
    assertThatThrownBy(() -> Tiers.parse("default=free"))
        .hasMessageContaining("no tiers defined");
    assertThatThrownBy(() -> Tiers.parse(""))
        .hasMessage("invalid tier spec \"\" at position 0: the spec is empty; expected name=value entries");
  }

  @Test
  void theBuilderValidatesToo() {
    Tiers built = Tiers.builder().tier("free", "10/minute").tier("internal", StepLimits.unlimited())
        .defaultTier("FREE").build();
    assertThat(built).isEqualTo(Tiers.parse("free=10/minute; internal=unlimited; default=free"));
    assertThatThrownBy(() -> Tiers.builder().tier("default", "1/s"))
        .hasMessage("\"default\" is reserved for naming the default tier (default=<tier>)");
    assertThatThrownBy(() -> Tiers.builder().tier("a", "1/s").defaultTier("b").build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tierResolversCombine() {
    TierResolver<Map<String, String>> header = ctx -> ctx.get("X-Plan");
    TierResolver<Map<String, String>> resolver = header.orElse(TierResolver.constant("free"));
    assertThat(resolver.resolve(Map.of("X-Plan", "pro"))).isEqualTo("pro");
    assertThat(resolver.resolve(Map.of())).isEqualTo("free");
    assertThat(resolver.resolve(Map.of("X-Plan", " "))).isEqualTo("free");

    TierResolver<List<String>> authorities = TierResolver.fromPrefixed(list -> list, "PLAN_");
    assertThat(authorities.resolve(List.of("ROLE_USER", "PLAN_pro", "PLAN_free"))).isEqualTo("pro");
    assertThat(authorities.resolve(List.of("ROLE_USER", "PLAN_"))).isNull();
    assertThat(TierResolver.<List<String>>fromPrefixed(list -> null, "PLAN_").resolve(List.of())).isNull();
  }
}
