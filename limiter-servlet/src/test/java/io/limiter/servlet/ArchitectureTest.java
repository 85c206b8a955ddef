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

  /**
   * The request layer of the filter reads requests through {@code HttpRequestView} only, so that another stack's
   * filter can share it (docs/architecture.md, "The WebFlux WebFilter"): the key references and resolvers, the client
   * IP resolver, rules, step settings, bindings and the stack-neutral decision name no servlet type.
   */
  @Test
  void theRequestLayerNamesNoServletType() {
    noClasses().that().haveNameMatching("io\\.limiter\\.servlet\\.(KeyReference|RequestKeys|ClientIpResolver"
        + "|RateLimitRule|StepSettings)(\\$.*)?")
        .or().haveNameMatching("io\\.limiter\\.servlet\\.internal\\.(Binding|StepBinder|RequestDecider)(\\$.*)?")
        .should().dependOnClassesThat().resideInAnyPackage("jakarta.servlet..")
        .check(classes);
  }

  @Test
  void dependsOnNoFrameworkButTheServletApi() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "javax.servlet..",
        "org.eclipse.jetty..", "org.apache.catalina..").check(classes);
  }
}
