package io.weightbench.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The window's flows (open, compare, rules, statistics and diagnostics, the layer change, a key's
 * histograms, export, verify) run with {@link FxChecked} on: no view model's or session's property
 * or list is read or written off the FX thread; background work gets snapshots. And the check
 * catches a work lambda that reaches back into the session.
 */
@ExtendWith(ApplicationExtension.class)
class FxThreadTest {

    private static final Path TEMPLATE = Workbenches.TEMPLATE;
    private static final Path DATA_PARALLEL = Workbenches.DATA_PARALLEL;

    private WorkbenchWindow w;

    @Start
    void start(Stage stage) {
        w = Workbenches.show(stage);
    }

    @org.junit.jupiter.api.BeforeEach
    void on() {
        FxChecked.start(); // the test's own thread polls the state while it waits: that is not the application's doing
    }

    @AfterEach
    void off() {
        FxChecked.stop();
        FxChecked.clear();
    }

    @Test
    void openCompareRulesStatisticsLayersDetailAndExportTouchTheStateOnlyOnTheFxThread(FxRobot robot, @TempDir Path dir) throws Exception {
        robot.interact(() -> {
            w.openModel(TEMPLATE.toString());
            w.openCheckpoint(DATA_PARALLEL);
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null && !w.model.suggestions.isEmpty());
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.diagnostics.stats().size() == 16);
        robot.interact(() -> w.rules.acceptSuggestion(0));
        Path rules = dir.resolve("r.json");
        Files.writeString(rules, "{\"weightbench_rules\": 1, \"rules\": [{\"op\": \"strip_prefix\", \"prefix\": \"module.\"}]}");
        robot.interact(() -> w.rules.importRules(rules));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.rules.size() == 2);
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.layers.modules.size() > 0);
        robot.interact(() -> w.alignedPane.select("head.weight"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null);
        robot.interact(() -> w.detailVm.show(null, null)); // the file's facts: its hash on the hash lane
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> !w.detailVm.hashing());
        Path out = dir.resolve("fixed.safetensors");
        Workbenches.export(robot, w, out);
        robot.interact(() -> w.openCheckpoint(TEMPLATE)); // a second file: the first is closed behind the statistics
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.checkpoint.get().file().equals(TEMPLATE) && w.diagnostics.stats().size() > 0);
        WaitForAsyncUtils.waitForFxEvents();
        assertThat(FxChecked.violations()).isEmpty();
    }

    @Test
    void verifyTouchesTheStateOnlyOnTheFxThread(FxRobot robot, @TempDir Path dir) throws Exception {
        io.weightbench.TestFiles.runTorchScript("scripts/make_verify_fixtures.py", dir.toString());
        robot.interact(() -> {
            w.openModel(dir.resolve("cnn.pt").toString());
            w.openCheckpoint(dir.resolve("cnn_perturbed.pth"));
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null && w.verify.available.get());
        robot.interact(() -> w.verifyOutputs("2,3,12,12"));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> w.verify.outcome.get() != null);
        assertThat(FxChecked.violations()).isEmpty();
    }

    @Test
    void workThatReadsTheSessionOnItsLaneIsCaught(FxRobot robot) throws Exception {
        robot.interact(() -> w.openCheckpoint(DATA_PARALLEL));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.checkpoint.get() != null);
        boolean[] done = {false};
        // the mistake: the work reads the session's checkpoint on the files lane instead of being handed it
        robot.interact(() -> w.tasks.task(BackgroundTasks.Lane.FILES, p -> w.model.checkpoint.get().tensors().size())
                .andFinally(() -> done[0] = true).start());
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> done[0]);
        assertThat(FxChecked.violations()).hasSize(1).first().asString()
                .startsWith("weightbench-files at io.weightbench.app.FxThreadTest.lambda$workThatReadsTheSessionOnItsLaneIsCaught");
    }
}
