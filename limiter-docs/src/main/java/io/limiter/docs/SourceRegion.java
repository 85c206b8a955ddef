package io.limiter.docs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A tagged region of a source file: the lines between one containing {@code tag::NAME[]} and one containing
 * {@code end::NAME[]}, in whatever comment syntax the file uses ({@code // tag::quick-start[]} in Java,
 * {@code <!-- tag::filter[] -->} in XML, {@code # tag::rules[]} in properties). Lines tagging other regions inside it are
 * left out, and the common indentation is removed, so a region nested in a method reads as the page shows it.
 *
 * <p>Stateless and thread-safe.
 */
public final class SourceRegion {

  private SourceRegion() {
  }

  /**
   * Reads a region.
   *
   * @param reference {@code PATH#NAME}, the path relative to the repository root
   * @return the region's text, each line ending with a line break; empty if the file or the region does not exist
   */
  public static Optional<String> read(String reference) {
    int hash = reference.lastIndexOf('#');
    if (hash < 1) {
      return Optional.empty();
    }
    Path file = Repository.root().resolve(reference.substring(0, hash));
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    String name = reference.substring(hash + 1);
    List<String> region = null;
    for (String line : Repository.read(file).split("\n", -1)) {
      if (region == null) {
        if (line.contains("tag::" + name + "[]")) {
          region = new ArrayList<>();
        }
      } else if (line.contains("end::" + name + "[]")) {
        return Optional.of(dedent(region));
      } else if (!line.contains("tag::") && !line.contains("end::")) {
        region.add(line.stripTrailing());
      }
    }
    return Optional.empty();
  }

  private static String dedent(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString();
  }
}
