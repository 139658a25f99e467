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
 * with no cycles between packages; JavaFX only in app/, DJL only in verify/. In the GUI, views
 * (classes named *View, *Pane, *Dialog, *Window, and their nested classes) talk only to view models:
 * they use no core package but the rules' vocabulary, and only BackgroundTasks hops threads.
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

    /** A class of the GUI's views: its name, or an enclosing class's, ends in View, Pane, Dialog or Window. */
    static final com.tngtech.archunit.base.DescribedPredicate<com.tngtech.archunit.core.domain.JavaClass> VIEWS =
            com.tngtech.archunit.base.DescribedPredicate.describe("views (*View, *Pane, *Dialog, *Window)", c -> {
                for (String part : c.getName().substring(c.getPackageName().length() + 1).split("\\$")) {
                    if (part.matches(".*(View|Pane|Dialog|Window)")) return true;
                }
                return false;
            });

    static final com.tngtech.archunit.lang.ArchRule VIEWS_TALK_ONLY_TO_VIEW_MODELS = noClasses().that(VIEWS)
            .should().dependOnClassesThat().resideInAnyPackage("io.weightbench.tensor..", "io.weightbench.json..", "io.weightbench.checkpoint..",
                    "io.weightbench.format..", "io.weightbench.model..", "io.weightbench.compare..", "io.weightbench.stats..",
                    "io.weightbench.export..", "io.weightbench.verify..", "io.weightbench.cli..")
            .because("a view shows what its view model holds and hands it the user's actions; reading files, computing and"
                    + " exporting happen in view models, which are tested without a window (issue 13, 17)");

    static final com.tngtech.archunit.lang.ArchRule ONLY_THE_TASK_HELPER_HOPS_THREADS = noClasses()
            .that().resideInAPackage("io.weightbench.app..").and().doNotHaveFullyQualifiedName("io.weightbench.app.BackgroundTasks")
            .should().callMethod(javafx.application.Platform.class, "runLater", Runnable.class)
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.concurrent.Executors")
            .because("BackgroundTasks owns threading, progress, cancel and stale results in one place");

    @Test
    void guiViewsTalkOnlyToViewModels() {
        VIEWS_TALK_ONLY_TO_VIEW_MODELS.check(classes);
        ONLY_THE_TASK_HELPER_HOPS_THREADS.check(classes);
    }

    /** A view that reads a file itself, and a view model that posts to the FX thread itself: both rules catch them. */
    @Test
    void theGuiRulesCatchAViewReadingAFileAndAThreadHopOutsideTheHelper() {
        JavaClasses bad = new ClassFileImporter().importClasses(ReadingPane.class, io.weightbench.app.PostingViewModel.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VIEWS_TALK_ONLY_TO_VIEW_MODELS.check(bad))
                .hasMessageContaining("ReadingPane").hasMessageContaining("io.weightbench.format.Formats");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ONLY_THE_TASK_HELPER_HOPS_THREADS.check(bad))
                .hasMessageContaining("PostingViewModel").hasMessageContaining("runLater");
    }

    /** A view that opens a checkpoint itself (what the views must not do). */
    static final class ReadingPane {
        Object open(java.nio.file.Path p) throws java.io.IOException {
            return io.weightbench.format.Formats.standard().open(p);
        }
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
