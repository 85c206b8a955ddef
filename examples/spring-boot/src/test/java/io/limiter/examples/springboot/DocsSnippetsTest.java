package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.docs.DocBlock;
import io.limiter.docs.Transcript;
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

  /**
   * @param reference a transcript block, {@code PAGE#ID}
   * @param header a header name
   * @return its value in the transcript
   */
  static String transcriptHeader(String reference, String header) {
    String value = Transcript.http(DocBlock.of(reference)).headers().get(header);
    if (value == null) {
      throw new AssertionError("no " + header + " in " + reference);
    }
    return value;
  }

  @Test
  void theQuickStartsAnnotationsAreTheExamples() throws Exception {
    String controller = Files.readString(Path.of("src/main/java/io/limiter/examples/springboot/ApiController.java"),
        StandardCharsets.UTF_8);
    List<String> shown = new ArrayList<>();
    for (String reference : List.of("README.md#orders-annotation", "docs/spring.md#quick-start-controller")) {
      DocBlock.of(reference).annotations().stream().filter(a -> a.startsWith("@RateLimit(")).forEach(a -> {
        assertThat(controller).as("%s: %s", reference, a).contains(a);
        shown.add(a);
      });
    }
    assertThat(shown).as("README's orders, spring.md's hello and orders").hasSize(3);
  }

  @Test
  void theQuickStartsRuleIsTheExamples() throws Exception {
    Properties example = new Properties();
    example.load(new StringReader(Files.readString(Path.of("src/main/resources/application.properties"),
        StandardCharsets.UTF_8)));
    Properties quickStart = new Properties();
    quickStart.load(new StringReader(DocBlock.of("docs/spring.md#quick-start-rule").body()));
    assertThat(quickStart).isNotEmpty();
    for (String key : quickStart.stringPropertyNames()) {
      assertThat(example.getProperty(key)).as(key).isEqualTo(quickStart.getProperty(key));
    }
  }

  @Test
  void theTranscriptsAgree() throws Exception {
    assertThat(transcriptHeader("README.md#hello-429", "RateLimit-Policy"))
        .isEqualTo(transcriptHeader("docs/spring.md#hello-429", "RateLimit-Policy"));
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

  @Test
  void theLoginAndChatAnnotationsAreTheExamples() throws Exception {
    for (String[] pair : new String[][] {{"docs/spring.md#login-annotations", "LoginController"},
        {"docs/spring.md#chat-annotations", "ChatController"}}) {
      String source = Files.readString(Path.of("src/main/java/io/limiter/examples/springboot/" + pair[1] + ".java"),
          StandardCharsets.UTF_8).replaceAll("\\s+", " ");
      List<String> annotations = DocBlock.of(pair[0]).annotations();
      assertThat(annotations).as(pair[0]).hasSizeGreaterThanOrEqualTo(3);
      annotations.forEach(a -> assertThat(source).as("%s: %s", pair[0], a).contains(a));
    }
  }
}
