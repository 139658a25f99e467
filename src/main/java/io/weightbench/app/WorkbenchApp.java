package io.weightbench.app;

import javafx.application.Application;
import javafx.stage.Stage;

/**
 * The workbench application: opens the window, then what the command line named
 * ({@code --model M --checkpoint C}, or files) on a background thread.
 */
public final class WorkbenchApp extends Application {

    public static void launchApp(String[] args) {
        Application.launch(WorkbenchApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        Theme.apply(false);
        WorkbenchWindow window = new WorkbenchWindow(stage);
        stage.show();
        window.openArguments(getParameters().getRaw());
    }
}
