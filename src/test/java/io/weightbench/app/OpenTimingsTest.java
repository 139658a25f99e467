package io.weightbench.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Measures, when run with {@code -Dtimings.files=A,B,...}, how long each checkpoint takes from the
 * drop (the call the drop handler makes) to its trees laid out, three times each in one running
 * workbench (a resnet50 from the catalog on the model side), after the warm-up the app runs while
 * its window shows ({@code -Dtimings.warmup=false}: without). Not a test of speed: it prints. "Trees
 * on screen" ends once the pulse that first laid out the file's trees (and the frame it rendered) is
 * over; until 2026-12-07 this test printed the later of the two numbers it prints now: six round
 * trips to the FX thread after the rows were set, which also waits for the FX work that follows the
 * trees (suggestions, pairing, statistics shown).
 */
@ExtendWith(ApplicationExtension.class)
class OpenTimingsTest {

    private WorkbenchWindow w;

    @Start
    void start(Stage stage) {
        w = Workbenches.show(stage);
    }

    @Test
    void dropToTreesShown(FxRobot robot) throws Exception {
        String files = System.getProperty("timings.files");
        Assumptions.assumeTrue(files != null && !files.isBlank(), "-Dtimings.files not given");
        List<String> lines = new ArrayList<>();
        // as the app started without files does (-Dtimings.warmup=false: a cold first drop)
        if (!"false".equals(System.getProperty("timings.warmup"))) {
            long t0 = System.nanoTime();
            robot.interact(w::warmUp);
            WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> w.warmup.doneProperty().get());
            lines.add(String.format(java.util.Locale.ROOT, "warm-up while the window shows: %.0f ms", (System.nanoTime() - t0) / 1e6));
        }
        robot.interact(() -> w.openModel("catalog:resnet50"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.model.get() != null);
        for (String f : files.split(",")) {
            Path file = Path.of(f);
            for (int i = 0; i < 3; i++) {
                long[] shown = {0};
                long start = System.nanoTime();
                robot.interact(() -> {
                    // the first layout pass that has this file's rows in the trees: once that pulse (and the frame it
                    // renders) is over, the trees are on screen
                    javafx.scene.Scene scene = w.stage.getScene();
                    Runnable[] self = new Runnable[1];
                    self[0] = () -> {
                        if (w.model.checkpoint.get() == null || !w.model.checkpoint.get().file().equals(file) || w.model.checkpointRows.isEmpty()
                                || w.alignedPane.table.getExpandedItemCount() == 0) return;
                        scene.removePostLayoutPulseListener(self[0]);
                        javafx.application.Platform.runLater(() -> shown[0] = System.nanoTime());
                    };
                    scene.addPostLayoutPulseListener(self[0]);
                    w.openCheckpoint(file);
                });
                WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> shown[0] != 0);
                // and, as measured before: the FX thread answering again (six round trips) after the rows are there,
                // which also counts what the FX thread does after the trees are shown (the suggestions, the pairing ...)
                robot.interact(() -> { });
                WaitForAsyncUtils.waitForFxEvents();
                long answering = System.nanoTime();
                lines.add(String.format(java.util.Locale.ROOT, "%s run %d: trees on screen %.0f ms (FX thread answering again %.0f ms)",
                        file.getFileName(), i + 1, (shown[0] - start) / 1e6, (answering - start) / 1e6));
                robot.interact(() -> w.model.checkpoint.set(null));
            }
        }
        lines.forEach(System.out::println);
    }
}
