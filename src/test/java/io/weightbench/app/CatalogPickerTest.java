package io.weightbench.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.FileHash;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The catalog picker (typed into, filtered, options, the model loads) and the file hash in the detail pane, headless. */
@ExtendWith(ApplicationExtension.class)
class CatalogPickerTest {

    private WorkbenchWindow w;

    @Start
    void start(Stage stage) {
        w = Workbenches.show(stage);
    }

    @Test
    void typingFiltersByNameThePickedArchitectureLoadsWithItsOptions(FxRobot robot) throws Exception {
        robot.interact(w::pickCatalog); // the dialog waits for its answer in a nested event loop: the robot goes on
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.catalogDialog != null && w.catalogDialog.isShowing());
        CatalogDialog d = w.catalogDialog;
        assertThat(d.table.getItems().size()).isGreaterThan(1000); // every timm and torchvision architecture
        robot.interact(() -> {
            d.search.getScene().getWindow().requestFocus();
            d.search.requestFocus();
        });
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, d.search::isFocused);
        robot.targetWindow(d.search.getScene().getWindow());
        robot.write("convnext_t");
        assertThat(d.table.getItems()).extracting(OpenViewModel.CatalogEntry::name).contains("timm/convnext_tiny")
                .allMatch(n -> n.contains("convnext_t"));
        OpenViewModel.CatalogEntry tiny = d.table.getItems().stream().filter(e -> e.name().equals("timm/convnext_tiny")).findFirst().orElseThrow();
        assertThat(tiny.values()).isBetween(28_000_000L, 29_000_000L); // timm's convnext_tiny: 28.6M parameters
        assertThat(tiny.numClasses()).isTrue();
        robot.interact(() -> d.table.getSelectionModel().select(tiny));
        robot.clickOn("#catalog-num-classes").write("10");
        assertThat(((Label) robot.lookup("#catalog-source").query()).getText()).isEqualTo("catalog:timm/convnext_tiny?num_classes=10");
        robot.interact(() -> ((Button) d.getDialogPane().lookupButton(ButtonType.OK)).fire());
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> w.model.model.get() != null);
        assertThat(w.model.modelRows).filteredOn(r -> r.key().equals("head.fc.weight")).extracting(KeyRow::shapeText).containsExactly("[10, 768]");
        assertThat(w.open.modelFile.get()).startsWith("catalog:timm/convnext_tiny?num_classes=10");
    }

    @Test
    void aFamilyWordAndANameWordNarrowTogether() {
        OpenViewModel.CatalogEntry r = new OpenViewModel.CatalogEntry("timm/resnet50", "resnet", 320, 25_557_032, true, true, true, "1000");
        assertThat(CatalogDialog.matches(r, "resnet 50")).isTrue();
        assertThat(CatalogDialog.matches(r, "RESNET")).isTrue();
        assertThat(CatalogDialog.matches(r, "resnet vit")).isFalse();
        assertThat(CatalogDialog.source(r, " 10 ", "1", true)).isEqualTo("catalog:timm/resnet50?num_classes=10&in_chans=1&features_only=true");
        assertThat(CatalogDialog.source(r, "", "", false)).isEqualTo("catalog:timm/resnet50");
    }

    @Test
    void theDetailPaneShowsTheFilesSha256ComputedInTheBackground(FxRobot robot) throws Exception {
        Path file = Path.of("samples/tinynet_dataparallel.pth");
        robot.interact(() -> w.openCheckpoint(file));
        String expected = FileHash.sha256(file);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> robot.lookup("#file-hash").tryQuery()
                .map(n -> ((Label) n).getText().equals(expected)).orElse(false));
        // the hash's own lane held back: Stop ends it before it is done, Compute runs it again
        java.util.Deque<Runnable> held = new java.util.ArrayDeque<>();
        WorkbenchModel session = new WorkbenchModel();
        DetailViewModel vm = new DetailViewModel(session, BackgroundTasks.on(held::add, Runnable::run));
        try (io.weightbench.checkpoint.Checkpoint c = io.weightbench.format.Formats.standard().open(file)) {
            session.checkpoint.set(c);
            vm.show(null, null);
            assertThat(vm.facts).filteredOn(f -> f.name().equals("sha256")).extracting(DetailViewModel.Fact::value)
                    .containsExactly("computing in the background …");
            assertThat(vm.hashing()).isTrue();
            vm.cancelHash();
            while (!held.isEmpty()) held.poll().run();
            assertThat(vm.facts).filteredOn(f -> f.name().equals("sha256")).extracting(DetailViewModel.Fact::value).containsExactly("stopped");
            assertThat(vm.hashStopped()).isTrue();
            vm.computeHash();
            while (!held.isEmpty()) held.poll().run();
            assertThat(vm.facts).filteredOn(f -> f.name().equals("sha256")).extracting(DetailViewModel.Fact::value).containsExactly(expected);
        }
    }
}
