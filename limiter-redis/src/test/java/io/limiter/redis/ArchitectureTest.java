package io.limiter.redis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  /** This module's main classes only (scanning the whole class path is slow). */
  private final JavaClasses classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackagesOf(RedisRateLimitStore.class);

  @Test
  void coreInternalsAreNotUsed() {
    noClasses().should().dependOnClassesThat().resideInAPackage("io.limiter.core.internal..")
        .because("limiter-core's internals are not API (use the public types and io.limiter.core.spi)")
        .check(classes);
  }

  @Test
  void noServletOrSpringTypes() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "org.springframework..")
        .check(classes);
  }
}
