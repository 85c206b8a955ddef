package io.limiter.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No internal type in a public signature, across every published module (core, web, servlet, spring, redis, test, gateway; this
 * module depends on all of them): a type of an {@code internal} package may not appear, also as a type argument, in
 * the superclass, interfaces, or the parameter, return, exception or field types of a public or protected member of
 * an API class (a public class outside {@code internal}, or nested in one and visible). Users could not name such a
 * type, and a change to it would break them. See docs/architecture.md.
 */
class PublicApiTest {

  static final Set<String> PUBLISHED = Set.of("io.limiter.annotation", "io.limiter.core", "io.limiter.web",
      "io.limiter.servlet", "io.limiter.spring", "io.limiter.redis", "io.limiter.test", "io.limiter.gateway");

  @Test
  void noPublicSignatureNamesAnInternalType() {
    classes().that(API).should(exposeNoInternalType()).check(new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(PUBLISHED.toArray(String[]::new)));
  }

  /**
   * No JVM-global cache in a library: a static map outlives every registry, filter and store that filled it, and in
   * a servlet container it pins the web application's classes after a redeploy. Caches belong to their owner.
   */
  @Test
  void noStaticCaches() {
    com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields().that().areStatic()
        .should().haveRawType(DescribedPredicate.describe("a concurrent or weak map",
            t -> t.isAssignableTo(java.util.concurrent.ConcurrentMap.class)
                || t.isAssignableTo(java.util.WeakHashMap.class)))
        .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(PUBLISHED.toArray(String[]::new)));
  }

  private static final DescribedPredicate<JavaClass> API = DescribedPredicate.describe("are API classes",
      c -> isApi(c));

  private static boolean isApi(JavaClass c) {
    if (isInternal(c) || !c.getModifiers().contains(JavaModifier.PUBLIC) || c.isAnonymousClass()
        || c.isLocalClass()) {
      return false;
    }
    return c.getEnclosingClass().map(PublicApiTest::isApi).orElse(true);
  }

  private static boolean isInternal(JavaClass c) {
    return c.getPackageName().contains(".internal");
  }

  private static ArchCondition<JavaClass> exposeNoInternalType() {
    return new ArchCondition<>("name no internal type in a public or protected signature") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        List<String> found = new ArrayList<>();
        c.getRawSuperclass().ifPresent(s -> internal("extends", s, found));
        c.getRawInterfaces().forEach(i -> internal("implements", i, found));
        for (JavaField f : c.getFields()) {
          if (visible(f)) {
            involved(f.getName(), f.getType(), found);
          }
        }
        for (JavaCodeUnit m : c.getCodeUnits()) {
          if (!visible(m) || m.getName().startsWith("lambda$") || m.getModifiers().contains(JavaModifier.SYNTHETIC)
              || m.getModifiers().contains(JavaModifier.BRIDGE)) {
            continue;
          }
          String at = m.getName() + "(..)";
          involved(at + " returns", m.getReturnType(), found);
          m.getParameterTypes().forEach(p -> involved(at + " takes", p, found));
          m.getThrowsClause().getTypes().forEach(t -> internal(at + " throws", t, found));
        }
        for (String f : found) {
          events.add(SimpleConditionEvent.violated(c, c.getName() + ": " + f));
        }
      }
    };
  }

  private static boolean visible(JavaMember m) {
    return m.getModifiers().contains(JavaModifier.PUBLIC) || m.getModifiers().contains(JavaModifier.PROTECTED)
        && !m.getOwner().getModifiers().contains(JavaModifier.FINAL);
  }

  private static void involved(String where, JavaType type, List<String> found) {
    for (JavaClass t : type.getAllInvolvedRawTypes()) {
      internal(where, t, found);
    }
  }

  private static void internal(String where, JavaClass type, List<String> found) {
    if (isInternal(type) && type.getPackageName().startsWith("io.limiter")) {
      found.add(where + " " + type.getName());
    }
  }
}
