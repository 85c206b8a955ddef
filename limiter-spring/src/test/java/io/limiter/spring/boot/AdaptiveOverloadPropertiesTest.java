package io.limiter.spring.boot;

import io.limiter.core.settings.Percentage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.step.StepController;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The step controller's overload settings (issue 17) as typed Boot properties, handed to the controller's parser. */
class AdaptiveOverloadPropertiesTest {

  @Test
  void theOverloadSettingsReachTheControllerInItsNotation() {
    LimiterProperties.Adaptive typed = new LimiterProperties.Adaptive();
    typed.setLatency("p95 150ms");
    assertThat(typed.toSpec()).doesNotContainKeys("fast-down", "step-down", "fast-up", "probe-backoff",
        "probe-revert");

    typed.setFastDown(Percentage.OFF);
    typed.setStepDown(LimiterProperties.StepDown.ONE);
    typed.setFastUp(Percentage.valueOf("40%"));
    typed.setProbeBackoff(4);
    typed.setProbeRevert(false);
    assertThat(typed.toSpec()).containsEntry("fast-down", "off").containsEntry("step-down", "one")
        .containsEntry("fast-up", "40%").containsEntry("probe-backoff", "4").containsEntry("probe-revert", "off");
    assertThat(StepController.fromProperties("h", typed.toSpec(), "property limiter.adaptive.h.", Map.of()).name())
        .isEqualTo("h");

    typed.setProbeBackoff(9);
    typed.setFastDown(Percentage.valueOf("90%"));
    assertThatThrownBy(() -> StepController.fromProperties("h", typed.toSpec(), "property limiter.adaptive.h.",
        Map.of())).isInstanceOf(RateLimitConfigException.class)
        .hasMessageContaining("property limiter.adaptive.h.fast-down: invalid value \"90%\" at position 0: "
            + "fast-down must be above 100% of the latency target but was 90%")
        .hasMessageContaining("property limiter.adaptive.h.probe-backoff: invalid value \"9\" at position 0: "
            + "probe-backoff must be between 1 and 8 but was 9");
  }
}
