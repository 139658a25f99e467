package io.weightbench.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Writes the README's screenshots of the workbench on the bundled samples (the window's own
 * rendering) when run with {@code -Dscreenshots=DIR}: {@code mvn test -Dtest=ScreenshotsTest -Dscreenshots=docs}.
 */
@ExtendWith(ApplicationExtension.class)
class ScreenshotsTest {

    private WorkbenchWindow w;

    @Start
    void start(Stage stage) {
        w = Workbenches.show(stage);
    }

    @Test
    void writeScreenshots(FxRobot robot) throws Exception {
        String dir = System.getProperty("screenshots");
        Assumptions.assumeTrue(dir != null && !dir.isBlank(), "-Dscreenshots=DIR not given");
        Path out = Path.of(dir);
        Files.createDirectories(out);
        robot.interact(() -> {
            w.openModel("samples/tinynet_template.pt");
            w.openCheckpoint(Path.of("samples/tinynet_dataparallel.pth"));
        });
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.fit() != null && !w.model.suggestions.isEmpty());
        robot.interact(() -> w.checkpointPane.select("module.head.weight"));
        WaitForAsyncUtils.waitForFxEvents();
        snap(robot, out.resolve("workbench-mismatch.png"));
        robot.interact(() -> w.nodeDropped("module.head.weight", true, "head.weight", true));
        snap(robot, out.resolve("workbench-drop.png"));
        robot.interact(() -> w.rules.acceptSuggestion(0));
        robot.interact(() -> w.checkpointPane.select("layer1.0.weight"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null);
        WaitForAsyncUtils.waitForFxEvents();
        Thread.sleep(300);
        snap(robot, out.resolve("workbench-fixed.png"));
        ExportDialog[] d = new ExportDialog[1];
        robot.interact(() -> d[0] = w.export());
        WaitForAsyncUtils.waitForFxEvents();
        WritableImage[] img = new WritableImage[1];
        robot.interact(() -> img[0] = d[0].getScene().snapshot(null));
        ImageIO.write(SwingFXUtils.fromFXImage(img[0], null), "png", out.resolve("workbench-export.png").toFile());
        robot.interact(() -> d[0].close());
        robot.interact(() -> w.theme(true));
        robot.interact(() -> w.checkpointPane.select("layer1.0.bias"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null);
        Thread.sleep(300);
        snap(robot, out.resolve("workbench-dark.png"));
        robot.interact(() -> w.theme(false));
        // verify: the TorchScript model on the model side
        robot.interact(() -> w.openModel("samples/tinynet_scripted.pt"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.model.get().template().map(t -> t.format().equals("torchscript")).orElse(false));
        robot.interact(() -> w.verifyOutputs("1,3,16,16"));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> robot.lookup("#verify-verdict").tryQuery().isPresent());
        snap(robot, out.resolve("workbench-verify.png"));
    }

    private void snap(FxRobot robot, Path file) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        WritableImage[] img = new WritableImage[1];
        robot.interact(() -> img[0] = w.stage.getScene().snapshot(null));
        ImageIO.write(SwingFXUtils.fromFXImage(img[0], null), "png", file.toFile());
    }
}
