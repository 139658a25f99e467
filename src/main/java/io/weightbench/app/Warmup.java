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

/**
 * The first checkpoint dropped after start-up used to take 1.2 s to reach the screen, later ones
 * 0.4-0.6 s: the difference was the JVM loading and compiling, for the first time, the pickle and
 * zip readers, the fit, the suggester, and the tree table's skin, cells and CSS. While the window
 * shows (nobody has dropped a file yet), a tiny bundled DataParallel checkpoint takes that path
 * once: opened, fitted to itself under {@code module.}, its rows and suggestions computed on the
 * files lane, then its three trees built and laid out off screen on the FX thread. Nothing of it
 * reaches the window's state, and it gives way to a file opened meanwhile (which would otherwise
 * wait on the files lane for the rest of its rounds, about a second).
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

    /**
     * Starts it on the files lane; the trees part runs on the FX thread after, inside {@code host}
     * (the window's root: its style caches are the ones the real trees use), never drawn.
     */
    void start(BackgroundTasks tasks, javafx.scene.layout.Pane host) {
        // a file dropped (or opened) meanwhile waits on the files lane: the warm-up gives way to it, trees and all
        tasks.task(BackgroundTasks.Lane.FILES, p -> rows(() -> tasks.queued(BackgroundTasks.Lane.FILES))).onSuccess(r -> trees(r, host))
                .andFinally(() -> done.set(true)).start();
    }

    /** How many rounds the last warm-up ran (fewer than {@link #ROUNDS} when a file came first). */
    volatile int rounds;

    /** The sample's rows after {@link #ROUNDS} rounds, or null when {@code giveWay} said to stop (or there is no sample). */
    private Rows rows(java.util.function.BooleanSupplier giveWay) throws Exception {
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
                if (giveWay.getAsBoolean()) return null;
                rounds = i + 1;
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

    /**
     * Lays out the three kinds of tree in the window, transparent, and takes them out again before
     * the next frame: the tree table's classes, skins, and the window's CSS for its rows and cells
     * are loaded and compiled before the first real drop.
     */
    private static void trees(Rows rows, javafx.scene.layout.Pane host) {
        if (rows == null) return;
        List<javafx.collections.ObservableList<KeyRow>> lists = List.of(FXCollections.observableArrayList(), FXCollections.observableArrayList(),
                FXCollections.observableArrayList());
        List<TreePane> panes = List.of(new TreePane("Model", "", TreePane.Side.MODEL, lists.get(0)),
                new TreePane("Aligned", "", TreePane.Side.ALIGNED, lists.get(1)), new TreePane("Checkpoint", "", TreePane.Side.CHECKPOINT, lists.get(2)));
        javafx.scene.layout.HBox box = new javafx.scene.layout.HBox(panes.toArray(javafx.scene.Node[]::new));
        box.setOpacity(0);
        box.setMouseTransparent(true);
        box.setManaged(false);
        box.resize(Math.max(900, host.getWidth()), Math.max(400, host.getHeight()));
        host.getChildren().add(box);
        try {
            // as in the window: the rows arrive after the panes are on the scene, and the trees are built then
            for (int i = 0; i < 3; i++) lists.get(i).setAll(List.of(rows.model(), rows.aligned(), rows.checkpoint()).get(i));
            for (TreePane p : panes) p.table.getRoot().getChildren().forEach(item -> item.setExpanded(true));
            box.applyCss();
            box.layout();
        } finally {
            host.getChildren().remove(box);
        }
    }
}
