package io.limiter.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.step.StepController;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * {@code step-down=proportional} and {@code percentiles} as typed Boot properties: bound from their relaxed
 * spellings and handed to the controller's parser in its notation.
 */
class AdaptiveProportionalPropertiesTest {

  @Test
  void proportionalStepsAndInterpolatedPercentilesReachTheController() {
    MapConfigurationPropertySource source = new MapConfigurationPropertySource(Map.of(
        "limiter.adaptive.h.latency", "p95 150ms",
        "limiter.adaptive.h.step-down", "proportional",
        "limiter.adaptive.h.percentiles", "interpolated"));
    LimiterProperties.Adaptive typed = new Binder(source)
        .bind("limiter.adaptive.h", LimiterProperties.Adaptive.class).get();
    assertThat(typed.getStepDown()).isEqualTo(LimiterProperties.StepDown.PROPORTIONAL);
    assertThat(typed.toSpec()).containsEntry("step-down", "proportional").containsEntry("percentiles",
        "interpolated");
    assertThat(StepController.fromProperties("h", typed.toSpec(), "property limiter.adaptive.h.", Map.of()).name())
        .isEqualTo("h");

    typed.setPercentiles(LimiterProperties.Percentiles.UPPER_BOUND);
    assertThat(typed.toSpec()).containsEntry("percentiles", "upper-bound");
    assertThat(StepController.fromProperties("h", typed.toSpec(), "property limiter.adaptive.h.", Map.of()).name())
        .isEqualTo("h");
  }
}
