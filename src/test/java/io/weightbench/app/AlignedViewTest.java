package io.weightbench.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.weightbench.rules.Rule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.TreeTableRow;
import javafx.scene.control.skin.VirtualFlow;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The aligned comparison, F8, the summary's filters, "Map to…" and drag-to-map on a 300-key tree, headless. */
@ExtendWith(ApplicationExtension.class)
class AlignedViewTest {

    private static final Path TEMPLATE = Path.of("samples/tinynet_template.pt");

    private WorkbenchWindow w;

    @Start
    void start(Stage stage) {
        w = Workbenches.show(stage);
    }

    private void open(FxRobot robot, Path model, Path checkpoint) throws Exception {
        robot.interact(() -> {
            w.openModel(model.toString());
            w.openCheckpoint(checkpoint);
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null && !w.model.alignedRows.isEmpty()
                && w.model.checkpoint.get().file().equals(checkpoint));
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void eachModelKeyStandsBesideItsCheckpointKeyWithBothShapesAndF8WalksTheProblems(FxRobot robot) throws Exception {
        open(robot, TEMPLATE, Path.of("samples/tinynet_1000class.pth"));
        KeyRow head = w.model.alignedRows.stream().filter(r -> r.key().equals("head.weight")).findFirst().orElseThrow();
        assertThat(head.original()).isEqualTo("head.weight");
        assertThat(head.status()).isEqualTo(Status.SHAPE);
        assertThat(head.alignedShapeText()).isEqualTo("[1000, 32] → [10, 32]");
        assertThat(w.alignedPane.item("head").getValue().statusText()).isEqualTo("2 shape differs");
        // F8 from nothing selected: the first problem; again: the next; Shift+F8: back
        robot.clickOn(w.alignedPane.table);
        robot.interact(() -> w.alignedPane.table.getSelectionModel().clearSelection());
        robot.type(KeyCode.F8);
        assertThat(w.alignedPane.selectedProperty().get().path).isEqualTo("head.weight");
        robot.type(KeyCode.F8);
        assertThat(w.alignedPane.selectedProperty().get().path).isEqualTo("head.bias");
        robot.press(KeyCode.SHIFT).type(KeyCode.F8).release(KeyCode.SHIFT);
        assertThat(w.alignedPane.selectedProperty().get().path).isEqualTo("head.weight");
        // selecting a row shows it in the detail pane, with the checkpoint's values
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null);
        assertThat(w.detailVm.heading.get()).isEqualTo("head.weight");
        assertThat(w.detailVm.facts).extracting(DetailViewModel.Fact::value).contains("[1000, 32]");
    }

    @Test
    void oneTooltipSaysWhatTheRowUnderThePointerHoldsAndColumnsFitTheirLongestText(FxRobot robot) throws Exception {
        open(robot, TEMPLATE, Path.of("samples/tinynet_1000class.pth"));
        robot.interact(() -> w.alignedPane.select("head.weight"));
        WaitForAsyncUtils.waitForFxEvents();
        for (String key : java.util.List.of("head.weight", "head.bias")) {
            javafx.scene.Node row = robot.lookup(".tree-table-row-cell").match((javafx.scene.control.TreeTableRow<KeyNode> r) -> r.getItem() != null
                    && r.getItem().path.equals(key)).query();
            robot.moveTo(row);
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> w.alignedPane.rowTip.isShowing() && w.alignedPane.rowTip.getText().startsWith(key + "\n"));
            assertThat(w.alignedPane.rowTip.getText()).startsWith(key + "\n").contains(key.equals("head.weight") ? "[1000, 32] → [10, 32]" : "[1000] → [10]");
        }
        // the shape column is as wide as its widest text (measured among the longest texts only)
        javafx.scene.text.Text probe = new javafx.scene.text.Text("[1000, 32] → [10, 32]");
        probe.setFont(w.alignedPane.search.getFont());
        javafx.scene.control.TreeTableColumn<KeyNode, ?> shape = w.alignedPane.table.getColumns().stream().filter(c -> c.getText().equals("shape"))
                .findFirst().orElseThrow();
        assertThat(shape.getPrefWidth()).isGreaterThanOrEqualTo(probe.getLayoutBounds().getWidth());
        // parameter counts as %.1f / %.2f would round them
        for (long n : new long[] {0, 999, 1000, 1049, 1050, 1550, 999_949, 999_950, 1_000_000, 25_557_032, 999_999_999, 1_000_000_000, 1_234_567_890_123L}) {
            String want = n < 1000 ? Long.toString(n) : n < 1_000_000 ? String.format(java.util.Locale.ROOT, "%.1fK", n / 1e3)
                    : n < 1_000_000_000 ? String.format(java.util.Locale.ROOT, "%.1fM", n / 1e6) : String.format(java.util.Locale.ROOT, "%.2fB", n / 1e9);
            assertThat(TreePane.human(n)).as("%d", n).isEqualTo(want);
        }
    }

