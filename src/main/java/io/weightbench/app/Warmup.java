package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.compare.Fit;
import io.weightbench.format.Formats;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.RuleSet;
import io.weightbench.compare.Suggester;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.collections.FXCollections;
import javafx.scene.Scene;

/**
 * The first checkpoint dropped after start-up used to take 1.2 s to reach the screen, later ones
 * 0.4-0.6 s: the difference was the JVM loading and compiling, for the first time, the pickle and
 * zip readers, the fit, the suggester, and the tree table's skin, cells and CSS. While the window
 * shows (nobody has dropped a file yet), a tiny bundled DataParallel checkpoint takes that path
 * once: opened, fitted to itself under {@code module.}, its rows and suggestions computed on the
 * files lane, then its three trees built and laid out off screen on the FX thread. Nothing of it
 * reaches the window's state.
 */
final class Warmup {

    private static final String SAMPLE = "/io/weightbench/cli/warmup/dataparallel.pth";

    /** How often the files-lane part runs over the 16-key sample. */
    static final int ROUNDS = Integer.getInteger("weightbench.warmup.rounds", 100);

    private final ReadOnlyBooleanWrapper done = new ReadOnlyBooleanWrapper(false);

    /** The rows the off-screen trees show. */
    private record Rows(List<KeyRow> model, List<KeyRow> aligned, List<KeyRow> checkpoint) {}

    /** True once the warm-up has run (or failed: it only ever saves time). */
    ReadOnlyBooleanProperty doneProperty() { return done.getReadOnlyProperty(); }

    /** Starts it on the files lane; the trees part runs on the FX thread after, with {@code stylesheet}. */
    void start(BackgroundTasks tasks, String stylesheet) {
        tasks.task(BackgroundTasks.Lane.FILES, p -> rows()).onSuccess(r -> trees(r, stylesheet))
                .andFinally(() -> done.set(true)).start();
    }

    private static Rows rows() throws Exception {
        Path dir = Files.createTempDirectory("weightbench-warmup");
        Path file = dir.resolve("dataparallel.pth");
        try {
            try (InputStream in = Warmup.class.getResourceAsStream(SAMPLE)) {
                if (in == null) return null; // a build without the sample: nothing to warm
                Files.copy(in, file);
            }
            Rows rows = null;
            // the JIT compiles what runs often: a few hundred keys' worth of reading, fitting and tree building, not one pass over 16
            for (int i = 0; i < ROUNDS; i++) {
                try (Checkpoint c = Formats.standard().open(file)) {
                    ModelSpec spec = ModelSpec.fromCheckpoint(c);
                    Fit f = Fit.of(spec, c, RuleSet.empty());
                    Suggester.suggest(spec.tensors(), f.applied().tensors());
                    rows = new Rows(WorkbenchModel.modelRows(spec, f), WorkbenchModel.alignedRows(spec, f), WorkbenchModel.checkpointRows(c, f));
                    for (List<KeyRow> r : List.of(rows.model(), rows.aligned(), rows.checkpoint())) KeyNode.build(r, x -> true, new HashMap<>());
                }
            }
            return rows;
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** Lays out the three kinds of tree off screen: the tree table's classes, skins and CSS loaded before the first real drop. */
    private static void trees(Rows rows, String stylesheet) {
        if (rows == null) return;
        List<javafx.collections.ObservableList<KeyRow>> lists = List.of(FXCollections.observableArrayList(), FXCollections.observableArrayList(),
                FXCollections.observableArrayList());
        List<TreePane> panes = List.of(new TreePane("Model", "", TreePane.Side.MODEL, lists.get(0)),
                new TreePane("Aligned", "", TreePane.Side.ALIGNED, lists.get(1)), new TreePane("Checkpoint", "", TreePane.Side.CHECKPOINT, lists.get(2)));
        javafx.scene.layout.HBox box = new javafx.scene.layout.HBox(panes.toArray(javafx.scene.Node[]::new));
        Scene scene = new Scene(box, 1500, 500);
        scene.getStylesheets().add(stylesheet);
        // as in the window: the rows arrive after the panes are on a scene, and the trees are built then
        lists.get(0).setAll(rows.model());
        lists.get(1).setAll(rows.aligned());
        lists.get(2).setAll(rows.checkpoint());
        for (TreePane p : panes) p.table.getRoot().getChildren().forEach(i -> i.setExpanded(true));
        box.applyCss();
        box.layout();
    }
}
