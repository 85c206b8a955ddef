package io.limiter.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The repository this module is built in: its root and its Markdown pages. Tests run in a module directory (Surefire's
 * working directory), so the root is found by walking up to the parent POM.
 *
 * <p>Stateless and thread-safe.
 */
public final class Repository {

  private Repository() {
  }

  /**
   * Returns the repository root: the nearest directory at or above the working directory whose {@code pom.xml} is
   * the {@code limiter-parent} POM, the one listing the modules.
   *
   * @return the root
   * @throws IllegalStateException if the working directory is not inside the repository
   */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      Path pom = p.resolve("pom.xml");
      // the parent POM is the one that lists the modules (a module's POM names limiter-parent too, as its parent)
      if (Files.isRegularFile(pom) && read(pom).contains("<artifactId>limiter-parent</artifactId>")
          && read(pom).contains("<modules>")) {
        return p;
      }
    }
    throw new IllegalStateException("no limiter-parent pom.xml at or above " + dir);
  }

  /**
   * Returns every Markdown page that documents the project: README.md, docs/*.md and examples/&#42;/README.md, as
   * paths relative to the root, sorted.
   *
   * @return the pages
   */
  public static List<String> pages() {
    Path root = root();
    List<String> out = new ArrayList<>();
    out.add("README.md");
    out.addAll(list(root.resolve("docs"), p -> p.getFileName().toString().endsWith(".md")));
    try (Stream<Path> examples = Files.list(root.resolve("examples"))) {
      examples.sorted().map(e -> e.resolve("README.md")).filter(Files::isRegularFile)
          .forEach(p -> out.add(root.relativize(p).toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static List<String> list(Path dir, java.util.function.Predicate<Path> filter) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(filter).sorted().map(p -> root().relativize(p).toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a file as UTF-8.
   *
   * @param file the file
   * @return its text
   */
  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
