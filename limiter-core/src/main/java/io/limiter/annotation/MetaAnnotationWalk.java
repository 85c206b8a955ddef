package io.limiter.annotation;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JDK-only {@link RateLimitAnnotations}: breadth-first over the element's annotations and then over the
 * annotations on their types, so that the nearest declaration comes first, as with Spring's {@code MergedAnnotations}.
 * The visited set stops annotation cycles ({@code @A} on {@code @B} on {@code @A}). Stateless.
 */
final class MetaAnnotationWalk implements RateLimitAnnotations {

  static final MetaAnnotationWalk INSTANCE = new MetaAnnotationWalk();

  private MetaAnnotationWalk() {
  }

  @Override
  public List<RateLimit> on(AnnotatedElement element) {
    Annotation[] direct = element.getDeclaredAnnotations();
    if (direct.length == 0) {
      return List.of();
    }
    List<RateLimit> found = null;
    Deque<Annotation> queue = new ArrayDeque<>();
    Set<Class<? extends Annotation>> visited = new HashSet<>();
    Collections.addAll(queue, direct);
    while (!queue.isEmpty()) {
      Annotation a = queue.poll();
      Class<? extends Annotation> type = a.annotationType();
      if (a instanceof RateLimit limit) {
        found = add(found, limit);
      } else if (a instanceof RateLimits limits) {
        for (RateLimit limit : limits.value()) {
          found = add(found, limit);
        }
      } else if (!type.getName().startsWith("java.lang.annotation.") && visited.add(type)) {
        // a composed annotation: its own annotations are one level further away
        Collections.addAll(queue, type.getDeclaredAnnotations());
      }
    }
    return found == null ? List.of() : List.copyOf(found);
  }

  private static List<RateLimit> add(List<RateLimit> list, RateLimit limit) {
    List<RateLimit> out = list == null ? new ArrayList<>(2) : list;
    out.add(limit);
    return out;
  }
}
