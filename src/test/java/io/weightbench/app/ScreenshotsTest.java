package io.weightbench.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * Writes the README's screenshots (the window's own rendering) when run with {@code
 * -Dscreenshots=DIR}: {@code mvn test -Dtest=ScreenshotsTest -Dscreenshots=docs}. The model and the
 * checkpoint are the samples unless {@code -Dscreenshots.model=M -Dscreenshots.checkpoint=C} name
 * others (the README's are a resnet50 template and a DataParallel checkpoint fine-tuned for 10
 * classes, made by {@code scripts/make_screenshot_inputs.py}); {@code -Dscreenshots.size=1600x1000}
 * sizes the window; {@code -Dscreenshots.suffix=-1280} is added to every file name.
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
        String suffix = System.getProperty("screenshots.suffix", "");
        String[] size = System.getProperty("screenshots.size", "1440x880").split("x");
        robot.interact(() -> {
            w.stage.setWidth(Double.parseDouble(size[0]));
            w.stage.setHeight(Double.parseDouble(size[1]));
        });
        String modelFile = System.getProperty("screenshots.model", "samples/tinynet_template.pt");
        Path checkpoint = Path.of(System.getProperty("screenshots.checkpoint", "samples/tinynet_dataparallel.pth"));
        robot.interact(() -> {
            w.openModel(modelFile);
            w.openCheckpoint(checkpoint);
        });
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> w.model.fit() != null && !w.model.suggestions.isEmpty());
        String head = w.model.modelRows.get(w.model.modelRows.size() - 1).key().replaceAll("\\.[^.]+$", "");
        String headWeight = head + ".weight";
        robot.interact(() -> w.alignedPane.select(KeyRow.UNPAIRED + ".module." + headWeight));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null);
        settle(robot);
        snap(robot, out.resolve("workbench-mismatch" + suffix + ".png"));
        robot.interact(() -> w.nodeDropped("module." + headWeight, true, headWeight, true));
        snap(robot, out.resolve("workbench-drop" + suffix + ".png"));
        robot.interact(() -> w.rules.acceptSuggestion(0));
        robot.interact(() -> w.alignedPane.select(headWeight));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null && w.detailVm.numbers.get().sides().size() == 2);
        robot.interact(() -> w.bottom.getSelectionModel().select(2));
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> w.layerPane.chart.isVisible());
        settle(robot);
        snap(robot, out.resolve("workbench-fixed" + suffix + ".png"));
        ExportDialog[] d = new ExportDialog[1];
        robot.interact(() -> d[0] = w.export());
        WaitForAsyncUtils.waitForFxEvents();
        WritableImage[] img = new WritableImage[1];
        robot.interact(() -> img[0] = d[0].getScene().snapshot(null));
        ImageIO.write(SwingFXUtils.fromFXImage(img[0], null), "png", out.resolve("workbench-export" + suffix + ".png").toFile());
        robot.interact(() -> d[0].close());
        robot.interact(() -> w.theme(true));
        robot.interact(() -> {
            if (!w.model.suggestions.isEmpty()) w.rules.acceptSuggestion(0); // the head left out, if that is what is suggested
        });
        robot.interact(() -> w.alignedPane.select(head + ".bias"));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> WorkbenchTest.histogram(w) != null);
        settle(robot);
        snap(robot, out.resolve("workbench-dark" + suffix + ".png"));
        robot.interact(() -> w.theme(false));
        // verify: the samples' TorchScript model on the model side
        if (!modelFile.startsWith("samples/")) return;
        robot.interact(() -> w.openModel("samples/tinynet_scripted.pt"));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> w.model.model.get().template().map(t -> t.format().equals("torchscript")).orElse(false));
        robot.interact(() -> w.verifyOutputs("1,3,16,16"));
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> robot.lookup("#verify-verdict").tryQuery().isPresent());
        snap(robot, out.resolve("workbench-verify" + suffix + ".png"));
    }

    private static void settle(FxRobot robot) throws InterruptedException {
        WaitForAsyncUtils.waitForFxEvents();
        Thread.sleep(400);
        WaitForAsyncUtils.waitForFxEvents();
    }

    private void snap(FxRobot robot, Path file) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        WritableImage[] img = new WritableImage[1];
        robot.interact(() -> img[0] = w.stage.getScene().snapshot(null));
        ImageIO.write(SwingFXUtils.fromFXImage(img[0], null), "png", file.toFile());
    }

}
