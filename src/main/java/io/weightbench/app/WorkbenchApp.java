package io.weightbench.app;

import javafx.application.Application;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;

/** The workbench window. For now a placeholder; the side-by-side trees come with the GUI issue. */
public final class WorkbenchApp extends Application {

    public static void launchApp(String[] args) {
        Application.launch(WorkbenchApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        Label title = new Label("Weightbench");
        title.setStyle("-fx-font-size: 22px; -fx-font-weight: bold;");
        Label body = new Label("The workbench window is under construction.\n"
                + "Meanwhile the command line reads every checkpoint format:\n"
                + "  java -jar target/weightbench.jar inspect samples/<file>");
        VBox root = new VBox(12, title, body);
        root.setPadding(new Insets(24));
        stage.setTitle("Weightbench");
        stage.setScene(new Scene(root, 640, 360));
        stage.show();
    }
}
