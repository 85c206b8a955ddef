package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.step.StepController;
import io.limiter.web.RateLimitRule;
import io.limiter.web.StepSettings;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Step settings from init-params and the builders: every problem reported at init, each naming its source. */
class StepSettingsTest {

  private static RateLimitConfigException initFails(Map<String, String> params) {
    return (RateLimitConfigException) FilterSettingsTest.initFails(params).getCause();
  }

  @Test
  void everyStepProblemOfTheInitParamsIsReportedAtOnceNamingTheInitParam() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("adaptive.health", "levels=100%, 50%; down-after=0");
    params.put("adaptive.fine", "latency=p95 250ms");
    params.put("rule.a.paths", "/a");
    params.put("rule.a.limits", "10/minute");
    params.put("rule.a.tiers", "free=10/minit");
    params.put("rule.a.tier-key", "trusted:header:X-Plan");
    params.put("rule.b.paths", "/b");
    params.put("rule.b.limits", "10/minute");
    params.put("rule.b.tiers", "free=5/minute");
    params.put("rule.c.paths", "/c");
    params.put("rule.c.limits", "10/minute");
    params.put("rule.c.adaptive", "nope");
    params.put("rule.d.paths", "/d");
    params.put("rule.d.policy", "p");
    params.put("rule.d.penalty", "5/minute -> block for 10m");
    params.put("policy.p.limits", "10/minute");
    params.put("policy.p.schedule", "zone=Nowhere/Special; Mon = 50%");
    params.put("rule.e.paths", "/e");
    params.put("rule.e.limits", "10/minute");
    params.put("rule.e.tiers", "pro=10/second; 100/minute");
    params.put("rule.e.tier-key", "attribute:plan");
    params.put("rule.f.paths", "/f");
    params.put("rule.f.limits", "10/minute");
    params.put("rule.f.tiers", "pro=20/minute");
    params.put("rule.f.tier-key", "ip");
    params.put("rule.g.paths", "/g");
    params.put("rule.g.limits", "10/minute");
    params.put("rule.g.penalty", "5/minute => block");
    params.put("rule.h.paths", "/h");
    params.put("rule.h.limits", "10/minute");
    params.put("rule.h.tiers", "free=5/minute; internal=unlimited");
    params.put("rule.h.tier-key", "header:X-Plan");
    params.put("rule.i.paths", "/i");
    params.put("rule.i.limits", "10/minute");
    params.put("rule.i.tiers", "free=5/minute; internal=unlimited");
    params.put("rule.i.tier-key", "principal");
    params.put("health-signals", "com.example.QueueDepth");
    assertThat(initFails(params).problems())
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.h.tier-key").contains("tier key \"header:X-Plan\" "
            + "is refused: any client can send that header and pick its own plan").contains("write "
            + "trusted:header:X-Plan"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.i.tier-key").contains("tier key \"principal\" is "
            + "refused: the principal's name is the user name, which users may choose"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param adaptive.health: invalid controller spec")
            .contains("down-after"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.tiers: invalid tier spec \"free=10/minit\" at "
            + "position").contains("minit"))
        .anySatisfy(p -> assertThat(p).isEqualTo("init-param rule.b.*: tiers need a tier key (init-param rule.b.tier-key, e.g. "
            + "attribute:plan) to find a call's tier"))
        .anySatisfy(p -> assertThat(p).isEqualTo("init-param rule.c.adaptive: unknown step controller \"nope\"; known "
            + "controllers: [fine]"))
        .anySatisfy(p -> assertThat(p).isEqualTo("init-param rule.d.*: penalty belongs to inline limits; set it on the policy p "
            + "instead"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param policy.p.schedule: invalid schedule spec"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.e.*: policy e: tier pro has 2 limits"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.f.tier-key=\"ip\": tier key \"ip\" does not name "
            + "a tier"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.g.penalty: invalid penalty spec"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param health-signals=\"com.example.QueueDepth\": class "
            + "com.example.QueueDepth not found"));
  }

  /** A filter config whose context registers one servlet of this class. */
  private static FilterConfig configWithServlet(Class<?> servlet) {
    ServletContext context = mock(ServletContext.class);
    when(context.getClassLoader()).thenReturn(StepSettingsTest.class.getClassLoader());
    jakarta.servlet.ServletRegistration registration = mock(jakarta.servlet.ServletRegistration.class);
    when(registration.getClassName()).thenReturn(servlet.getName());
    Map<String, jakarta.servlet.ServletRegistration> registrations = Map.of("bad", registration);
    org.mockito.Mockito.doReturn(registrations).when(context).getServletRegistrations();
    FilterConfig config = mock(FilterConfig.class);
    when(config.getServletContext()).thenReturn(context);
    when(config.getFilterName()).thenReturn("limits");
    when(config.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
    return config;
  }

  @Test
  void aServletAnnotationWithMaxWaitFailsInit() {
    RateLimitFilter filter = RateLimitFilter.builder().build();
    assertThatThrownBy(() -> filter.init(configWithServlet(Waiting.class))).isInstanceOf(ServletException.class)
        .cause().isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).endsWith(": maxWait is for outbound calls limited by limiter-spring; the "
                + "servlet filter never holds a request waiting for a permit")));
  }

  /** maxWait on a servlet: the filter never waits. */
  @io.limiter.annotation.RateLimit(value = "10/minute", maxWait = "2s")
  static final class Waiting extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;
  }

  @Test
  void aServletAnnotationWithBadStepsFailsInit() {
    RateLimitFilter filter = RateLimitFilter.builder().build();
    FilterConfig config = configWithServlet(BadSteps.class);
    assertThatThrownBy(() -> filter.init(config)).isInstanceOf(ServletException.class)
        .cause().isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p).isEqualTo("@RateLimit(tierKey) on class " + BadSteps.class.getName()
                + ": tier key \"#plan\" is a SpEL expression, which only limiter-spring evaluates; the "
                + "servlet filter understands header:<name>, attribute:<name> and principal"))
            .anySatisfy(p -> assertThat(p).isEqualTo("@RateLimit(adaptive) on class " + BadSteps.class.getName()
                + ": unknown step controller \"api-health\"; known "
                + "controllers: none")));
  }

  @Test
  void builderProblemsAreCollectedToo() {
    StepController owned = StepController.builder("h").build();
    assertThatThrownBy(() -> RateLimitFilter.builder()
        .controllers(new io.limiter.core.step.StepControllerRegistry())
        .controller(owned)
        .policy(LimitPolicy.of("p", "10/minute"), StepSettings.builder().tierKey("trusted:header:X-Plan").build())
        .rule(RateLimitRule.builder("r").paths("/r").policy("p").build())
        .build())
        .isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "controllers (a registry) and controller are both set; register the controllers in the registry",
            "policy p tier-key: tier key \"trusted:header:X-Plan\" needs tiers (policy p tiers)"));
    assertThatThrownBy(() -> RateLimitRule.builder("r").paths("/r").policy("p")
        .steps(StepSettings.builder().tiers("a=1/s").tierKey("attribute:x").build()).build())
        .isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "rule r: tiers, tier-key belong to inline limits; set them on the policy p instead"));
  }

  /** Bad step settings on a servlet. */
  @io.limiter.annotation.RateLimit(value = "10/minute", tiers = "pro=20/minute", tierKey = "#plan",
      adaptive = "api-health")
  static final class BadSteps extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;
  }
}
