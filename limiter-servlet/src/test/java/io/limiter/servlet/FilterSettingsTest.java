package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.test.ManualTicker;
import io.limiter.web.RateLimitRule;
import io.limiter.web.Rejection;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The init-param reader and the builder's validation, without a container. */
class FilterSettingsTest {

  static FilterConfig config(Map<String, String> params) {
    ServletContext context = mock(ServletContext.class);
    when(context.getClassLoader()).thenReturn(FilterSettingsTest.class.getClassLoader());
    when(context.getResourceAsStream("/WEB-INF/limits.properties")).thenAnswer(i -> new ByteArrayInputStream(
        "rule.file.paths=/f\nrule.file.limits=1/minutez\nbogus=1\n".getBytes(StandardCharsets.UTF_8)));
    when(context.getServletRegistrations()).thenReturn(Collections.emptyMap());
    FilterConfig config = mock(FilterConfig.class);
    when(config.getServletContext()).thenReturn(context);
    when(config.getFilterName()).thenReturn("limits");
    when(config.getInitParameterNames()).thenAnswer(i -> Collections.enumeration(params.keySet()));
    when(config.getInitParameter(org.mockito.ArgumentMatchers.anyString()))
        .thenAnswer(i -> params.get(i.<String>getArgument(0)));
    return config;
  }

  static ServletException initFails(Map<String, String> params) {
    RateLimitFilter filter = new RateLimitFilter();
    try {
      filter.init(config(params));
    } catch (ServletException e) {
      return e;
    }
    throw new AssertionError("init succeeded for " + params);
  }

