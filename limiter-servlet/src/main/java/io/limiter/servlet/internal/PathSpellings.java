package io.limiter.servlet.internal;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The spellings of one dispatch's path ({@link CanonicalPath#spellings}), or the reason it is refused. A rule applies
 * when it matches any spelling; an exemption only when every spelling is exempt. Immutable.
 */
public final class PathSpellings {

  private final String[] paths;
  private final @Nullable String refusal;

  private PathSpellings(String[] paths, @Nullable String refusal) {
    this.paths = paths;
    this.refusal = refusal;
  }

  static PathSpellings of(String... paths) {
    return new PathSpellings(paths, null);
  }

  static PathSpellings refused(String why) {
    return new PathSpellings(new String[0], why);
  }

  /** @return why the path is refused (e.g. {@code it contains invalid or overlong UTF-8}), or null */
  public @Nullable String refusal() {
    return refusal;
  }

  /** @return the number of spellings; 0 when refused */
  public int size() {
    return paths.length;
  }

  /**
   * @param i the index, 0 to {@link #size()} - 1
   * @return the spelling, in the request's case
   */
  public String get(int i) {
    return paths[i];
  }

  /**
   * @param lowerCase whether to lower-case them (for case-insensitive rules)
   * @return the spellings, lower-cased if asked (then distinct spellings may coincide)
   */
  public String[] forMatching(boolean lowerCase) {
    if (!lowerCase) {
      return paths;
    }
    String[] out = new String[paths.length];
    for (int i = 0; i < paths.length; i++) {
      out[i] = PathPattern.fold(paths[i]);
    }
    return out;
  }

  /**
   * @param patterns case-sensitive patterns
   * @return whether every spelling matches one of them (and there is at least one spelling)
   */
  public boolean allMatch(List<PathPattern> patterns) {
    if (paths.length == 0 || patterns.isEmpty()) {
      return false;
    }
    for (String path : paths) {
      boolean matched = false;
      for (PathPattern p : patterns) {
        if (p.matches(path)) {
          matched = true;
          break;
        }
      }
      if (!matched) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return refusal != null ? "refused: " + refusal : Arrays.toString(paths);
  }
}
