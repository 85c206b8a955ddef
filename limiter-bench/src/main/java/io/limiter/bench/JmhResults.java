package io.limiter.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The results of one JMH run, read from its JSON output ({@code -rf json}): one {@link Score} per benchmark method and
 * {@code path} parameter, plus the JVM that ran them. Immutable.
 */
public final class JmhResults {

  private final Map<String, Score> scores;
  private final String unit;
  private final int threads;
  private final String jvm;

  private JmhResults(Map<String, Score> scores, String unit, int threads, String jvm) {
    this.scores = Collections.unmodifiableMap(scores);
    this.unit = unit;
    this.threads = threads;
    this.jvm = jvm;
  }

  /**
   * Reads a JMH JSON file if it exists.
   *
   * @param file the file
   * @return the results, or empty if the file does not exist
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if it is not JMH JSON
   */
  public static Optional<JmhResults> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    return Optional.of(parse(Files.readString(file, StandardCharsets.UTF_8), file.toString()));
  }

  static JmhResults parse(String json, String source) {
    JsonElement root = JsonParser.parseString(json);
    if (!root.isJsonArray() || root.getAsJsonArray().isEmpty()) {
      throw new IllegalArgumentException(source + " is not a JMH JSON result (expected a non-empty array)");
    }
    JsonArray runs = root.getAsJsonArray();
    Map<String, Score> scores = new LinkedHashMap<>();
    String unit = "";
    int threads = 0;
    String jvm = "";
    for (JsonElement element : runs) {
      JsonObject run = element.getAsJsonObject();
      String benchmark = run.get("benchmark").getAsString();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      JsonObject params = run.has("params") ? run.getAsJsonObject("params") : new JsonObject();
      String path = params.has("path") ? params.get("path").getAsString() : "";
      JsonObject primary = run.getAsJsonObject("primaryMetric");
      scores.put(key(method, path), new Score(number(primary.get("score")), number(primary.get("scoreError"))));
      unit = primary.get("scoreUnit").getAsString();
      threads = run.get("threads").getAsInt();
      jvm = run.get("vmName").getAsString() + " " + run.get("jdkVersion").getAsString() + " ("
          + run.get("vmVersion").getAsString() + ")";
    }
    return new JmhResults(scores, unit, threads, jvm);
  }

  /** JMH writes {@code "NaN"} as a string when there is no error estimate. */
  private static double number(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return Double.NaN;
    }
    JsonElement v = e;
    if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
      try {
        return Double.parseDouble(v.getAsString());
      } catch (NumberFormatException ex) {
        return Double.NaN;
      }
    }
    return v.getAsDouble();
  }

  private static String key(String method, String path) {
    return method + "|" + path;
  }

  /**
   * @param method the benchmark method's simple name
   * @param path the {@code path} parameter ({@code allow}/{@code deny})
   * @return its score, if measured
   */
  public Optional<Score> score(String method, String path) {
    return Optional.ofNullable(scores.get(key(method, path)));
  }

  /** @return the score unit, e.g. {@code ops/us} */
  public String unit() {
    return unit;
  }

  /** @return the number of benchmark threads */
  public int threads() {
    return threads;
  }

  /** @return the JVM that ran the benchmarks */
  public String jvm() {
    return jvm;
  }
}
