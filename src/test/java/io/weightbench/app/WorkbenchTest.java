package io.weightbench.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.rules.Rule;
import io.weightbench.tensor.CanonicalBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TreeTableRow;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The workbench, headless (Monocle): opening, status, drag-to-rule, undo, export, histograms. */
@ExtendWith(ApplicationExtension.class)
class WorkbenchTest {

    private static final Path TEMPLATE = Path.of("samples/tinynet_template.pt");
    private static final Path DATA_PARALLEL = Path.of("samples/tinynet_dataparallel.pth");

    private WorkbenchWindow w;

    @Start
    void start(Stage stage) {
        w = Workbenches.show(stage);
    }

    private void openBoth(FxRobot robot) throws Exception {
        robot.interact(() -> {
            w.openModel(TEMPLATE.toString());
            w.openCheckpoint(DATA_PARALLEL);
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null && !w.model.checkpointRows.isEmpty()
                && !w.model.suggestions.isEmpty());
        WaitForAsyncUtils.waitForFxEvents();
    }

    private static String text(FxRobot robot, String id) {
        return ((javafx.scene.control.Labeled) robot.lookup(id).query()).getText();
    }

    /** The two trees side by side (the aligned view is the first tab). */
    private void sideBySide(FxRobot robot) {
        robot.interact(() -> w.views.getSelectionModel().select(1));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void filesOpenedDuringTheWarmUpDoNotWaitForItsRounds(FxRobot robot) throws Exception {
        robot.interact(() -> {
            w.warmUp();
            w.openModel(TEMPLATE.toString());
            w.openCheckpoint(DATA_PARALLEL);
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.warmup.doneProperty().get() && w.model.fit() != null && !w.model.checkpointRows.isEmpty());
        assertThat(w.warmup.rounds).isLessThan(Warmup.ROUNDS); // it gave way (at its first or second round)
    }

    @Test
    void openingFilesShowsTheMismatchByStatusColourAndIcon(FxRobot robot) throws Exception {
        openBoth(robot);
        // 16 keys under module.; torch's BatchNorm fills in the template's 2 num_batches_tracked itself
        assertThat(text(robot, "#summary-matched")).isEqualTo("0 matched");
        assertThat(text(robot, "#summary-missing")).isEqualTo("14 missing");
        assertThat(text(robot, "#summary-unexpected")).isEqualTo("16 unexpected");
        assertThat(text(robot, "#summary-filled")).isEqualTo("2 filled by torch"); // 14 + 2 = the 16 the checkpoint has
        assertThat(text(robot, "#verdict")).contains("would fail");
        sideBySide(robot);
        TreeTableRow<?> module = row(robot, "#checkpoint-tree", "module");
        assertThat(module.getStyleClass()).contains("status-unexpected");
        assertThat(w.checkpointPane.item("module").getValue().statusText()).isEqualTo("16 unexpected");
        assertThat(w.modelPane.item("stem").getValue().statusText()).contains("missing");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !w.model.suggestions.isEmpty());
        assertThat(w.model.suggestions).extracting(s -> s.description()).first().isEqualTo("strip 'module.'");
        assertThat(w.model.suggestions.get(0).effect()).isEqualTo("matched 0 → 16, missing 14 → 0, unexpected 16 → 0, shape 0 → 0; then loads with strict=True");
        // the filter and the problems-only toggle
        robot.interact(() -> w.modelPane.problemsOnly.setSelected(true));
        assertThat(w.modelPane.item("stem.1.num_batches_tracked")).isNull(); // filled by torch: not a problem
        robot.interact(() -> w.modelPane.search.setText("head"));
        assertThat(w.modelPane.item("stem")).isNull();
        assertThat(w.modelPane.item("head.weight")).isNotNull();
    }

    @Test
    void acceptingASuggestionFixesEveryKeyAndUndoRedoTakeItBackAndForth(FxRobot robot) throws Exception {
        openBoth(robot);
        robot.clickOn(robot.lookup("#suggestions").lookup(".button").queryAs(Button.class));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(text(robot, "#summary-matched")).isEqualTo("16 matched");
        assertThat(text(robot, "#summary-missing")).isEqualTo("0 missing");
        assertThat(text(robot, "#verdict")).isEqualTo("loads with strict=True");
        assertThat(w.model.changedPerRule).containsExactly(16);
        sideBySide(robot);
        assertThat(row(robot, "#checkpoint-tree", "stem").getStyleClass()).contains("status-renamed");
        robot.clickOn("#undo");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.model.rules).isEmpty();
        assertThat(text(robot, "#summary-matched")).isEqualTo("0 matched");
        robot.clickOn("#redo");
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.model.rules).hasSize(1);
        assertThat(text(robot, "#summary-matched")).isEqualTo("16 matched");
    }

