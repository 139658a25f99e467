package io.weightbench.app;

import javafx.application.Application;
import javafx.stage.Stage;

/**
 * The workbench application: opens the window, then what the command line named
 * ({@code --model M --checkpoint C}, or files) on a background thread.
 */
public final class WorkbenchApp extends Application {

    /** Held so the level sticks: JavaFX warns that it runs from the class path, which is how it is meant to run here. */
    private static final java.util.logging.Logger JAVAFX_STARTUP = java.util.logging.Logger.getLogger("javafx");

    public static void launchApp(String[] args) {
        JAVAFX_STARTUP.setLevel(java.util.logging.Level.SEVERE);
        Application.launch(WorkbenchApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        Theme.apply(java.util.prefs.Preferences.userNodeForPackage(WorkbenchApp.class).getBoolean("theme.dark", false));
        WorkbenchWindow window = new WorkbenchWindow(stage);
        stage.show();
        if (getParameters().getRaw().isEmpty()) window.warmUp(); // else the files named are the first path taken
        else window.openArguments(getParameters().getRaw());
    }
}
