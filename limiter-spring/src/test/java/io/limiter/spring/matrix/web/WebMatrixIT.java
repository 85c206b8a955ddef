package io.limiter.spring.matrix.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The MVC and Spring Boot servlet-filter columns of the annotation matrix (docs/spring.md), over real HTTP on a real
 * Tomcat: each shape has a 2/hour limit, so of three requests two are admitted and the third gets 429. A miss shows as
 * a third 200, a double charge as an early 429; a servlet limited by a proxy instead of the filter would answer 500.
 */
@SpringBootTest(classes = WebMatrixApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebMatrixIT {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  /**
   * One cell: three requests (method and path each) and the statuses they must get.
   *
   * @param shape the row
   * @param path the column
   * @param requests "METHOD /path" per request
   * @param statuses the expected status per request
   * @param lastBody what the last response body must contain
   */
  record Cell(String shape, String path, List<String> requests, List<Integer> statuses, String lastBody) {
    @Override
    public String toString() {
      return shape + " × " + path;
    }
  }

  private static Cell thrice(String shape, String path, String url) {
    return new Cell(shape, path, List.of("GET " + url, "GET " + url, "GET " + url), List.of(200, 200, 429), "");
  }

  static Stream<Arguments> cells() {
    List<Cell> cells = new ArrayList<>();
    cells.add(thrice("class-level, package-private handler", "MVC", "/mvc/package-private"));
    cells.add(thrice("class-level, 2 @ModelAttribute + @InitBinder", "MVC", "/mvc/model-attributes"));
    cells.add(new Cell("class-level, own @ExceptionHandler", "MVC", List.of("GET /mvc/own-exception-handler",
        "GET /mvc/own-exception-handler", "GET /mvc/own-exception-handler"), List.of(200, 200, 429), "own handler"));
    cells.add(new Cell("two mappings on one handler", "MVC", List.of("GET /mvc/double/a", "GET /mvc/double/b",
        "GET /mvc/double/a"), List.of(200, 200, 429), ""));
    cells.add(new Cell("HEAD", "MVC", List.of("HEAD /mvc/head", "GET /mvc/head", "HEAD /mvc/head"),
        List.of(200, 200, 429), ""));
    cells.add(thrice("async handler", "MVC", "/mvc/async"));
    cells.add(new Cell("error dispatch", "MVC", List.of("GET /mvc/fails", "GET /mvc/fails", "GET /mvc/fails"),
        List.of(500, 500, 429), ""));
    cells.add(thrice("composed", "MVC", "/mvc/composed"));
    cells.add(thrice("@AliasFor composed", "MVC", "/mvc/alias"));
    cells.add(thrice("doGet, servlet instance", "Boot filter", "/servlet/do-get"));
    cells.add(thrice("@AliasFor composed on class, servlet instance", "Boot filter", "/servlet/alias"));
    cells.add(thrice("class-level, servlet @Bean", "Boot filter", "/classServlet/"));
    cells.add(new Cell("named forward and include", "Boot filter", List.of("GET /servlet/named",
        "GET /servlet/named?how=include", "GET /servlet/named"), List.of(200, 200, 429), ""));
    cells.add(thrice("composed on doGet, servlet @Bean", "Boot filter", "/composedServlet/"));
    return cells.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void enforcedExactlyOnce(Cell cell) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    String body = "";
    for (String request : cell.requests()) {
      String[] parts = request.split(" ", 2);
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
          + parts[1])).method(parts[0], HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      statuses.add(response.statusCode());
      body = response.body();
    }
    assertThat(statuses).as(cell.toString()).isEqualTo(cell.statuses());
    assertThat(body).contains(cell.lastBody());
  }
}
