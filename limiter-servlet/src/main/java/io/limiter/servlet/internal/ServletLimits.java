package io.limiter.servlet.internal;

import io.limiter.web.internal.Binding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The annotation bindings of one servlet class, by HTTP method; immutable. Every level applies (see
 * {@link AnnotationParser}): the lists are merged once here, so a request costs one map lookup.
 */
public final class ServletLimits {

  /** A servlet without annotations. */
  public static final ServletLimits NONE = new ServletLimits(List.of(), List.of(), Map.of());

  private final List<Binding> otherMethods;
  private final Map<String, List<Binding>> byMethod;

  ServletLimits(List<Binding> classLevel, List<Binding> service, Map<String, List<Binding>> byMethod) {
    this.otherMethods = merge(List.of(), service, classLevel);
    Map<String, List<Binding>> merged = new HashMap<>();
    byMethod.forEach((method, own) -> merged.put(method, merge(own, service, classLevel)));
    this.byMethod = Map.copyOf(merged);
  }

  /**
   * The levels, most specific first; a binding of a policy that a more specific level already uses is dropped, so
   * that {@code @RateLimit(name = "api", cost = 5)} on {@code doPost} replaces the class's {@code name = "api"}.
   */
  private static List<Binding> merge(List<Binding> method, List<Binding> service, List<Binding> classLevel) {
    List<Binding> out = new ArrayList<>(method);
    Set<String> seen = new HashSet<>();
    method.forEach(b -> seen.add(b.limiter().name()));
    for (List<Binding> level : List.of(service, classLevel)) {
      Set<String> here = new HashSet<>();
      for (Binding b : level) {
        if (!seen.contains(b.limiter().name())) {
          out.add(b);
          here.add(b.limiter().name());
        }
      }
      seen.addAll(here);
    }
    return List.copyOf(out);
  }

  /**
   * @param method the HTTP method
   * @return the bindings that apply to it, most specific first
   */
  public List<Binding> forMethod(String method) {
    List<Binding> own = byMethod.get(method);
    return own != null ? own : otherMethods;
  }

  /** @return whether the servlet has no limits at all */
  public boolean isEmpty() {
    return this == NONE;
  }
}