    @Test
    void draggingACheckpointKeyOntoAModelKeyOffersThePrefixRuleWithItsEffect(FxRobot robot) throws Exception {
        openBoth(robot);
        sideBySide(robot);
        robot.interact(() -> {
            w.checkpointPane.select("module.head.weight");
            w.modelPane.select("head.weight");
        });
        WaitForAsyncUtils.waitForFxEvents();
        robot.drag(row(robot, "#checkpoint-tree", "module.head.weight")).dropTo(row(robot, "#model-tree", "head.weight"));
        WaitForAsyncUtils.waitForFxEvents();
        Button broader = robot.lookup("#proposal-broader").queryAs(Button.class);
        assertThat(broader.getText()).isEqualTo("Apply to all 16 keys: strip 'module.'");
        assertThat(robot.lookup("#proposal .effect").queryAs(Label.class).getText()).contains("matched 0 → 16").contains("missing 14 → 0");
        robot.clickOn(broader);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.model.rules).extracting(WorkbenchModel.RuleRow::rule).containsExactly(new Rule.StripPrefix("module."));
        assertThat(text(robot, "#summary-matched")).isEqualTo("16 matched");
        // the same handler for a single key: a rename only
        robot.interact(() -> w.nodeDropped("stem.0.weight", true, "head.bias", true));
        assertThat(robot.lookup("#proposal-rule").queryAs(Button.class).getText()).contains("stem.0.weight -> head.bias");
        assertThat(robot.lookup("#proposal .status-shape").queryAs(Label.class).getText()).contains("but the model expects");
        robot.clickOn("#proposal-cancel");
        assertThat(w.model.rules).hasSize(1);
    }

    @Test
    void exportThroughTheDialogWritesAFileTorchCanLoad(FxRobot robot, @TempDir Path dir) throws Exception {
        openBoth(robot);
        robot.interact(() -> w.rules.acceptSuggestion(0));
        Path out = dir.resolve("fixed.safetensors");
        Workbenches.export(robot, w, out);
        assertThat(Files.exists(dir.resolve("fixed.rules.json"))).isTrue();
        try (Checkpoint back = Formats.standard().open(out); Checkpoint src = Formats.standard().open(DATA_PARALLEL)) {
            assertThat(back.weights()).extracting(TensorEntry::key).contains("stem.0.weight", "head.weight").noneMatch(k -> k.startsWith("module."));
            for (TensorEntry t : back.weights()) {
                assertThat(CanonicalBytes.sha256(t.data())).isEqualTo(CanonicalBytes.sha256(src.tensor("module." + t.key()).orElseThrow().data()));
            }
        }
    }

    @Test
    void statisticsFillInAndDiagnosticsFollow(FxRobot robot, @TempDir Path dir) throws Exception {
        openBoth(robot);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.diagnostics.stats().size() == 16
                && !((Label) w.diagnosticsPane.findings.getPlaceholder()).getText().startsWith("Checking"));
        assertThat(w.diagnostics.stats().get("module.head.weight").count()).isEqualTo(320);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.statsBox.isVisible()).isFalse(); // the progress bar goes once the statistics are in
        assertThat(w.diagnosticsPane.findings.getItems().isEmpty() ? ((Label) w.diagnosticsPane.findings.getPlaceholder()).getText() : w.bottom.getTabs().get(1).getText())
                .matches("No findings.*|Diagnostics \\(.*");
        // rules imported from a file are applied like any other
        Path rules = dir.resolve("r.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"module.\"}]}");
        robot.interact(() -> w.rules.importRules(rules));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> w.model.rules.size() == 1);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(text(robot, "#summary-matched")).isEqualTo("16 matched");
    }

    @Test
    void twoCheckpointsDroppedOnTheWindowGoLeftAndRightAndChartTheChangePerLayer(FxRobot robot) throws Exception {
        robot.interact(() -> w.openFiles(List.of(TEMPLATE.toFile(), DATA_PARALLEL.toFile()), null));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null && !w.model.suggestions.isEmpty());
        assertThat(w.model.model.get().template()).isPresent();
        assertThat(w.model.checkpoint.get().file()).isEqualTo(DATA_PARALLEL);
        robot.interact(() -> w.rules.acceptSuggestion(0));
        // computed by itself once both sides have data, again after the rule
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.layers.modules.size() > 0 && w.layerPane.chart.isVisible());
        assertThat(w.layers.moduleNames()).startsWith("stem.0", "stem.1");
        assertThat(w.layers.modules).allMatch(m -> m.relL2() > 0); // a fresh template against trained weights
    }

    @Test
    void theWeightsEntryIsChosenFromADropDown(FxRobot robot) throws Exception {
        robot.interact(() -> {
            w.openModel(TEMPLATE.toString());
            w.openCheckpoint(Path.of("samples/tinynet_lightning.ckpt"));
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null);
        assertThat(w.entry.isVisible()).isTrue();
        assertThat(w.entry.getValue()).isEqualTo("state_dict");
        robot.interact(() -> w.entry.setValue("(top level)"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.model.checkpoint.get().weightsEntry()).isEmpty();
        assertThat(w.model.checkpointRows).extracting(KeyRow::key).allMatch(k -> k.startsWith("state_dict.") || !k.contains("stem"));
    }

    @Test
    void verifyOutputsRunsATorchScriptModelWithTheCheckpointsWeights(FxRobot robot, @TempDir Path dir) throws Exception {
        io.weightbench.TestFiles.runTorchScript("scripts/make_verify_fixtures.py", dir.toString());
        robot.interact(() -> {
            w.openModel(dir.resolve("cnn.pt").toString());
            w.openCheckpoint(dir.resolve("cnn_perturbed.pth"));
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(robot.lookup("#verify").tryQuery()).isPresent(); // offered: the model side is TorchScript
        robot.interact(() -> w.verifyOutputs("2,3,12,12"));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> robot.lookup("#verify-verdict").tryQuery().isPresent());
        assertThat(robot.lookup("#verify-verdict").queryAs(Label.class).getText()).isEqualTo("FAIL");
        robot.interact(() -> w.openCheckpoint(dir.resolve("cnn_state.pth")));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.checkpoint.get().file().endsWith("cnn_state.pth"));
        robot.interact(() -> w.verifyOutputs("2,3,12,12"));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> robot.lookup("#verify-verdict").tryQuery()
                .map(n -> ((Label) n).getText().startsWith("PASS")).orElse(false));
    }

    @Test
    void aKeyUnderATensorRuleShowsTheTransformedValues(FxRobot robot) throws Exception {
        robot.interact(() -> {
            w.openModel(TEMPLATE.toString());
            w.openCheckpoint(Path.of("samples/tinynet_5class_fp16.safetensors"));
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null);
        robot.interact(() -> w.rules.importRules(Path.of("samples/rules/5class_fp16.json"))); // drop the head, cast to float32
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> w.model.rules.size() == 2);
        robot.interact(() -> w.checkpointPane.select("layer1.0.weight"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> histogram(w) != null);
        assertThat(histogram(w).total()).isEqualTo(32 * 16 * 3 * 3);
        assertThat(robot.lookup("#summary-dtype").tryQuery()).isEmpty(); // no dtype changes left: no chip
    }

    @Test
    void theHistogramHasTheChosenBinCount(FxRobot robot) throws Exception {
        openBoth(robot);
        robot.interact(() -> w.rules.acceptSuggestion(0));
        robot.interact(() -> w.checkpointPane.select("layer1.0.weight"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> histogram(w) != null);
        assertThat(histogram(w).bins()).isEqualTo(100);
        robot.interact(() -> w.detail.bins.getValueFactory().setValue(20));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> histogram(w) != null && histogram(w).bins() == 20);
        assertThat(histogram(w).total()).isPositive();
        assertThat(w.detail.differences.isVisible()).isTrue(); // template and checkpoint: the difference histogram too
    }

    @Test
    void aBadFileIsANotificationAndTheWorkbenchStaysUsable(FxRobot robot, @TempDir Path dir) throws Exception {
        Path bad = dir.resolve("notes.pth");
        Files.writeString(bad, "not a checkpoint\n");
        robot.interact(() -> w.openCheckpoint(bad));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> w.notifications.isShowing());
        assertThat(w.notifications.getText()).contains(bad.toString());
        openBoth(robot);
        assertThat(text(robot, "#summary-unexpected")).isEqualTo("16 unexpected");
    }

    /**
     * Out of memory (a real one: an array the VM cannot make) and stack overflow while a file opens
     * on the files lane: the notification is the line the CLI prints, and the next files open.
     */
    @Test
    void outOfMemoryAndStackOverflowAreTheCliLineAndTheWorkbenchStaysUsable(FxRobot robot) throws Exception {
        Path huge = Path.of("huge.pt");
        robot.interact(() -> {
            w.open.opener = p -> {
                long[] a = new long[Integer.MAX_VALUE];
                throw new AssertionError(a.length);
            };
            w.openCheckpoint(huge);
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> w.notifications.isShowing());
        assertThat(w.notifications.getText()).isEqualTo(io.weightbench.cli.Failure.line(new OutOfMemoryError(), List.of(huge)))
                .startsWith("huge.pt: needs more memory than the Java heap allows");
        robot.interact(() -> {
            w.notifications.hide();
            w.open.opener = p -> {
                throw new StackOverflowError();
            };
            w.openCheckpoint(Path.of("deep.pt"));
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> w.notifications.getText().startsWith("deep.pt"));
        assertThat(w.notifications.getText()).isEqualTo("deep.pt: is nested too deeply to process (stack overflow)");
        robot.interact(() -> w.open.opener = p -> Formats.standard().open(p));
        openBoth(robot);
        assertThat(text(robot, "#summary-unexpected")).isEqualTo("16 unexpected");
    }

    /**
     * Issue 15 in the window: a Keras .h5 against catalog:torchvision/resnet18; the keras preset is
     * proposed and applied, the pairing shown, two pairs swapped by a real drag and back, the
     * pairing accepted, and the verdict is strict. The window is written to
     * target/screenshots/workbench-pairing.png.
     */
    @Test
    void aKerasFileIsPairedInTheRulesPaneUntilItLoadsStrictly(FxRobot robot) throws Exception {
        Path h5 = ViewModelsTest.kerasResnet18();
        robot.interact(() -> {
            w.openModel("catalog:torchvision/resnet18");
            w.openCheckpoint(h5);
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> w.model.fit() != null && w.model.checkpoint.get() != null);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.rulesPane.presetChoice.getValue()).isEqualTo("keras");
        assertThat(text(robot, "#preset-note")).isEqualTo("proposed for this keras-h5 file");
        robot.clickOn("#preset-apply");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> w.rules.pairs.size() == 102);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.model.rules).hasSize(io.weightbench.rules.Presets.load("keras").rules().size());
        assertThat(w.rulesPane.unpaired.isManaged()).isFalse(); // nothing unpaired
        // bn1's weight and bias ([64] both): drag the second pair's checkpoint key onto the third pair's model key
        RulesViewModel.PairRow weight = w.rules.pairs.get(1);
        RulesViewModel.PairRow bias = w.rules.pairs.get(2);
        assertThat(weight.modelKey()).isEqualTo("bn1.weight");
        robot.interact(() -> w.rulesPane.pairing.scrollTo(1)); // rows 1 and 2 at the top of the list, whole
        WaitForAsyncUtils.waitForFxEvents();
        robot.drag(nearTopLeft(robot, pairCell(robot, 1))).dropTo(nearTopLeft(robot, pairCell(robot, 2)));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.rules.pairs.get(1)).isEqualTo(new RulesViewModel.PairRow(weight.checkpointKey(), "bn1.bias", "paired by hand (was bn1.weight)", true));
        assertThat(w.rules.pairs.get(2).modelKey()).isEqualTo("bn1.weight");
        robot.drag(nearTopLeft(robot, pairCell(robot, 1))).dropTo(nearTopLeft(robot, pairCell(robot, 2)));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.rules.pairs.get(1).modelKey()).isEqualTo("bn1.weight");
        snapshot(robot, Path.of("target", "screenshots", "workbench-pairing.png"));
        robot.clickOn("#accept-pairing");
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> w.model.fit() != null && w.model.fit().comparison().loadsStrictly());
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(text(robot, "#verdict")).isEqualTo("loads with strict=True");
        assertThat(w.model.ruleSet().preset()).hasValue("keras");
        snapshot(robot, Path.of("target", "screenshots", "workbench-paired.png"));
    }

    /** A point inside a row's first line, away from scroll bars that may cover its middle. */
    private static org.testfx.service.query.PointQuery nearTopLeft(FxRobot robot, Node n) {
        return robot.point(n).atPosition(javafx.geometry.Pos.TOP_LEFT).atOffset(new javafx.geometry.Point2D(40, 8));
    }

    private static javafx.scene.control.ListCell<?> pairCell(FxRobot robot, int index) {
        for (Node n : robot.lookup("#pairing").lookup(".list-cell").queryAll()) {
            javafx.scene.control.ListCell<?> c = (javafx.scene.control.ListCell<?>) n;
            if (c.getIndex() == index && c.getItem() != null) return c;
        }
        throw new AssertionError("no visible pairing row " + index);
    }

    private void snapshot(FxRobot robot, Path file) throws Exception {
        Files.createDirectories(file.getParent());
        javafx.scene.image.WritableImage[] img = new javafx.scene.image.WritableImage[1];
        robot.interact(() -> img[0] = w.stage.getScene().snapshot(null));
        javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(img[0], null), "png", file.toFile());
    }

    @Test
    void theWindowsLayoutIsSavedWhenItClosesAndRestoredByTheNextWindow(FxRobot robot) throws Exception {
        robot.interact(() -> {
            w.stage.setWidth(1100);
            w.stage.setHeight(760);
            w.trees.setDividerPositions(0.6);
            w.main.setDividerPositions(0.5);
            w.views.getSelectionModel().select(1); // side by side
            w.bottom.getSelectionModel().select(2); // the layer-by-layer change
        });
        WaitForAsyncUtils.waitForFxEvents();
        double trees = w.trees.getDividerPositions()[0]; // as laid out: the panes' minimum widths have a say
        assertThat(trees).isCloseTo(0.6, org.assertj.core.data.Offset.offset(0.1));
        robot.interact(() -> w.stage.hide()); // closing saves
        WorkbenchWindow[] next = new WorkbenchWindow[1];
        robot.interact(() -> {
            Stage s = new Stage();
            next[0] = new WorkbenchWindow(s);
            s.show();
        });
        WaitForAsyncUtils.waitForFxEvents();
        WorkbenchWindow n = next[0];
        assertThat(n.stage.getWidth()).isEqualTo(1100);
        assertThat(n.stage.getHeight()).isEqualTo(760);
        assertThat(n.trees.getDividerPositions()[0]).isCloseTo(trees, org.assertj.core.data.Offset.offset(0.01));
        assertThat(n.main.getDividerPositions()[0]).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(n.views.getSelectionModel().getSelectedIndex()).isEqualTo(1);
        assertThat(n.bottom.getSelectionModel().getSelectedIndex()).isEqualTo(2);
        // a remembered size the screen cannot hold (another monitor, a lower resolution): the window takes the screen
        javafx.geometry.Rectangle2D screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        java.util.prefs.Preferences.userNodeForPackage(WorkbenchWindow.class).putDouble("window.width", screen.getWidth() + 400);
        robot.interact(n::restoreLayout);
        assertThat(n.stage.getWidth()).isEqualTo(screen.getWidth());
        assertThat(n.stage.getHeight()).isEqualTo(screen.getHeight());
        assertThat(n.stage.getX()).isEqualTo(screen.getMinX());
        robot.interact(() -> n.stage.hide());
    }

    /** The histogram the detail pane shows, or null while none. */
    static io.weightbench.stats.Histogram histogram(WorkbenchWindow w) {
        DetailViewModel.Numbers n = w.detailVm.numbers.get();
        return n == null ? null : n.first();
    }

    /** The visible row showing the node of {@code path}. */
    @SuppressWarnings("unchecked")
    private static TreeTableRow<KeyNode> row(FxRobot robot, String tree, String path) {
        for (Node n : robot.lookup(tree).lookup(".tree-table-row-cell").queryAll()) {
            TreeTableRow<KeyNode> r = (TreeTableRow<KeyNode>) n;
            if (r.getItem() != null && r.getItem().path.equals(path)) return r;
        }
        throw new AssertionError("no visible row for " + path + " in " + tree);
    }

}
