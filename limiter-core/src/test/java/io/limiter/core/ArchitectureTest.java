package io.limiter.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** docs/architecture.md: the core depends on no framework; Caffeine is its only (optional) library. */
class ArchitectureTest {

  private final JavaClasses core = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.limiter");

  @Test
  void coreUsesNoServletSpringOrRedisType() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage(
            "jakarta.servlet..", "javax.servlet..", "org.springframework..", "io.lettuce..", "redis.clients..",
            "io.micrometer..", "org.slf4j..")
        .check(core);
  }

  @Test
  void onlyTheCaffeineStoreTouchesCaffeine() {
    noClasses().that().doNotHaveSimpleName("CaffeineRateLimitStore")
        .and().doNotHaveFullyQualifiedName("io.limiter.core.internal.CaffeineRateLimitStore$Space")
        .and().doNotHaveFullyQualifiedName("io.limiter.core.internal.CaffeineRateLimitStore$SpaceKey")
        .and().haveNameNotMatching(".*CaffeineRateLimitStore\\$.*")
        .should().dependOnClassesThat().resideInAnyPackage("com.github.benmanes.caffeine..")
        .check(core);
  }

  /**
   * The kernels and stores know nothing of annotations (only the integrations read them). The rule that no public
   * signature names an internal type, for every published module, is limiter-bench's {@code PublicApiTest}.
   */
  @Test
  void internalPackagesDoNotDependOnTheAnnotations() {
    noClasses().that().resideInAPackage("io.limiter.core.internal..")
        .should().dependOnClassesThat().resideInAnyPackage("io.limiter.annotation..")
        .check(core);
  }
}
