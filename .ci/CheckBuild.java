import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Checks of the build that a test of one module cannot make, run by {@code .ci/run} after the README's test command
 * (JDK only: {@code java .ci/CheckBuild.java}):
 *
 * <ol>
 *   <li>limiter-bom lists every published artifact, and only those (published: a module of the root POM whose POM
 *       does not set {@code maven.deploy.skip}; the parent and the BOM itself are not listed in the BOM).
 *   <li>Two builds of the published modules produce byte-identical jars (main, sources, javadoc): it builds them from
 *       clean with Maven twice (never trusting what an earlier build left in {@code target/}: the javadoc plugin
 *       keeps pages of classes that no longer exist) and compares the hashes.
 * </ol>
 *
 * Exits non-zero naming every difference.
 */
public final class CheckBuild {

  public static void main(String[] args) throws Exception {
    Path root = Path.of(".").toAbsolutePath().normalize();
    List<String> problems = new ArrayList<>();

    Map<String, Path> published = new TreeMap<>();
    for (String module : texts(parse(root.resolve("pom.xml")).getDocumentElement(), "modules", "module")) {
      Path pom = root.resolve(module).resolve("pom.xml");
      Element project = parse(pom).getDocumentElement();
      String artifactId = child(project, "artifactId");
      String deploySkip = texts(project, "properties", "maven.deploy.skip").stream().findFirst().orElse("false");
      if (!"true".equals(deploySkip.trim()) && !"limiter-bom".equals(artifactId)) {
        published.put(artifactId, root.resolve(module));
      }
    }
    Element bom = parse(root.resolve("limiter-bom/pom.xml")).getDocumentElement();
    Set<String> listed = new TreeSet<>();
    for (Element dependency : elements(bom, "dependencyManagement", "dependencies", "dependency")) {
      listed.add(child(dependency, "artifactId"));
    }
    for (String artifact : published.keySet()) {
      if (!listed.contains(artifact)) {
        problems.add("limiter-bom does not list the published artifact " + artifact);
      }
    }
    for (String artifact : listed) {
      if (!published.containsKey(artifact)) {
        problems.add("limiter-bom lists " + artifact + ", which is not a published module of the root pom.xml");
      }
    }

    String modules = String.join(",", published.values().stream().map(p -> root.relativize(p).toString()).toList());
    Map<Path, String> before = cleanBuild(modules, problems) ? jarHashes(published.values()) : Map.of();
    Map<Path, String> after = cleanBuild(modules, problems) ? jarHashes(published.values()) : Map.of();
    if (problems.isEmpty()) {
      if (before.isEmpty()) {
        problems.add("the build of " + modules + " made no jars");
      }
      if (!after.keySet().equals(before.keySet())) {
        problems.add("the two builds made other jars: first " + before.keySet() + ", second " + after.keySet());
      }
      before.forEach((jar, hash) -> {
        if (after.containsKey(jar) && !after.get(jar).equals(hash)) {
          problems.add("not reproducible: " + root.relativize(jar) + " differs between two builds");
        }
      });
      System.out.println(before.size() + " jars of " + published.size() + " published modules compared");
    }

    if (!problems.isEmpty()) {
      problems.forEach(problem -> System.err.println("CheckBuild: " + problem));
      System.exit(1);
    }
    System.out.println("CheckBuild: the BOM lists " + listed + "; every jar is byte-identical across two builds");
  }

  /** Builds the modules (and what they need) from clean, without tests; false (and a problem) if Maven fails. */
  private static boolean cleanBuild(String modules, List<String> problems) throws Exception {
    // -am: a published module may test against an unpublished one (the gateway reads its page through limiter-docs)
    Process build = new ProcessBuilder("mvn", "-B", "-q", "clean", "package", "-DskipTests", "-am", "-pl", modules)
        .inheritIO().start();
    if (build.waitFor() != 0) {
      problems.add("the build of " + modules + " failed");
      return false;
    }
    return true;
  }

  private static Map<Path, String> jarHashes(Iterable<Path> modules) throws Exception {
    Map<Path, String> hashes = new TreeMap<>();
    for (Path module : modules) {
      Path target = module.resolve("target");
      if (!Files.isDirectory(target)) {
        continue;
      }
      try (Stream<Path> files = Files.list(target)) {
        for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          try (InputStream in = Files.newInputStream(jar)) {
            sha.update(in.readAllBytes());
          }
          hashes.put(jar, HexFormat.of().formatHex(sha.digest()));
        }
      }
    }
    return hashes;
  }

  private static Document parse(Path pom) throws Exception {
    try {
      return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    } catch (IOException e) {
      throw new IOException("cannot read " + pom, e);
    }
  }

  /** Text of the elements at a path of direct children below {@code from}. */
  private static List<String> texts(Element from, String... path) {
    return elements(from, path).stream().map(Element::getTextContent).map(String::trim).toList();
  }

  private static List<Element> elements(Element from, String... path) {
    List<Element> current = List.of(from);
    for (String name : path) {
      List<Element> next = new ArrayList<>();
      for (Element element : current) {
        NodeList children = element.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
          Node node = children.item(i);
          if (node instanceof Element e && e.getTagName().equals(name)) {
            next.add(e);
          }
        }
      }
      current = next;
    }
    return current;
  }

  private static String child(Element element, String name) {
    return texts(element, name).stream().findFirst().orElse("");
  }
}
