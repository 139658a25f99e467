package io.weightbench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture, as a specification the build checks: the packages form layers, each using
 * only those below it —
 * tensor, json -> format.pickle -> checkpoint -> format (and one subpackage per framework) -> model
 * -> rules -> compare / stats / export -> verify -> cli / app (and the launcher) —
 * with no cycles between packages; JavaFX only in app/, DJL only in verify/.
 */
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

    @Test
    void packagesFormLayers() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("tensor").definedBy("io.weightbench.tensor..")
                .layer("json").definedBy("io.weightbench.json..")
                .layer("pickle").definedBy("io.weightbench.format.pickle..")
                .layer("checkpoint").definedBy("io.weightbench.checkpoint..")
                .layer("format").definedBy("io.weightbench.format", "io.weightbench.format.gguf..", "io.weightbench.format.hdf5..",
                        "io.weightbench.format.keras..", "io.weightbench.format.onnx..", "io.weightbench.format.tf..",
                        "io.weightbench.format.tfjs..", "io.weightbench.format.flax..", "io.weightbench.format.paddle..",
                        "io.weightbench.format.mxnet..")
                .layer("model").definedBy("io.weightbench.model..")
                .layer("rules").definedBy("io.weightbench.rules..")
                .layer("compare").definedBy("io.weightbench.compare..")
                .layer("stats").definedBy("io.weightbench.stats..")
                .layer("export").definedBy("io.weightbench.export..")
                .layer("verify").definedBy("io.weightbench.verify..")
                .layer("cli").definedBy("io.weightbench.cli..")
                .layer("app").definedBy("io.weightbench.app..")
                .layer("launcher").definedBy("io.weightbench")
                .whereLayer("launcher").mayNotBeAccessedByAnyLayer()
                .whereLayer("app").mayOnlyBeAccessedByLayers("launcher")
                .whereLayer("cli").mayOnlyBeAccessedByLayers("launcher", "app")
                .whereLayer("verify").mayOnlyBeAccessedByLayers("cli", "app", "launcher")
                .whereLayer("compare").mayOnlyBeAccessedByLayers("verify", "cli", "app", "launcher")
                .whereLayer("stats").mayOnlyBeAccessedByLayers("verify", "cli", "app", "launcher")
                .whereLayer("export").mayOnlyBeAccessedByLayers("verify", "cli", "app", "launcher")
                .whereLayer("rules").mayOnlyBeAccessedByLayers("compare", "stats", "export", "verify", "cli", "app", "launcher")
                .whereLayer("model").mayOnlyBeAccessedByLayers("rules", "compare", "stats", "export", "verify", "cli", "app", "launcher")
                .whereLayer("format").mayOnlyBeAccessedByLayers("model", "rules", "compare", "stats", "export", "verify", "cli", "app", "launcher")
                .whereLayer("checkpoint").mayOnlyBeAccessedByLayers("format", "model", "rules", "compare", "stats", "export", "verify", "cli", "app", "launcher")
                .whereLayer("pickle").mayOnlyBeAccessedByLayers("checkpoint", "format", "model", "rules", "compare", "stats", "export", "verify", "cli", "app", "launcher")
                .because("dependencies point one way, from the user-facing layers down to tensors (DESIGN.md, Architecture)")
                .check(classes);
    }

    @Test
    void noCyclesBetweenPackages() {
        // the layers' packages are the slices: format with its readers (format.gguf, ... and the registry that
        // lists them) is one; format.pickle, below checkpoint, is its own
        slices().assignedFrom(new com.tngtech.archunit.library.dependencies.SliceAssignment() {
            @Override public com.tngtech.archunit.library.dependencies.SliceIdentifier getIdentifierOf(com.tngtech.archunit.core.domain.JavaClass c) {
                String p = c.getPackageName();
                if (!p.startsWith("io.weightbench.")) return com.tngtech.archunit.library.dependencies.SliceIdentifier.ignore();
                if (p.startsWith("io.weightbench.format.pickle")) return com.tngtech.archunit.library.dependencies.SliceIdentifier.of("format.pickle");
                String rest = p.substring("io.weightbench.".length());
                int dot = rest.indexOf('.');
                return com.tngtech.archunit.library.dependencies.SliceIdentifier.of(dot < 0 ? rest : rest.substring(0, dot));
            }

            @Override public String getDescription() { return "the layers' packages"; }
        }).should().beFreeOfCycles()
                .because("each package can be understood, tested and changed from the ones below it")
                .check(classes);
    }
}
