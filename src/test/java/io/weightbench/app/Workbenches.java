package io.weightbench.app;

import javafx.stage.Stage;

/** The workbench window as the TestFX tests start it: light theme, shown and focused. */
final class Workbenches {

    private Workbenches() {}

    /** Since JavaFX 20 a headless stage does not take focus by itself: shortcuts and typing need it. */
    static WorkbenchWindow show(Stage stage) {
        Theme.apply(false);
        WorkbenchWindow w = new WorkbenchWindow(stage);
        stage.show();
        stage.requestFocus();
        return w;
    }
}
