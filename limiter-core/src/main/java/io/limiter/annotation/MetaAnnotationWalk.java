package io.limiter.annotation;

import java.lang.annotation.Annotation;
import java.lang.annotation.Repeatable;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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
    // Breadth-first over (root, annotation): each directly present annotation is a root whose meta-annotations are
    // visited once (the cycle guard), so two @Tier("a") @Tier("b") each contribute, as with Spring.
    Deque<Node> queue = new ArrayDeque<>();
    int roots = 0;
    for (Annotation a : direct) {
      Annotation[] repeated = repeated(a);
      if (repeated != null) {
        for (Annotation r : repeated) {
          queue.add(new Node(roots++, r));
        }
      } else {
        queue.add(new Node(roots++, a));
      }
    }
    Set<Node> visited = new HashSet<>();
    while (!queue.isEmpty()) {
      Node node = queue.poll();
      Annotation a = Objects.requireNonNull(node.annotation()); // queued nodes carry one; only visited marks do not
      Class<? extends Annotation> type = a.annotationType();
      if (a instanceof RateLimit limit) {
        found = add(found, limit);
      } else if (a instanceof RateLimits limits) {
        for (RateLimit limit : limits.value()) {
          found = add(found, limit);
        }
      } else if (!type.getName().startsWith("java.lang.annotation.")
          && visited.add(new Node(node.root(), null, type))) {
        // a composed annotation: its own annotations are one level further away
        for (Annotation meta : type.getDeclaredAnnotations()) {
          Annotation[] repeated = repeated(meta);
          if (repeated != null) {
            for (Annotation r : repeated) {
              queue.add(new Node(node.root(), r));
            }
          } else {
            queue.add(new Node(node.root(), meta));
          }
        }
      }
    }
    return found == null ? List.of() : List.copyOf(found);
  }

  /** An annotation reached from one root; as a visited mark, the root and the type entered. */
  private record Node(int root, @Nullable Annotation annotation, @Nullable Class<?> type) {
    Node(int root, Annotation annotation) {
      this(root, annotation, null);
    }
  }

  /** The elements of a container of a {@code @Repeatable} annotation, else null. */
  private static Annotation @Nullable [] repeated(Annotation a) {
    Method value;
    try {
      value = a.annotationType().getDeclaredMethod("value");
    } catch (NoSuchMethodException e) {
      return null;
    }
    Class<?> component = value.getReturnType().getComponentType();
    if (component == null || !component.isAnnotation()) {
      return null;
    }
    Repeatable repeatable = component.getAnnotation(Repeatable.class);
    if (repeatable == null || repeatable.value() != a.annotationType()) {
      return null;
    }
    try {
      value.setAccessible(true);
      return (Annotation[]) value.invoke(a);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static List<RateLimit> add(@Nullable List<RateLimit> list, RateLimit limit) {
    List<RateLimit> out = list == null ? new ArrayList<>(2) : list;
    out.add(limit);
    return out;
  }
}