    @Test
    void valuesComputedAfterTheTreesShowInTheCellsOnScreen(FxRobot robot) throws Exception {
        // the template against itself under other names: every matched key's change is "unchanged"; the statistics
        // fill the checkpoint tree's values column (both without the trees' cells being made anew)
        open(robot, TEMPLATE, Path.of("samples/tinynet_1000class.pth"));
        String matched = w.model.alignedRows.stream().filter(r -> r.status() == Status.MATCHED).findFirst().orElseThrow().key();
        robot.interact(() -> w.alignedPane.select(matched)); // its module opened: the key's row on screen
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> cellTexts("change-column").stream().anyMatch(t -> t.startsWith("unchanged") || t.startsWith("rel ")));
        robot.interact(() -> {
            w.views.getSelectionModel().select(1);
            w.checkpointPane.select(matched);
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> cellTexts("values-column").stream().anyMatch(t -> t.startsWith("μ ")));
        // new values reach the same cells (valuesChanged, not the cells made anew)
        java.util.List<javafx.scene.Node> before = cells("values-column");
        robot.interact(() -> {
            w.checkpointPane.values = r -> "probe";
            w.checkpointPane.valuesChanged();
        });
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> cellTexts("values-column").contains("probe"));
        assertThat(cells("values-column")).containsExactlyInAnyOrderElementsOf(before);
    }

    private java.util.List<javafx.scene.Node> cells(String id) throws Exception {
        return WaitForAsyncUtils.asyncFx(() -> w.stage.getScene().getRoot().lookupAll(".tree-table-cell").stream()
                .filter(n -> n instanceof javafx.scene.control.TreeTableCell<?, ?> c && c.getTableColumn() != null && id.equals(c.getTableColumn().getId())
                        && c.isVisible()).toList()).get();
    }

    /** The texts of the cells of column {@code id} on screen. */
    private java.util.List<String> cellTexts(String id) throws Exception {
        return cells(id).stream().map(n -> ((javafx.scene.control.TreeTableCell<?, ?>) n).getText()).filter(t -> t != null).toList();
    }

    @Test
    void summaryCountsFilterTheTreesAndAnEmptyFilterSaysSo(FxRobot robot) throws Exception {
        open(robot, TEMPLATE, Path.of("samples/tinynet_dataparallel.pth"));
        assertThat(w.alignedPane.item(KeyRow.UNPAIRED).getValue().statusText()).isEqualTo("16 unexpected");
        robot.clickOn("#summary-missing");
        assertThat(w.alignedPane.statusFilter.get()).isEqualTo(Status.MISSING);
        assertThat(w.alignedPane.item(KeyRow.UNPAIRED)).isNull();
        assertThat(w.alignedPane.item("head.weight")).isNotNull();
        assertThat(w.checkpointPane.item("module")).isNull();
        robot.clickOn("#summary-missing");
        assertThat(w.alignedPane.item(KeyRow.UNPAIRED)).isNotNull();
        // problems only once none are left: says so, not "drop a model here"
        robot.interact(() -> w.model.addRules(java.util.List.of(new Rule.StripPrefix("module."))));
        robot.interact(() -> w.alignedPane.problemsOnly.setSelected(true));
        assertThat(((javafx.scene.control.Label) w.alignedPane.table.getPlaceholder()).getText()).startsWith("Nothing here matches the filter (no problems left");
    }

    @Test
    void afterARuleTheSelectionAndTheDetailFollowTheKey(FxRobot robot) throws Exception {
        open(robot, TEMPLATE, Path.of("samples/tinynet_dataparallel.pth"));
        robot.interact(() -> w.alignedPane.select(KeyRow.UNPAIRED + ".module.head.weight"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.detailVm.facts).extracting(DetailViewModel.Fact::value).contains("unexpected");
        robot.interact(() -> w.rules.acceptSuggestion(0)); // strip 'module.'
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.alignedPane.selectedProperty().get().path).isEqualTo("head.weight");
        assertThat(w.checkpointPane.selectedProperty().get().path).isEqualTo("head.weight");
        assertThat(w.detailVm.heading.get()).isEqualTo("head.weight");
        assertThat(w.detailVm.facts).extracting(DetailViewModel.Fact::value).contains("renamed (was module.head.weight)");
    }

    @Test
    void mapToChoosesAModelKeyFromASearchableList(FxRobot robot) throws Exception {
        open(robot, TEMPLATE, Path.of("samples/tinynet_dataparallel.pth"));
        robot.interact(() -> w.alignedPane.select(KeyRow.UNPAIRED + ".module.head.weight"));
        Platform.runLater(w::mapTo);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> robot.lookup("#map-search").match(org.testfx.matcher.base.NodeMatchers.isVisible()).tryQuery().isPresent());
        javafx.scene.control.TextField search = robot.lookup("#map-search").queryAs(javafx.scene.control.TextField.class);
        // since JavaFX 20 a headless window takes the keyboard only when asked: the dialog is given focus, then typed into
        robot.interact(() -> {
            search.getScene().getWindow().requestFocus();
            search.requestFocus();
        });
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, search::isFocused);
        robot.targetWindow(search.getScene().getWindow()); // TestFX types into its target window: the dialog's
        robot.write("head.w");
        assertThat(search.getText()).isEqualTo("head.w");
        @SuppressWarnings("unchecked")
        javafx.scene.control.ListView<String> targets = robot.lookup("#map-targets").queryAs(javafx.scene.control.ListView.class);
        assertThat(targets.getItems()).containsExactly("head.weight");
        robot.type(KeyCode.ENTER); // the list's first match, chosen by the dialog's default button
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> w.rules.proposal.get() != null);
        assertThat(w.rules.proposal.get().choices()).extracting(RulesViewModel.Choice::label).first()
                .isEqualTo("Apply to all 16 keys: strip 'module.'");
    }

    /** 300 float32 tensors of 2 values: block0.w0 ... block29.w9, each under {@code prefix}. */
    private static Path blocks(Path dir, String name, String prefix) throws IOException {
        StringBuilder header = new StringBuilder("{");
        int n = 0;
        for (int b = 0; b < 30; b++) {
            for (int k = 0; k < 10; k++, n++) {
                if (n > 0) header.append(',');
                header.append("\"").append(prefix).append("block").append(b).append(".w").append(k)
                        .append("\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[").append(n * 8).append(',').append(n * 8 + 8).append("]}");
            }
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + n * 8).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        for (int i = 0; i < n * 2; i++) out.putFloat(i);
        Path file = dir.resolve(name);
        Files.write(file, out.array());
        return file;
    }

    @SuppressWarnings("unchecked")
    private static TreeTableRow<KeyNode> row(FxRobot robot, String tree, String path) {
        for (Node n : robot.lookup(tree).lookup(".tree-table-row-cell").queryAll()) {
            TreeTableRow<KeyNode> r = (TreeTableRow<KeyNode>) n;
            if (r.getItem() != null && r.getItem().path.equals(path) && r.isVisible()) return r;
        }
        throw new AssertionError("no visible row for " + path + " in " + tree);
    }

    @Test
    void aRealDragOntoACollapsedGroupInA300KeyTreeOpensItAndOnlyValidTargetsLightUp(FxRobot robot, @TempDir Path dir) throws Exception {
        open(robot, blocks(dir, "template.safetensors", ""), blocks(dir, "ddp.safetensors", "module."));
        assertThat(w.model.modelRows).hasSize(300);
        robot.interact(() -> w.views.getSelectionModel().select(1));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.modelPane.item("block3").isExpanded()).isFalse();
        // a group onto a collapsed group: a prefix rule for everything under it
        robot.drag(row(robot, "#checkpoint-tree", "module.block3"), MouseButton.PRIMARY).dropTo(row(robot, "#model-tree", "block3"));
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.rules.proposal.get().choices()).extracting(RulesViewModel.Choice::rules)
                .containsExactly(java.util.List.of(new Rule.ReplacePrefix("module.block3.", "block3.")));
        assertThat(w.rules.proposal.get().choices().get(0).effect()).contains("matched 0 → 10");
        robot.interact(w.rules::closeProposal);
        // a key: the collapsed group it hovers opens, the key inside is a target, the group itself is not
        robot.interact(() -> w.checkpointPane.item("module.block3").setExpanded(true));
        WaitForAsyncUtils.waitForFxEvents();
        robot.drag(row(robot, "#checkpoint-tree", "module.block3.w1"), MouseButton.PRIMARY).moveTo(row(robot, "#model-tree", "block5"));
        TreeTableRow<KeyNode> group = row(robot, "#model-tree", "block5");
        assertThat(group.getStyleClass()).doesNotContain("drop-target");
        robot.sleep(900); // hover: it opens
        assertThat(w.modelPane.item("block5").isExpanded()).isTrue();
        robot.moveTo(row(robot, "#model-tree", "block5.w1"));
        assertThat(row(robot, "#model-tree", "block5.w1").getStyleClass()).contains("drop-target");
        robot.release(MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.rules.proposal.get().title()).isEqualTo("Drop 'module.block3.w1' onto 'block5.w1'");
        robot.interact(w.rules::closeProposal);
        // near the bottom edge the tree scrolls by itself during a drag
        VirtualFlow<?> flow = (VirtualFlow<?>) w.modelPane.table.lookup(".virtual-flow");
        double before = flow.getPosition();
        javafx.geometry.Bounds b = w.modelPane.table.localToScreen(w.modelPane.table.getBoundsInLocal());
        robot.drag(row(robot, "#checkpoint-tree", "module.block3.w2"), MouseButton.PRIMARY)
                .moveTo(new javafx.geometry.Point2D(b.getMinX() + 60, b.getMaxY() - 10));
        robot.sleep(800);
        double after = flow.getPosition();
        robot.moveTo(new javafx.geometry.Point2D(b.getMinX() + 60, b.getMinY() + b.getHeight() / 2));
        robot.release(MouseButton.PRIMARY);
        assertThat(after).isGreaterThan(before);
    }

    @Test
    void sideBySideTheTwoTreesOpenAndScrollTogether(FxRobot robot, @TempDir Path dir) throws Exception {
        open(robot, blocks(dir, "template.safetensors", ""), blocks(dir, "same.safetensors", ""));
        robot.interact(() -> w.views.getSelectionModel().select(1));
        WaitForAsyncUtils.waitForFxEvents();
        robot.clickOn(row(robot, "#model-tree", "block2").lookup(".arrow")); // the user opens a module on the left
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(w.modelPane.item("block2").isExpanded()).isTrue();
        assertThat(w.checkpointPane.item("block2").isExpanded()).isTrue();
        robot.interact(() -> w.checkpointPane.item("block2").setExpanded(false)); // and closes it on the right
        assertThat(w.modelPane.item("block2").isExpanded()).isFalse();
        robot.interact(() -> {
            for (int b = 0; b < 30; b++) w.modelPane.item("block" + b).setExpanded(true);
        });
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(() -> w.modelPane.table.scrollTo(100)); // the model tree's scroll position moves (Monocle sends no wheel)
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> !"block0".equals(w.modelPane.topPath()));
        String top = w.modelPane.topPath();
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> top.equals(w.checkpointPane.topPath()));
        // selection, as before: the same key on both sides
        robot.interact(() -> w.modelPane.select("block7.w3"));
        assertThat(w.checkpointPane.selectedProperty().get().path).isEqualTo("block7.w3");
    }
}
