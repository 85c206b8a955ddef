package io.limiter.web;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** limiter-web is what every web stack shares, so it may name no stack's types (docs/architecture.md). */
class ArchitectureTest {

  private final JavaClasses classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.limiter.web");

  @Test
  void usesNoCoreInternals() {
    noClasses().should().dependOnClassesThat().resideInAPackage("io.limiter.core.internal..")
        .because("core internals are not API (docs/architecture.md)").check(classes);
  }

  /**
   * The request layer (key references, client IP, rules, step settings, bindings, the rule compilation and the
   * decision) is shared by the servlet filter and the WebFlux filter, so it names no type of either stack.
   */
  @Test
  void dependsOnNoWebStack() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..", "javax.servlet..",
        "org.springframework..", "reactor..", "io.netty..", "io.limiter.servlet..", "io.limiter.spring..")
        .check(classes);
  }
}
