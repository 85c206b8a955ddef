package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.when;

import io.limiter.core.RateLimitStore;
import io.limiter.test.ManualTicker;
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
 * The servlet filter's configuration snippets of README.md and docs/servlet.md, read from the pages themselves: every
 * {@code web.xml} filter and init-param block and every properties block starts the filter, and the transcripts the
 * pages show are what the filter answers. A snippet edited into something that does not start fails this test.
 */
class ServletDocsTest {

  private static final Pattern FENCE = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```");

  /** @return the bodies of the page's fenced blocks in the given language ("" for plain blocks), in order */
  static List<String> blocks(String page, String language) throws IOException {
    // Surefire runs in the module directory; the pages live at the repository root
    String text = Files.readString(Path.of("..").resolve(page), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    Matcher m = FENCE.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(language)) {
        out.add(m.group(2));
      }
    }
    return out;
  }

  /** @return the init-params of a web.xml fragment: a whole {@code <filter>} or bare {@code <init-param>}s */
  private static Map<String, String> initParams(String xml) throws Exception {
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

  private static List<Map<String, String>> rateLimitFilterXml(String page) throws Exception {
    List<Map<String, String>> out = new ArrayList<>();
    for (String xml : blocks(page, "xml")) {
      boolean ours = xml.contains("<filter-class>io.limiter.servlet.RateLimitFilter</filter-class>");
      boolean bareParams = xml.trim().startsWith("<init-param>");
      if (ours || bareParams) {
        out.add(initParams(xml));
      }
    }
    return out;
  }

  private static void startsWith(Map<String, String> params) throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    filter.init(FilterSettingsTest.config(params)); // throws ServletException listing every problem
    filter.destroy();
  }

  @Test
  void everyWebXmlAndPropertiesSnippetStartsTheFilter() throws Exception {
    int checked = 0;
    for (String page : List.of("README.md", "docs/servlet.md")) {
      for (Map<String, String> params : rateLimitFilterXml(page)) {
        assertThat(params).as("init-params of a web.xml block of %s", page).isNotEmpty();
        startsWith(params);
        checked++;
      }
    }
    for (String block : blocks("docs/servlet.md", "properties")) {
      Properties p = new Properties();
      p.load(new StringReader(block));
      Map<String, String> params = new LinkedHashMap<>();
      p.stringPropertyNames().forEach(k -> params.put(k, p.getProperty(k)));
      startsWith(params);
      checked++;
    }
    // README: 1 web.xml block; servlet.md: the filter, the trusted-proxies init-param, limits.properties
    assertThat(checked).isGreaterThanOrEqualTo(4);
  }

  /** The quick start's web.xml, as a builder with a manual clock, so the test can say what happens when. */
  private RateLimitFilter quickStart(ManualTicker ticker) throws Exception {
    Map<String, String> params = rateLimitFilterXml("docs/servlet.md").get(0);
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

    String transcript = blocks("docs/servlet.md", "").get(0);
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
}
