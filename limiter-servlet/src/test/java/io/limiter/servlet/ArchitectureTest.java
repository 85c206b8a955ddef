package io.limiter.servlet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

  private final JavaClasses classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.limiter.servlet");

  @Test
  void usesNoCoreInternals() {
    noClasses().should().dependOnClassesThat().resideInAPackage("io.limiter.core.internal..")
        .because("core internals are not API (docs/architecture.md)").check(classes);
  }

  @Test
  void dependsOnNoFrameworkButTheServletApi() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "javax.servlet..",
        "org.eclipse.jetty..", "org.apache.catalina..").check(classes);
  }
}
