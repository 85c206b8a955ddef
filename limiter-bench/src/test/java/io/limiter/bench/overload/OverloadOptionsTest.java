package io.limiter.bench.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitConfigException;
import org.junit.jupiter.api.Test;

/** The overload benchmark's {@code --variant} option: extra {@code steps-conc} contenders compared in the same run. */
class OverloadOptionsTest {

  @Test
  void variantsAreKeptInOrderAndBuildTheirFilters() {
    OverloadBenchmark.Options o = OverloadBenchmark.Options.parse("--variant",
        "prop=step-down=proportional; fast-down=105%; cooldown=1s", "--variant", " interp = percentiles=interpolated");
    assertThat(o.variants()).containsExactly(
        java.util.Map.entry("prop", "step-down=proportional; fast-down=105%; cooldown=1s"),
        java.util.Map.entry("interp", "percentiles=interpolated"));
    Contender c = Contender.stepsConc("prop", o.variants().get("prop"));
    assertThat(c.filter().create(new Contender.Settings(200, 150, 0.25), change -> { })).isNotNull();
    // the documented comparison with steps-conc's settings before proportional steps
    assertThat(Contender.stepsConc("steps-conc-scaled", Contender.TUNED_SCALED).filter()
        .create(new Contender.Settings(200, 150, 0.25), change -> { })).isNotNull();
  }

  @Test
  void aBadVariantFailsBeforeAnythingRuns() {
    assertThatThrownBy(() -> OverloadBenchmark.Options.parse("--variant", "no-settings"))
        .hasMessage("--variant expects NAME=SETTINGS but was \"no-settings\"");
    assertThatThrownBy(() -> OverloadBenchmark.Options.parse("--variant", "a=x", "--variant", "a=y"))
        .hasMessage("--variant a is given twice");
    Contender wrong = Contender.stepsConc("w", "step-down=sideways");
    assertThatThrownBy(() -> wrong.filter().create(new Contender.Settings(200, 150, 0.25), change -> { }))
        .isInstanceOf(RateLimitConfigException.class).hasMessageContaining("expected scaled, one or proportional");
  }
}
