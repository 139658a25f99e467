package io.weightbench.app;

import javafx.stage.Stage;

/** The workbench window as the TestFX tests start it: light theme, shown and focused. */
final class Workbenches {

    /** The samples most tests open: a template and the same weights under DataParallel's {@code module.}. */
    static final java.nio.file.Path TEMPLATE = java.nio.file.Path.of("samples/tinynet_template.pt");
    static final java.nio.file.Path DATA_PARALLEL = java.nio.file.Path.of("samples/tinynet_dataparallel.pth");

    private Workbenches() {}

    /** Since JavaFX 20 a headless stage does not take focus by itself: shortcuts and typing need it. */
    static WorkbenchWindow show(Stage stage) {
        // every test starts from the default layout, whatever an earlier test's window left in the preferences
        java.util.prefs.Preferences prefs = java.util.prefs.Preferences.userNodeForPackage(WorkbenchWindow.class);
        for (String k : new String[] {"window.width", "window.height", "window.trees", "window.main", "window.view", "window.bottom", "theme.dark"}) prefs.remove(k);
        Theme.apply(false);
        WorkbenchWindow w = new WorkbenchWindow(stage);
        stage.show();
        stage.requestFocus();
        return w;
    }

    /** Exports through the dialog to {@code out} (Start clicked) and waits until the file is there and the dialog gone. */
    static void export(org.testfx.api.FxRobot robot, WorkbenchWindow w, java.nio.file.Path out) throws java.util.concurrent.TimeoutException {
        ExportDialog[] d = new ExportDialog[1];
        robot.interact(() -> {
            d[0] = w.export();
            d[0].output.setText(out.toString());
        });
        robot.clickOn("#export-start");
        org.testfx.util.WaitForAsyncUtils.waitFor(30, java.util.concurrent.TimeUnit.SECONDS,
                () -> java.nio.file.Files.exists(out) && !d[0].isShowing());
    }
}
