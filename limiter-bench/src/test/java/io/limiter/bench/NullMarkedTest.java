package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaPackage;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

/**
 * Every package of every published module is {@code @NullMarked} (docs/architecture.md, "Null-safety"): NullAway
 * checks exactly the {@code @NullMarked} code, so a package without the annotation would silently escape the check
 * (JSpecify does not inherit the annotation from a parent package).
 */
class NullMarkedTest {

  @Test
  void everyPublishedPackageIsNullMarked() {
    Set<String> unmarked = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(PublicApiTest.PUBLISHED.toArray(String[]::new))
        .stream()
        .map(JavaClass::getPackage)
        .filter(p -> !p.isAnnotatedWith(NullMarked.class))
        .map(JavaPackage::getName)
        .collect(Collectors.toCollection(TreeSet::new));

    assertThat(unmarked).as("packages without @NullMarked in their package-info.java")
        .isEmpty();
  }
}
