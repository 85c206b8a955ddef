package io.limiter.spring.boot;

import io.limiter.core.settings.LimiterSettings;
import io.limiter.spring.boot.redis.LimiterRedisProperties;
import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.ResolvableType;

/**
 * The tree of the known {@code limiter.*} property names, read from the properties classes themselves (so it cannot
 * drift from what binds), and the check of one name against it with a suggestion of the nearest known spelling.
 */
final class PropertyNames {

  private static final String PACKAGE = LimiterProperties.class.getPackageName();

  /** A node of the tree: a group of named properties, a map (any key), a list (an index) or a value. */
  private record Node(Kind kind, Map<String, Node> children, @Nullable Node element) {
    /** The node of a map's values or of a list's elements: both kinds have one. */
    Node inner() {
      return Objects.requireNonNull(element, "a map or list node has an element node");
    }
  }

  private enum Kind { GROUP, MAP, LIST, VALUE }

  private static final Node ROOT = root();

  /** Spring Boot's connection properties (uniform form), sometimes looked for under limiter.redis. */
  private static final Set<String> CONNECTION = Set.of("url", "uri", "host", "port", "database",
      "username", "password", "timeout", "connecttimeout", "clientname", "ssl", "cluster", "sentinel", "lettuce");

  private PropertyNames() {
  }

  private static Node root() {
    Node limiter = group(LimiterProperties.class);
    limiter.children().put("redis", group(LimiterRedisProperties.class));
    return limiter;
  }

  private static Node group(Class<?> type) {
    Map<String, Node> children = new LinkedHashMap<>();
    for (PropertyDescriptor pd : BeanUtils.getPropertyDescriptors(type)) {
      if (pd.getReadMethod() == null || pd.getName().equals("class")) {
        continue;
      }
      children.put(dashed(pd.getName()), node(ResolvableType.forMethodReturnType(pd.getReadMethod())));
    }
    return new Node(Kind.GROUP, children, null);
  }

  private static Node node(ResolvableType type) {
    Class<?> raw = type.resolve(Object.class);
    if (Map.class.isAssignableFrom(raw)) {
      return new Node(Kind.MAP, Map.of(), node(type.asMap().getGeneric(1)));
    }
    if (Collection.class.isAssignableFrom(raw)) {
      return new Node(Kind.LIST, Map.of(), node(type.asCollection().getGeneric(0)));
    }
    if (!raw.isEnum() && raw.getPackageName().startsWith(PACKAGE)) {
      return group(raw);
    }
    return new Node(Kind.VALUE, Map.of(), null);
  }

  private static String dashed(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  /**
   * @param name a name under {@code limiter}
   * @return why the name binds to nothing, with the nearest known name; null if it binds to a property
   */
  static @Nullable String problem(ConfigurationPropertyName name) {
    String renamed = renamed(name);
    if (renamed != null) {
      return "was renamed to " + renamed + " (one name for each concept in init-params and properties)";
    }
    Node node = ROOT;
    for (int i = 1; i < name.getNumberOfElements(); i++) {
      String element = name.getElement(i, ConfigurationPropertyName.Form.UNIFORM);
      switch (node.kind()) {
        case MAP -> node = node.inner();
        case LIST -> {
          if (!name.isNumericIndex(i) && !element.chars().allMatch(Character::isDigit)) {
            return "is not a known property: " + name.chop(i) + " is a list, set " + name.chop(i) + "[0]";
          }
          node = node.inner();
        }
        case VALUE -> {
          return "is not a known property: " + name.chop(i) + " is a single value, it has no " + element;
        }
        default -> {
          Node child = null;
          for (Map.Entry<String, Node> e : node.children().entrySet()) {
            if (uniform(e.getKey()).equals(element)) {
              child = e.getValue();
            }
          }
          if (child == null && i == 2 && name.getElement(1, ConfigurationPropertyName.Form.UNIFORM).equals("redis")
              && CONNECTION.contains(element)) {
            String boot = element.equals("uri") ? "url" : name.getElement(i, ConfigurationPropertyName.Form.DASHED);
            return "is not a known property: the connection comes from Spring Boot's spring.data.redis.*; "
                + "did you mean spring.data.redis." + boot + "?";
          }
          if (child == null) {
            String nearest = nearest(name.getElement(i, ConfigurationPropertyName.Form.DASHED),
                node.children().keySet());
            return "is not a known property; did you mean " + name.chop(i).append(nearest) + "?";
          }
          node = child;
        }
      }
    }
    if (node.kind() == Kind.VALUE || node.kind() == Kind.LIST && node.inner().kind() == Kind.VALUE) {
      return null;
    }
    if (node.kind() == Kind.GROUP) {
      return "is a group of properties, not a value; set one of " + names(name, node.children().keySet());
    }
    return "is a " + (node.kind() == Kind.MAP ? "map" : "list") + " of groups, not a value; set "
        + name + (node.kind() == Kind.MAP ? ".<name>.<property>" : "[0].<property>");
  }

  /** The new name of a former one of the one settings model ({@code limiter.headers}), or null. */
  private static @Nullable String renamed(ConfigurationPropertyName name) {
    if (name.getNumberOfElements() < 2) {
      return null;
    }
    StringBuilder relative = new StringBuilder();
    for (int i = 1; i < name.getNumberOfElements(); i++) {
      relative.append(i > 1 ? "." : "").append(name.getElement(i, ConfigurationPropertyName.Form.DASHED));
    }
    String now = LimiterSettings.renamed(relative.toString());
    return now == null ? null : LimiterSettings.property(now);
  }

  private static String names(ConfigurationPropertyName prefix, Collection<String> children) {
    List<String> names = new ArrayList<>();
    children.forEach(c -> names.add(prefix.append(c).toString()));
    return String.join(", ", names);
  }

  private static String uniform(String dashed) {
    return dashed.replace("-", "");
  }

  /** The known name with the fewest edits from the given one (ties: the first declared); null if none is known. */
  static @Nullable String nearest(String given, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(given.toLowerCase(Locale.ROOT), k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
