package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Spring quick starts of README.md and docs/spring.md describe this example: their annotations are the ones
 * {@link ApiController} carries (which {@link ExampleApplicationIT} exercises over HTTP), their filter rule is the one
 * of {@code application.properties}, and their transcripts show the policies the application announces. Also keeps
 * documented commands from overwriting committed files under docs/.
 */
class DocsSnippetsTest {

  private static final Path ROOT = Path.of("..", "..");
  private static final Pattern FENCE = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```");
  private static final Pattern ANNOTATION = Pattern.compile("@RateLimit\\((.*)\\)");

  /** @return the page's fenced blocks in the language ("" for plain blocks), in order */
  static List<String> blocks(String page, String language) throws IOException {
    String text = Files.readString(ROOT.resolve(page), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    Matcher m = FENCE.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(language)) {
        out.add(m.group(2));
      }
    }
    return out;
  }

  /**
   * @param page README.md or docs/spring.md
   * @param header a header name
   * @return its value in the page's first transcript of a 429
   */
  static String transcriptHeader(String page, String header) throws IOException {
    for (String block : blocks(page, "")) {
      if (block.startsWith("HTTP/1.1 429")) {
        for (String line : block.split("\n")) {
          if (line.startsWith(header + ":")) {
            return line.substring(header.length() + 1).trim();
          }
        }
      }
    }
    throw new AssertionError("no 429 transcript with " + header + " in " + page);
  }

  @Test
  void theQuickStartsAnnotationsAreTheExamples() throws Exception {
    String controller = Files.readString(Path.of("src/main/java/io/limiter/examples/springboot/ApiController.java"),
        StandardCharsets.UTF_8);
    int checked = 0;
    for (String page : List.of("README.md", "docs/spring.md")) {
      for (String block : blocks(page, "java")) {
        if (!block.contains("@GetMapping(\"/api/")) {
          continue;
        }
        for (String line : block.split("\n")) {
          Matcher m = ANNOTATION.matcher(line);
          if (m.find()) {
            assertThat(controller).as("%s: %s", page, line.strip()).contains(m.group());
            checked++;
          }
        }
      }
    }
    assertThat(checked).as("README's orders, spring.md's hello and orders").isEqualTo(3);
  }

  @Test
  void theQuickStartsRuleIsTheExamples() throws Exception {
    Properties example = new Properties();
    example.load(new StringReader(Files.readString(Path.of("src/main/resources/application.properties"),
        StandardCharsets.UTF_8)));
    Properties quickStart = new Properties();
    quickStart.load(new StringReader(blocks("docs/spring.md", "properties").get(0)));
    assertThat(quickStart).isNotEmpty();
    for (String key : quickStart.stringPropertyNames()) {
      assertThat(example.getProperty(key)).as(key).isEqualTo(quickStart.getProperty(key));
    }
  }

  @Test
  void theTranscriptsAgree() throws Exception {
    assertThat(transcriptHeader("README.md", "RateLimit-Policy"))
        .isEqualTo(transcriptHeader("docs/spring.md", "RateLimit-Policy"));
  }

  @Test
  void theStepDemoWritesToTargetUnlessAsked() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
    Matcher out = Pattern.compile("<step-demo.out>(.*)</step-demo.out>").matcher(pom);
    assertThat(out.find()).isTrue();
    assertThat(out.group(1)).startsWith("${project.build.directory}").doesNotContain("docs");
    String bench = Files.readString(ROOT.resolve("limiter-bench/run.sh"), StandardCharsets.UTF_8);
    assertThat(bench).contains("report_dir=\"$root/limiter-bench/target/quick-report\"");
  }
}
