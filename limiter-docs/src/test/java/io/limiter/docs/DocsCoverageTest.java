package io.limiter.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every fenced block of every page is checked by the build: see {@link DocBlock} for the three markers. This test
 * fails, listing each block, when a block has no marker, a {@code source} block differs from its region, a
 * {@code check} block is read by no test, or a {@code command} names a module, profile or script that does not exist.
 */
class DocsCoverageTest {

  private static final Pattern MVN_MODULES = Pattern.compile("(?:^|\\s)-pl\\s+(\\S+)");
  private static final Pattern MVN_PROFILES = Pattern.compile("(?:^|\\s)-P(\\S+)");
  private static final Pattern JAVA_MAIN = Pattern.compile("\\s(io\\.limiter(?:\\.\\w+)*\\.[A-Z]\\w*)(?:\\s|$)");

  /** Whether a class of that name is a main source file of some module. */
  private static boolean mainClassExists(String className) {
    String file = "src/main/java/" + className.replace('.', '/') + ".java";
    try (Stream<Path> modules = Files.list(Repository.root())) {
      return modules.anyMatch(m -> Files.isRegularFile(m.resolve(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyBlockOfEveryPageIsChecked() {
    List<DocBlock> blocks = Repository.pages().stream().flatMap(p -> DocBlock.blocks(p).stream()).toList();
    List<String> problems = problems(blocks, testSources());
    assertThat(problems).as("documentation blocks that the build does not check").isEmpty();
    // a floor, so that a page reader that finds nothing cannot pass
    assertThat(blocks).hasSizeGreaterThan(50);
    System.out.printf("%d documentation blocks checked: %d source regions, %d checked by tests, %d commands%n",
        blocks.size(), count(blocks, "source"), count(blocks, "check"), count(blocks, "command"));
  }

  @Test
  void aSnippetChangedOnThePageIsReported() {
    DocBlock real = Repository.pages().stream().flatMap(p -> DocBlock.blocks(p).stream())
        .filter(b -> b.marker().equals("source")).findFirst().orElseThrow();
    DocBlock drifted = new DocBlock(real.page(), real.line(), real.language(), real.marker(), real.argument(),
        real.body().replaceFirst("\\w+", "renamed"));
    assertThat(problems(List.of(drifted), List.of()))
        .singleElement().asString().contains(real.where()).contains("differs from " + real.argument());
  }

  @Test
  void unmarkedAndUnreadBlocksAreReported() {
    DocBlock unmarked = new DocBlock("docs/x.md", 3, "java", "", "", "int x;\n");
    DocBlock unread = new DocBlock("docs/x.md", 9, "properties", "check", "nobody-reads-me", "a=b\n");
    DocBlock badCommand = new DocBlock("docs/x.md", 12, "sh", "command", "",
        "mvn -q -pl examples/nowhere -Pno-such-profile verify\n");
    assertThat(problems(List.of(unmarked, unread, badCommand), List.of()))
        .anySatisfy(p -> assertThat(p).contains("docs/x.md:3").contains("no check marker"))
        .anySatisfy(p -> assertThat(p).contains("docs/x.md:9").contains("\"docs/x.md#nobody-reads-me\""))
        .anySatisfy(p -> assertThat(p).contains("docs/x.md:12").contains("examples/nowhere"));
  }

  private static long count(List<DocBlock> blocks, String marker) {
    return blocks.stream().filter(b -> b.marker().equals(marker)).count();
  }

  private static List<String> problems(List<DocBlock> blocks, List<String> testSources) {
    List<String> problems = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (DocBlock b : blocks) {
      switch (b.marker()) {
        case "check" -> {
          String reference = b.page() + "#" + b.argument();
          if (!ids.add(reference)) {
            problems.add(b.where() + ": a second block marked " + b.argument() + " on the page");
          }
          if (testSources.stream().noneMatch(s -> s.contains("\"" + reference + "\""))) {
            problems.add(b.where() + ": no test reads it (none names \"" + reference + "\")");
          }
        }
        case "source" -> {
          Optional<String> region = SourceRegion.read(b.argument());
          if (region.isEmpty()) {
            problems.add(b.where() + ": no region " + b.argument() + " (tag::NAME[] ... end::NAME[])");
          } else if (!region.get().equals(stripTrailing(b.body()))) {
            problems.add(b.where() + ": differs from " + b.argument() + firstDifference(region.get(), b.body()));
          }
        }
        case "command" -> problems.addAll(commandProblems(b));
        default -> problems.add(b.where() + ": no check marker (<!-- check: ID -->, <!-- source: PATH#REGION -->"
            + " or <!-- command -->) on the line before the block");
      }
    }
    return problems;
  }

  private static String stripTrailing(String body) {
    StringBuilder out = new StringBuilder();
    body.lines().forEach(l -> out.append(l.stripTrailing()).append('\n'));
    return out.toString();
  }

  private static String firstDifference(String expected, String actual) {
    List<String> e = expected.lines().toList();
    List<String> a = actual.lines().toList();
    for (int i = 0; i < Math.max(e.size(), a.size()); i++) {
      String el = i < e.size() ? e.get(i) : "<end>";
      String al = i < a.size() ? a.get(i).stripTrailing() : "<end>";
      if (!el.equals(al)) {
        return ": line " + (i + 1) + " of the block is \"" + al + "\", the source says \"" + el + "\"";
      }
    }
    return "";
  }

  private static List<String> commandProblems(DocBlock b) {
    List<String> problems = new ArrayList<>();
    for (String raw : b.body().replace("\\\n", " ").lines().toList()) {
      // environment assignments before the command (REDIS_ROUNDS=2 bash ...) set its options: the command follows
      String line = raw.replaceFirst("\\s+#.*$", "").strip().replaceFirst("^([A-Z_][A-Z0-9_]*=\\S*\\s+)+", "");
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String first = line.split("\\s+")[0];
      if (first.equals("mvn")) {
        List<String> modules = new ArrayList<>();
        Matcher m = MVN_MODULES.matcher(line);
        if (m.find()) {
          modules.addAll(List.of(m.group(1).split(",")));
        }
        for (String module : modules) {
          if (!Files.isRegularFile(DocBlock.file(module).resolve("pom.xml"))) {
            problems.add(b.where() + ": no module " + module + " (-pl)");
          }
        }
        Matcher p = MVN_PROFILES.matcher(line);
        while (p.find()) {
          for (String profile : p.group(1).split(",")) {
            boolean declared = Stream.concat(Stream.of("."), modules.stream())
                .map(mod -> DocBlock.file(mod).resolve("pom.xml")).filter(Files::isRegularFile)
                .anyMatch(pom -> Repository.read(pom).contains("<id>" + profile + "</id>"));
            if (!declared) {
              problems.add(b.where() + ": no profile " + profile + " (-P) in " + modules);
            }
          }
        }
      } else if (first.equals("java")) {
        Matcher main = JAVA_MAIN.matcher(line);
        if (!main.find() || !mainClassExists(main.group(1))) {
          problems.add(b.where() + ": \"" + line + "\" runs no main class of the repository");
        }
      } else {
        String script = first.equals("bash") ? line.split("\\s+")[1] : first;
        if (!script.endsWith(".sh") || !Files.isRegularFile(DocBlock.file(script))) {
          problems.add(b.where() + ": \"" + line + "\" is neither mvn nor a script of the repository");
        }
      }
    }
    return problems;
  }

  /** The test sources of every module: the texts a {@code check} reference must appear in. */
  private static List<String> testSources() {
    Path root = Repository.root();
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(p -> root.relativize(p).toString().replace('\\', '/').matches("(.+/)?src/test/java/.+"))
          .filter(p -> !p.toString().contains("/target/") && !p.getFileName().toString().equals("DocsCoverageTest.java"))
          .map(Repository::read)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