  @Test
  void aValidConfigurationStarts() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.api.paths", "/api/* , /v2/api/*");
    params.put("rule.api.limits", "10/second; 1000/hour");
    params.put("rule.api.algorithm", "sliding-window");
    params.put("store", "caffeine");
    params.put("max-keys", "5000");
    params.put("client-ip.trusted-proxies", "10.0.0.0/8\n  192.168.0.0/16");
    params.put("client-ip.ipv6-prefix-length", "56");
    params.put("missing-key", "shared:anonymous");
    params.put("failure.closed-retry-after", "1w");
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(config(params));
    try {
      // what started: the rule on both paths, with both limits, and nothing elsewhere
      for (String path : new String[] {"/api/x", "/v2/api/y"}) {
        RateLimitFilterTest.Recorded r = new RateLimitFilterTest.Recorded();
        filter.doFilter(RateLimitFilterTest.request(path), r.response, (req, resp) -> { });
        assertThat(r.status).as(path).isEqualTo(200);
        assertThat(r.headers).as(path).containsEntry("RateLimit-Policy",
            "\"api/second\";q=10;w=1, \"api/hour\";q=1000;w=3600");
      }
      RateLimitFilterTest.Recorded other = new RateLimitFilterTest.Recorded();
      filter.doFilter(RateLimitFilterTest.request("/other"), other.response, (req, resp) -> { });
      assertThat(other.headers).isEmpty();
      assertThat(filter.stepControllers().names()).isEmpty();
    } finally {
      filter.destroy();
    }
  }

  @Test
  void stepControllersTickOnTheFiltersSchedulerWhichStopsInDestroy() throws Exception {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet(); // other filters of this JVM have their own
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(config(Map.of("adaptive.health", "error-ratio=5%; interval=10ms", "rule.a.paths", "/a",
        "rule.a.limits", "10/second", "rule.a.adaptive", "health")));
    Thread scheduler;
    try {
      assertThat(filter.stepControllers().find("health")).get().satisfies(c -> assertThat(c.running()).isTrue());
      scheduler = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("limiter-step-limits"))
          .filter(t -> !before.contains(t)).findFirst().orElseThrow(() -> new AssertionError("no scheduler thread named after the filter"));
    } finally {
      filter.destroy();
    }
    scheduler.join(30_000);
    assertThat(scheduler.isAlive()).as("the filter's scheduler stops in destroy()").isFalse();
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).as("no thread of the controller's")
        .noneMatch(n -> n.equals("limiter-step-health"));
  }

  @Test
  void formerNamesFailNamingTheNewOne() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.a.path", "/a");
    params.put("rule.a.limit", "1/s");
    params.put("policy.p.limit", "1/s");
    params.put("ipv6-prefix", "56");
    params.put("ipv4-prefix-length", "24");
    params.put("trusted-proxies", "10.0.0.0/8");
    params.put("store.max-keys", "5000");
    params.put("fail-closed-retry-after", "5s");
    params.put("failure.closed-retry-after", "5");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems())
        .contains("init-param rule.a.path=\"/a\": renamed to rule.a.paths (one name for each concept in init-params "
            + "and properties)")
        .contains("init-param rule.a.limit=\"1/s\": renamed to rule.a.limits (one name for each concept in "
            + "init-params and properties)")
        .contains("init-param policy.p.limit=\"1/s\": renamed to policy.p.limits (one name for each concept in "
            + "init-params and properties)")
        .contains("init-param ipv6-prefix=\"56\": renamed to client-ip.ipv6-prefix-length (one name for each concept "
            + "in init-params and properties)")
        .contains("init-param ipv4-prefix-length=\"24\": renamed to client-ip.ipv4-prefix-length (one name for each "
            + "concept in init-params and properties)")
        .contains("init-param trusted-proxies=\"10.0.0.0/8\": renamed to client-ip.trusted-proxies (one name for "
            + "each concept in init-params and properties)")
        .contains("init-param store.max-keys=\"5000\": renamed to max-keys (one name for each concept in "
            + "init-params and properties)")
        .contains("init-param fail-closed-retry-after=\"5s\": renamed to failure.closed-retry-after (one name for "
            + "each concept in init-params and properties)")
        .anySatisfy(p -> assertThat(p).startsWith("init-param failure.closed-retry-after=\"5\": duration \"5\" has "
            + "no unit"));
  }

  @Test
  void aNamedPolicysKeyIsCheckedEvenWhenNoRuleUsesIt() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("policy.p.limits", "5/minute");
    params.put("policy.p.key", "cookie:session");
    params.put("policy.p.missing-key", "ignore");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems())
        .anySatisfy(p -> assertThat(p).startsWith("init-param policy.p.key=\"cookie:session\": "))
        .anySatisfy(p -> assertThat(p).startsWith("init-param policy.p.missing-key=\"ignore\": "));
  }

  @Test
  void aNamedPolicysKeyIsTheDefaultOfTheRulesUsingIt() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("policy.p.limits", "5/minute");
    params.put("policy.p.key", "header:X-API-Key");
    params.put("policy.p.missing-key", "skip");
    params.put("rule.a.paths", "/a");
    params.put("rule.a.policy", "p");
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(config(params));
    try {
      RateLimitFilterTest.Recorded noKey = new RateLimitFilterTest.Recorded();
      filter.doFilter(RateLimitFilterTest.request("/a"), noKey.response, (req, resp) -> { });
      assertThat(noKey.status).isEqualTo(200); // skip: no key, not limited, no fields
      assertThat(noKey.headers).doesNotContainKey("RateLimit");
    } finally {
      filter.destroy();
    }
  }

  @Test
  void theConfigFileIsCheckedLikeInitParams() {
    ServletException e = initFails(Map.of("config-file", "/WEB-INF/limits.properties"));
    assertThat(e.getMessage()).contains("property in /WEB-INF/limits.properties: rule.file.limits=\"1/minutez\"")
        .contains("property in /WEB-INF/limits.properties: bogus=\"1\": unknown setting");
    assertThat(initFails(Map.of("config-file", "classpath:nope.properties")).getMessage())
        .contains("config-file=\"classpath:nope.properties\": no such file");
  }

  @Test
  void aRulesChargeOnIsValidatedAndNamed() {
    RateLimitConfigException cause = (RateLimitConfigException) initFails(Map.of("rule.a.paths", "/a",
        "rule.a.limits", "5/minute", "rule.a.charge-on", "401, 40l")).getCause();
    assertThat(cause.problems()).anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.charge-on=\"401, 40l\"")
        .contains("\"40l\" is neither a status code"));
  }

  @Test
  void everyKindOfValueIsValidatedAndNamed() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.a.paths", "/a/");
    params.put("rule.a.limits", "5/minute");
    params.put("rule.a.cost", "10");
    params.put("rule.a.methods", "GET P@ST");
    params.put("rule.a.shadow", "yes");
    params.put("rule.b.paths", "/b");
    params.put("rule.b.policy", "p");
    params.put("rule.b.algorithm", "fixed-window");
    params.put("rule.c.paths", "/c");
    params.put("rule.c.limits", "1/s");
    params.put("rule.c.colour", "blue");
    params.put("policy.p.limits", "3/minute");
    params.put("policy.p.failure-mode", "explode");
    params.put("missing-key", "ignore");
    params.put("missing-key-status", "302");
    params.put("client-ip.ipv6-prefix-length", "129");
    params.put("client-ip.forwarded-header", "x-real-ip");
    params.put("exclude", "health");
    params.put("listener", "com.example.Nope");
    params.put("store", "java.lang.String");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems()).anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.paths=\"/a/\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.methods=\"GET P@ST\"").contains("P@ST"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.shadow=\"yes\": must be true or false"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.b.*: algorithm, shadow and failure-mode belong to inline"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.c.colour=\"blue\": unknown setting"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param policy.p.failure-mode=\"explode\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param missing-key=\"ignore\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param missing-key-status=\"302\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param client-ip.ipv6-prefix-length=\"129\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param client-ip.forwarded-header=\"x-real-ip\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param exclude=\"health\""))
        .anySatisfy(p -> assertThat(p).startsWith("init-param listener=\"com.example.Nope\"")
            .contains("not found"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param store=\"java.lang.String\"")
            .contains("neither a RateLimitStoreProvider nor a RateLimitStore"));
  }

  @Test
  void costAboveCapacityIsReportedForInlineAndReferencedPolicies() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.a.paths", "/a");
    params.put("rule.a.limits", "5/minute");
    params.put("rule.a.cost", "10");
    params.put("policy.p.limits", "3/minute");
    params.put("rule.b.paths", "/b");
    params.put("rule.b.policy", "p");
    params.put("rule.b.cost", "4");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems()).hasSize(2)
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.*: cost 10 of policy a exceeds the capacity 5"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.b.*: cost 4 exceeds the capacity 3"));
  }

  @Test
  void aWrongWarmUpFailsAtStartNamingTheValueAndItsSource() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.a.paths", "/a");
    params.put("rule.a.limits", "10/second warmup 0s");
    params.put("rule.b.paths", "/b");
    params.put("rule.b.limits", "10/second warmup 30s");
    params.put("rule.b.algorithm", "fixed-window");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems()).hasSize(2)
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.a.limits=\"10/second warmup 0s\"")
            .contains("at position 17: warm-up must be longer than 0"))
        .anySatisfy(p -> assertThat(p).startsWith("init-param rule.b.*: limit 10/second warmup 30s of policy b warms "
            + "up, but only TOKEN_BUCKET does"));

    params.put("rule.b.algorithm", "token-bucket"); // a token bucket warms up
    params.put("rule.a.limits", "10/second warmup 2s");
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(config(params));
    try {
      RateLimitFilterTest.Recorded r = new RateLimitFilterTest.Recorded();
      filter.doFilter(RateLimitFilterTest.request("/a"), r.response, (req, resp) -> { });
      assertThat(r.status).isEqualTo(200);
    } finally {
      filter.destroy();
    }
  }

  @Test
  void aMovingWindowAboveItsLargestLogFailsAtStartNamingTheValueAndItsSource() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.a.paths", "/a");
    params.put("rule.a.limits", "10/second; 20000/hour");
    params.put("rule.a.algorithm", "moving-window");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems()).singleElement().asString()
        .startsWith("init-param rule.a.*: limit 20000/hour of policy a allows 20000 permits per window, more than "
            + "the 10000 timestamps MOVING_WINDOW logs per key");

    params.put("rule.a.limits", "10/second; 10000/hour"); // the largest log starts
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(config(params));
    try {
      RateLimitFilterTest.Recorded r = new RateLimitFilterTest.Recorded();
      filter.doFilter(RateLimitFilterTest.request("/a"), r.response, (req, resp) -> { });
      assertThat(r.status).isEqualTo(200);
      assertThat(r.headers).containsEntry("RateLimit-Policy", "\"a/second\";q=10;w=1, \"a/hour\";q=10000;w=3600");
    } finally {
      filter.destroy();
    }
  }

  @Test
  void anActualCostIsReadFromAnAttributeOrAHeaderAndAnythingElseIsNamed() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("rule.a.paths", "/a");
    params.put("rule.a.limits", "100/hour");
    params.put("rule.a.actual-cost", "cookie:tokens");
    RateLimitConfigException cause = (RateLimitConfigException) initFails(params).getCause();
    assertThat(cause.problems()).singleElement().asString().startsWith("init-param rule.a.actual-cost=\"cookie:tokens\"")
        .endsWith("actual cost must be attribute:<name> or header:<name> but was \"cookie:tokens\"");
    params.put("rule.a.actual-cost", "attribute:tokens");
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(config(params));
    filter.destroy();
    assertThat(RateLimitRule.builder("b").paths("/b").limits("1/second").actualCost(" Header : X-Used ").build()
        .actualCost()).isEqualTo("header:X-Used");
  }

  @Test
  void theProgrammaticBuilderReportsEveryProblemAtOnce() {
    RateLimitStore store = RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
    RateLimitFilter.Builder builder = RateLimitFilter.builder()
        .store(store)
        .registry(io.limiter.core.RateLimiterRegistry.builder().build())
        .rule(RateLimitRule.builder("a").paths("/a").policy("missing").build())
        .rule(RateLimitRule.builder("a").paths("/b").limits("1/s").build());
    assertThatThrownBy(builder::build).isInstanceOf(RateLimitConfigException.class)
        .hasMessageContaining("registry and store are both set")
        .hasMessageContaining("rule a: unknown policy \"missing\"")
        .hasMessageContaining("rule a: another rule has the same name");
  }

  @Test
  void ruleBuilderListsItsProblemsTogether() {
    assertThatThrownBy(() -> RateLimitRule.builder("r").policy("p").shadow(true).limits("1/s").build())
        .isInstanceOf(RateLimitConfigException.class)
        .satisfies(e -> assertThat(((RateLimitConfigException) e).problems()).containsExactly(
            "rule r: needs at least one path pattern",
            "rule r: sets more than one of limits, a policy and a policy name; choose one"));
  }

  @Test
  void ruleWithAWholePolicyUsesIt() {
    LimitPolicy policy = LimitPolicy.of("shared", "5/minute");
    RateLimitRule rule = RateLimitRule.builder("r").paths("/x").policy(policy).cost(2).build();
    assertThat(rule.policy()).isEqualTo(policy);
    assertThat(rule.policyName()).isEqualTo("shared");
    assertThat(rule.cost()).isEqualTo(2);
    assertThat(Rejection.of(java.util.List.of(Decision.rejected(policy, 0, 0, 1_000_000_000L, 1, 1)), 429)
        .problemJson()).contains("\"violated-policies\":[\"shared\"]");
  }
}
