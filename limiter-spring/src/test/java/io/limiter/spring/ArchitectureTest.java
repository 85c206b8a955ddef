package io.limiter.spring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** limiter-spring uses only the published API of limiter-core, limiter-servlet and limiter-redis. */
class ArchitectureTest {

  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.limiter.spring");

  @Test
  void noCoreOrServletInternals() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("io.limiter.core.internal..",
        "io.limiter.servlet.internal..", "io.limiter.redis.internal..").check(CLASSES);
  }

  @Test
  void theApiDoesNotDependOnBootOrMicrometer() {
    noClasses().that().resideInAnyPackage("io.limiter.spring", "io.limiter.spring.aop", "io.limiter.spring.spi")
        .should().dependOnClassesThat().resideInAnyPackage("org.springframework.boot..", "io.micrometer..")
        .check(CLASSES);
  }
}
