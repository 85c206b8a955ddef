package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The grammar's two laws, as properties: total (parse or our one exception) and round-tripping. */
class LimitSpecProperties {

  @Property(tries = 3000)
  void anyStringEitherParsesOrThrowsTheDocumentedException(@ForAll("specLikeStrings") String input) {
    try {
      LimitSpec spec = LimitSpec.parse(input);
      assertThat(spec.limits()).isNotEmpty();
    } catch (LimitSpecException e) {
      assertThat(e.input()).isEqualTo(input);
      assertThat(e.position()).isBetween(0, input.length());
      assertThat(e.getMessage()).contains(input);
    }
  }

  @Property(tries = 1000)
  void arbitraryUnicodeNeverEscapesTheContract(@ForAll String input) {
    try {
      LimitSpec.parse(input);
    } catch (LimitSpecException e) {
      assertThat(e.input()).isEqualTo(input);
    }
  }

  @Property(tries = 2000)
  void canonicalFormRoundTrips(@ForAll("specs") LimitSpec spec) {
    assertThat(LimitSpec.parse(spec.toString())).isEqualTo(spec);
    assertThat(LimitSpec.parse(spec.toString()).toString()).isEqualTo(spec.toString());
  }

  @Provide
  Arbitrary<String> specLikeStrings() {
    Arbitrary<String> tokens = Arbitraries.of("10", "0", "5", "/", " per ", "per", " ", ";", ",", "|", "2",
        "second", "seconds", "s", "m", "min", "minute", "h", "hour", "day", "d", "week", "month", "mo", "year", "y",
        "ms", "burst", " burst ", "x", "-", "9223372036854775808", "1000000000", "3650", "days", "\t", ".",
        "warmup", " warmup ", "PT", "30s", "P1D", "S");
    return tokens.list().ofMinSize(0).ofMaxSize(12).map(list -> String.join("", list));
  }

  @Provide
  Arbitrary<LimitSpec> specs() {
    Arbitrary<Long> units = Arbitraries.of(1L, 1000L, 60_000L, 3_600_000L, 86_400_000L, 7 * 86_400_000L,
        30 * 86_400_000L, 360 * 86_400_000L);
    Arbitrary<Limit> limit = Combinators.combine(
            Arbitraries.longs().between(1, 1_000_000),
            Arbitraries.longs().between(1, 400),
            units,
            Arbitraries.longs().between(1, 1_000_000).injectNull(0.5),
            Arbitraries.longs().between(1, 3650L * 86_400_000L).injectNull(0.6))
        .as((permits, multiple, unitMillis, burst, warmupMillis) -> {
          long millis = Math.min(multiple * unitMillis, 3650L * 86_400_000L);
          Limit plain = Limit.of(permits, Duration.ofMillis(millis));
          // a burst is only valid while it refills within 2^62 ns; slow rates with a large burst exceed that
          Limit bucket = burst == null || burst > (1L << 62) / plain.emissionIntervalNanos() ? plain
              : Limit.of(permits, Duration.ofMillis(millis), burst);
          // a warm-up only for rates up to one permit per 10 µs, and bursts that refill within 2^62 / 3 ns
          return warmupMillis == null || bucket.emissionIntervalNanos() < 10_000
              || bucket.burst() > (1L << 62) / 3 / bucket.emissionIntervalNanos() ? bucket
              : bucket.withWarmup(Duration.ofMillis(warmupMillis));
        });
    return limit.list().ofMinSize(1).ofMaxSize(4).map(limits -> {
      List<Limit> distinct = new ArrayList<>();
      for (Limit l : limits) {
        if (distinct.stream().noneMatch(d -> d.periodNanos() == l.periodNanos())) {
          distinct.add(l);
        }
      }
      return LimitSpec.of(distinct);
    });
  }
}
