package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.servlet.EmbeddedApp.Container;
import io.limiter.test.RawHttp;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Encoded traversal cannot pop a segment past a limit or into an exemption, on Jetty and Tomcat in default and lenient
 * URI configurations. {@code /files/*} is limited to one request per client; {@code /health} is exempt; a catch-all
 * servlet serves everything else. The client first spends its one request on {@code /files/x}, then sends the
 * spelling: {@code 429} means the filter counted it against {@code /files/*} (wherever the container routes it),
 * {@code 400} that the container or the filter refused it, {@code 200} that it was served (only right for requests
 * the container really routes to the exempt {@code /health}).
 */
class EncodedTraversalIT {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      // spelling                        | Jetty | Jetty lenient | Tomcat | passthrough | decode
      "/files/a%2F..%2F..%2Fzzz          | 400   | 429           | 400    | 429         | 429",
      "/files/a%2f..%2f..%2fzzz          | 400   | 429           | 400    | 429         | 429",
      "/files/x%5C..%5C..%5Chealth       | 400   | 429           | 400    | 429         | 429",
      "/files/x\\..\\..\\health          | 400   | 429           | 400    | 429         | 429",
      "/files/x%2F..%2F..%2Fhealth       | 400   | 429           | 400    | 429         | 429",
      "/files/x%2F..%5C..\\health        | 400   | 429           | 400    | 429         | 429",
      "/files/a%2Fb                      | 400   | 429           | 400    | 429         | 429",
      "/health/..%2Ffiles%2Fx            | 400   | 429           | 400    | 429         | 429",
      "/health%2F..%2Ffiles%2Fx          | 400   | 429           | 400    | 429         | 429",
      "/health%5C..%5Cfiles%5Cx          | 400   | 429           | 400    | 429         | 429",
      "/files/%C0%AE%C0%AE/health        | 400   | 400           | 400    | 400         | 400",
      "/files/%u002e%u002e/health        | 400   | 400           | 400    | 400         | 400",
      "/files/x%00/../../health          | 400   | 400           | 400    | 400         | 400",
      "/files/x/..;/..;/health           | 400   | 200           | 200    | 200         | 200",
      "/files/x/%2e%2e/%2e%2e/health     | 400   | 200           | 200    | 200         | 200",
      "/health                           | 200   | 200           | 200    | 200         | 200",
      "/health;v=1                       | 200   | 200           | 200    | 200         | 200",
  })
  void encodedTraversalIsCountedOrRefused(String spelling, int jetty, int jettyLenient, int tomcat,
      int tomcatPassthrough, int tomcatDecode) throws Exception {
    int[] expected = {jetty, jettyLenient, tomcat, tomcatPassthrough, tomcatDecode};
    for (Container container : Container.values()) {
      assertThat(send(container, spelling)).as("%s on %s", spelling, container)
          .isEqualTo(expected[container.ordinal()]);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"/files/%u002e%u002e/health, a %u escape", "/files/%C0%AE%C0%AE/health, overlong UTF-8",
      "/files/x%09, control character"})
  void theFilterRefusesWhatALenientContainerWouldServe(String spelling, String why) {
    // Jetty's UNSAFE mode serves these (it decodes %u and overlong UTF-8); the filter answers 400 itself, saying why
    RawHttp.Response r = APPS.get(Container.JETTY_LENIENT).raw(spelling, "X-Client", "c" + CLIENTS.incrementAndGet());
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("\"status\":400").contains("cannot be read with confidence").contains(why);
  }

  private static final Map<Container, EmbeddedApp> APPS = new EnumMap<>(Container.class);
  private static final Map<Container, TestServlets.Counting> FILES = new EnumMap<>(Container.class);
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  @BeforeAll
  static void startEveryContainer() throws Exception {
    for (Container container : Container.values()) {
      TestServlets.Counting files = new TestServlets.Counting();
      FILES.put(container, files);
      APPS.put(container, container.builder()
          .param("rule.files.paths", "/files/*").param("rule.files.limits", "1/hour")
          .param("rule.files.key", "header:X-Client")
          .param("exclude", "/health")
          .servlet("files", files, "/files/*").servlet("health", new TestServlets.Counting(), "/health")
          .servlet("all", new TestServlets.Counting(), "/").start());
    }
  }

  @AfterAll
  static void stopThem() {
    APPS.values().forEach(EmbeddedApp::close);
    APPS.clear();
  }

  /** Spends a fresh client's one request on /files/x, then sends the spelling as that client. */
  private static int send(Container container, String spelling) {
    EmbeddedApp app = APPS.get(container);
    String client = "c" + CLIENTS.incrementAndGet();
    int before = FILES.get(container).calls.get();
    assertThat(app.raw("/files/x", "X-Client", client).status()).isEqualTo(200);
    int status = app.raw(spelling, "X-Client", client).status();
    assertThat(FILES.get(container).calls.get() - before).as("the limited handler ran only for the first request")
        .isEqualTo(1);
    return status;
  }
}
