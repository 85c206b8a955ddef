package io.limiter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tier keys of step settings over a request of no particular stack. */
class StepSettingsTest {

  @Test
  void tierKeysReadHeadersAttributesAndThePrincipal() {
    FakeRequest request = new FakeRequest().header("X-Plan", " pro ").attribute("plan", "internal")
        .principal("partner");
    assertThat(StepSettings.parseTierKey("trusted:header:X-Plan").resolve(request)).isEqualTo("pro");
    assertThat(StepSettings.parseTierKey("attribute:plan").resolve(request)).isEqualTo("internal");
    assertThat(StepSettings.parseTierKey("trusted:principal").resolve(request)).isEqualTo("partner");
    assertThatThrownBy(() -> StepSettings.parseTierKey("authority:PLAN_"))
        .hasMessageContaining("only limiter-spring (with Spring Security) understands");
    assertThatThrownBy(() -> StepSettings.parseTierKey("trusted:header:X-Plan, ip")).hasMessageContaining("does not name");
    assertThatThrownBy(() -> StepSettings.parseTierKey("cookie:plan")).hasMessageContaining("is not valid");
  }
}
