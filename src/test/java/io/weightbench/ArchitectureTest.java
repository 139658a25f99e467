package io.weightbench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The core stays free of the GUI: only {@code app/} (and the launcher that starts it) may touch JavaFX. */
class ArchitectureTest {

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.weightbench");
        org.assertj.core.api.Assertions.assertThat(classes.contain("io.weightbench.app.WorkbenchApp")).isTrue();
    }

    @Test
    void nothingOutsideAppImportsJavaFx() {
        noClasses().that().resideOutsideOfPackage("io.weightbench.app..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..")
                .because("the core and the CLI must run headless (DESIGN.md, Architecture)")
                .check(classes);
    }

    @Test
    void coreDoesNotDependOnCliOrApp() {
        noClasses().that().resideInAnyPackage("io.weightbench.format..", "io.weightbench.tensor..",
                        "io.weightbench.checkpoint..", "io.weightbench.stats..", "io.weightbench.model..",
                        "io.weightbench.compare..", "io.weightbench.rules..", "io.weightbench.export..", "io.weightbench.verify..")
                .should().dependOnClassesThat().resideInAnyPackage("io.weightbench.cli..", "io.weightbench.app..")
                .because("dependencies point one way: app/cli -> core")
                .check(classes);
    }

    @Test
    void onlyVerifyTalksToDjl() {
        noClasses().that().resideOutsideOfPackage("io.weightbench.verify..")
                .should().dependOnClassesThat().resideInAnyPackage("ai.djl..")
                .because("libtorch runs models only, lazily, on one thread (TorchRuntime); readers, writers and statistics are plain Java")
                .check(classes);
    }
}
