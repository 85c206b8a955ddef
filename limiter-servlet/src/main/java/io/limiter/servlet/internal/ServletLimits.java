package io.limiter.servlet.internal;

import java.util.List;
import java.util.Map;

/** The annotation bindings of one servlet class, by HTTP method; immutable. */
public final class ServletLimits {

  /** A servlet without annotations. */
  public static final ServletLimits NONE = new ServletLimits(List.of(), null, Map.of());

  private final List<Binding> classLevel;
  private final List<Binding> service;
  private final Map<String, List<Binding>> byMethod;

  ServletLimits(List<Binding> classLevel, List<Binding> service, Map<String, List<Binding>> byMethod) {
    this.classLevel = List.copyOf(classLevel);
    this.service = service == null ? null : List.copyOf(service);
    this.byMethod = Map.copyOf(byMethod);
  }

  /**
   * @param method the HTTP method
   * @return the bindings that apply to it
   */
  public List<Binding> forMethod(String method) {
    List<Binding> own = byMethod.get(method);
    if (own != null) {
      return own;
    }
    return service != null ? service : classLevel;
  }

  /** @return whether the servlet has no limits at all */
  public boolean isEmpty() {
    return this == NONE;
  }
}
