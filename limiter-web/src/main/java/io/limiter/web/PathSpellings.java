package io.limiter.web;

import io.limiter.web.internal.PathPattern;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The spellings of one dispatch's path inside the application, or the reason it is refused: a path may be read more
 * than one way (decoded or not, a trailing slash kept or dropped, an encoded slash as a separator or not), and the
 * server may route by any of these readings, so a rule applies when it matches any spelling and an exemption only
 * when every spelling is exempt. {@link HttpRequestView#pathSpellings()} gives a request's spellings; each web stack
 * computes them with the same canonicalization. Immutable and thread-safe.
 */
public final class PathSpellings {

  private final String[] paths;
  private final @Nullable String refusal;

  private PathSpellings(String[] paths, @Nullable String refusal) {
    this.paths = paths;
    this.refusal = refusal;
  }

  /**
   * @param paths the spellings, at least one, each starting with {@code /}
   * @return the spellings
   */
  public static PathSpellings of(String... paths) {
    if (paths.length == 0) {
      throw new IllegalArgumentException("a readable path has at least one spelling");
    }
    return new PathSpellings(paths.clone(), null);
  }

  /**
   * {@link #of(String...)} of one spelling (the usual case), without the copy of a caller's array.
   *
   * @param path the spelling, starting with {@code /}
   * @return the spellings
   */
  public static PathSpellings of(String path) {
    return new PathSpellings(new String[] {path}, null);
  }

  /**
   * @param why why the path cannot be read with confidence, for the client (e.g. {@code it contains invalid UTF-8})
   * @return a refused path, without spellings
   */
  public static PathSpellings refused(String why) {
    return new PathSpellings(new String[0], Objects.requireNonNull(why, "why"));
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
   * @return a new array of the spellings, lower-cased if asked (then distinct spellings may coincide)
   */
  public String[] forMatching(boolean lowerCase) {
    if (!lowerCase) {
      return paths.clone(); // a copy: any key resolver can reach this object, and it is immutable
    }
    String[] out = new String[paths.length];
    for (int i = 0; i < paths.length; i++) {
      out[i] = PathPattern.fold(paths[i]);
    }
    return out;
  }

  /**
   * @param exempt whether one spelling, in the request's case, is exempt
   * @return whether every spelling is exempt (and there is at least one spelling)
   */
  public boolean allMatch(Predicate<String> exempt) {
    if (paths.length == 0) {
      return false;
    }
    for (String path : paths) {
      if (!exempt.test(path)) {
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
