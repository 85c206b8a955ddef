package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.Mockito.when;

import io.limiter.core.RateLimitStore;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Transcript;
import io.limiter.test.ManualTicker;
import io.limiter.web.RateLimitRule;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The servlet filter's blocks of README.md, docs/servlet.md and docs/step-throttling.md, read from the pages by their
 * markers: every {@code web.xml} and properties block starts the filter, and the transcripts the pages show are what
 * the filter answers or throws. A block edited into something that does not start, or that the filter no longer
 * prints, fails here.
 */
class ServletDocsTest {

  /** @return the init-params of a web.xml fragment: a whole {@code <filter>} or bare {@code <init-param>}s */
  static Map<String, String> initParams(String xml) throws Exception {
    Element root = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new InputSource(new StringReader("<root>" + xml + "</root>"))).getDocumentElement();
    Map<String, String> params = new LinkedHashMap<>();
    NodeList list = root.getElementsByTagName("init-param");
    for (int i = 0; i < list.getLength(); i++) {
      Element p = (Element) list.item(i);
      params.put(p.getElementsByTagName("param-name").item(0).getTextContent().trim(),
          p.getElementsByTagName("param-value").item(0).getTextContent().trim());
    }
    return params;
  }

  private static Map<String, String> xmlParams(String reference) throws Exception {
    return initParams(DocBlock.of(reference).body());
  }

  private static Map<String, String> propertiesParams(String reference) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(DocBlock.of(reference).body()));
    Map<String, String> params = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> params.put(k, p.getProperty(k)));
    return params;
  }

  /** @return the message of the exception {@code init} throws for the parameters, one line each */
  private static List<String> initProblems(Map<String, String> params) {
    RateLimitFilter filter = new RateLimitFilter();
    Throwable thrown = catchThrowable(() -> filter.init(FilterSettingsTest.config(params)));
    assertThat(thrown).as("init with %s", params).isNotNull();
    return thrown.getMessage().lines().toList();
  }

  private static void startsWith(Map<String, String> params) throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(FilterSettingsTest.config(params)); // throws ServletException listing every problem
    filter.destroy();
  }

  @Test
  void everyWebXmlAndPropertiesBlockStartsTheFilter() throws Exception {
    for (String reference : List.of("README.md#web-xml", "docs/servlet.md#quick-start-filter",
        "docs/servlet.md#trusted-proxies")) {
      Map<String, String> params = xmlParams(reference);
      assertThat(params).as(reference).isNotEmpty();
      startsWith(params);
    }
    startsWith(propertiesParams("docs/servlet.md#limits-properties"));
  }

  @Test
  void theNamedDispatchBlockDeclaresANamedDispatchFilterForItsServlet() throws Exception {
    String xml = DocBlock.of("docs/servlet.md#named-dispatch").body();
    assertThat(xml).contains("<filter-class>" + NamedDispatchFilter.class.getName() + "</filter-class>");
    Map<String, String> params = initParams(xml);
    assertThat(params).containsOnlyKeys(NamedDispatchFilter.SERVLET_NAME_PARAM);
    assertThat(xml).contains("<servlet-name>" + params.get(NamedDispatchFilter.SERVLET_NAME_PARAM) + "</servlet-name>");
    NamedDispatchFilter filter = new NamedDispatchFilter();
    filter.init(FilterSettingsTest.config(params));
    filter.destroy();
  }

  @Test
  void anInvalidConfigurationFailsWithTheProblemsThePageShows() {
    List<String> problems = initProblems(Map.of("rule.api.paths", "/api/*", "rule.api.limits", "100/minuets",
        "client-ip.trusted-proxies", "0.0.0.0/0"));
    assertThat(Transcript.differences(DocBlock.of("docs/servlet.md#invalid-config").lines(), problems)).isEmpty();
  }

  /** The quick start's web.xml, as a builder with a manual clock, so the test can say what happens when. */
  private RateLimitFilter quickStart(ManualTicker ticker) throws Exception {
    Map<String, String> params = xmlParams("docs/servlet.md#quick-start-filter");
    assertThat(params).containsOnly(Map.entry("rule.api.paths", "/api/*"), Map.entry("rule.api.limits", "100/minute"));
    return RateLimitFilterTest.init(RateLimitFilter.builder()
        .store(RateLimitStore.builder().ticker(ticker).buildInMemory())
        .rule(RateLimitRule.builder("api").paths(params.get("rule.api.paths")).limits(params.get("rule.api.limits"))
            .build())
        .build());
  }

  @Test
  void the101stOfARapidBurstGetsTheDocumentedAnswer() throws Exception {
    ManualTicker ticker = new ManualTicker();
    RateLimitFilter filter = quickStart(ticker);
    AtomicInteger chained = new AtomicInteger();
    for (int i = 0; i < 100; i++) {
      filter.doFilter(RateLimitFilterTest.request("/api/x"), new RateLimitFilterTest.Recorded().response,
          (req, resp) -> chained.incrementAndGet());
    }
    RateLimitFilterTest.Recorded rejected = new RateLimitFilterTest.Recorded();
    filter.doFilter(RateLimitFilterTest.request("/api/x"), rejected.response, (req, resp) -> chained.incrementAndGet());
    assertThat(chained).hasValue(100);

    String transcript = DocBlock.of("docs/servlet.md#burst-429").body();
    String[] lines = transcript.split("\n");
    assertThat(lines[0]).isEqualTo("HTTP/1.1 429 Too Many Requests");
    assertThat(rejected.status).isEqualTo(429);
    int i = 1;
    for (; !lines[i].isEmpty(); i++) {
      String name = lines[i].substring(0, lines[i].indexOf(':'));
      String value = lines[i].substring(name.length() + 1).trim();
      if (!name.equals("Content-Type")) { // set with setContentType, not setHeader
        assertThat(rejected.headers).as(name).containsEntry(name, value);
      }
    }
    StringBuilder body = new StringBuilder();
    for (i++; i < lines.length; i++) {
      body.append(lines[i].strip());
    }
    assertThat(rejected.body()).isEqualTo(body.toString());

    // the bucket refills continuously: one permit every 0.6 s, not 100 at the next minute
    ticker.advance(Duration.ofMillis(600));
    RateLimitFilterTest.Recorded refilled = new RateLimitFilterTest.Recorded();
    filter.doFilter(RateLimitFilterTest.request("/api/x"), refilled.response, (req, resp) -> chained.incrementAndGet());
    assertThat(chained).hasValue(101);
  }

  @Test
  void aLoopTakingThreeSecondsForItsRequestsSeesNo429OnThe101st() throws Exception {
    ManualTicker ticker = new ManualTicker();
    RateLimitFilter filter = quickStart(ticker);
    AtomicInteger chained = new AtomicInteger();
    for (int i = 0; i < 101; i++) {
      filter.doFilter(RateLimitFilterTest.request("/api/x"), new RateLimitFilterTest.Recorded().response,
          (req, resp) -> chained.incrementAndGet());
      ticker.advance(Duration.ofMillis(30)); // 101 requests in about 3 s
    }
    assertThat(chained).hasValue(101);
  }

  @Test
  void aMissingAttributeIsNamedAndAPresentClientAddressIsNot() throws Exception {
    RateLimitFilter filter = RateLimitFilterTest.init(RateLimitFilter.builder()
        .store(RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory())
        .rule(RateLimitRule.builder("login").paths("/login").methods("POST").limits("5/minute")
            .key("ip, attribute:loginName").build())
        .build());
    var request = RateLimitFilterTest.request("/login");
    when(request.getMethod()).thenReturn("POST");
    RateLimitFilterTest.Recorded refused = new RateLimitFilterTest.Recorded();
    filter.doFilter(request, refused.response, (req, resp) -> {
      throw new AssertionError("admitted without a key");
    });
    assertThat(refused.status).isEqualTo(401);
    assertThat(refused.body()).contains("has no request attribute loginName")
        .doesNotContain("client address");
  }

  @Test
  void theStepThrottlingBlockStartsTheFilterWithItsControllerAndSignal() throws Exception {
    Map<String, String> params = propertiesParams("docs/step-throttling.md#servlet-properties");
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(FilterSettingsTest.config(params));
    try {
      assertThat(filter.stepControllers().controller("api-health")).isNotNull();
      assertThat(filter.steppedLimiter("api")).isNotNull();
    } finally {
      filter.destroy();
    }
  }

  @Test
  void theStepThrottlingErrorsAreTheOnesTheFilterThrows() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("adaptive.api-health", "latency=p95 250ms");
    params.put("rule.api.paths", "/api/*");
    params.put("rule.api.limits", "100/minute");
    params.put("rule.api.tier-key", "attribute:plan");
    params.put("rule.api.tiers", "free=10/minit");
    params.put("rule.c.paths", "/c/*");
    params.put("rule.c.limits", "10/minute");
    params.put("rule.c.adaptive", "nope");
    params.put("rule.b.paths", "/b/*");
    params.put("rule.b.limits", "5/minute");
    params.put("rule.b.tiers", "free=5/minute");
    params.put("rule.e.paths", "/e/*");
    params.put("rule.e.limits", "10/minute");
    params.put("rule.e.tier-key", "attribute:plan");
    params.put("rule.e.tiers", "pro=10/second; 100/minute");
    List<String> problems = initProblems(params).stream().map(l -> l.replaceFirst("^ - ", "")).toList();
    System.out.println(problems);
    for (String documented : DocBlock.of("docs/step-throttling.md#servlet-errors").lines()) {
      assertThat(problems).as("the filter's problems").anySatisfy(actual ->
          assertThat(Transcript.differences(List.of(documented), List.of(actual))).isEmpty());
    }
  }

  @Test
  void failedLoginsOnlyAreCharged() throws Exception {
    Map<String, String> params = propertiesParams("docs/servlet.md#login-charge-on");
    assertThat(params).containsEntry("rule.login.charge-on", "401, 403");
    startsWith(params);
  }
}
