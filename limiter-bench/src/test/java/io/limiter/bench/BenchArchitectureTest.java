package io.limiter.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The benchmarks measure what users get: Limiter's public API only. */
@AnalyzeClasses(packages = "io.limiter.bench", importOptions = ImportOption.DoNotIncludeTests.class)
class BenchArchitectureTest {

  @ArchTest
  static final ArchRule usesNoInternals = noClasses().that().resideInAPackage("io.limiter.bench..")
      .should().dependOnClassesThat().resideInAPackage("io.limiter..internal..")
      .because("benchmarks must measure the public API, as users call it");
}
