package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.format.Formats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;

/**
 * The workbench window. Until the workbench issue lands it is a placeholder that lists the files it
 * was given with their format and tensor count, read on a background thread.
 */
public final class WorkbenchApp extends Application {

    private final ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "checkpoint-loader");
        t.setDaemon(true);
        return t;
    });

    public static void launchApp(String[] args) {
        Application.launch(WorkbenchApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        Label title = new Label("Weightbench");
        title.setStyle("-fx-font-size: 22px; -fx-font-weight: bold;");
        Label body = new Label("The side-by-side workbench is under construction. Files given on the command line:");
        ListView<String> files = new ListView<>();
        VBox root = new VBox(12, title, body, files);
        root.setPadding(new Insets(24));
        stage.setTitle("Weightbench");
        stage.setScene(new Scene(root, 900, 420));
        stage.show();
        List<String> args = getParameters().getRaw();
        if (args.isEmpty()) files.getItems().add("(none: run with checkpoint files or a folder, e.g. samples/)");
        // Listing folders and opening files is I/O: all of it on the loader thread, never on the FX thread.
        loader.submit(() -> {
            for (Path p : expand(args)) {
                String line = describe(p);
                Platform.runLater(() -> files.getItems().add(line));
            }
        });
    }

    private static List<Path> expand(List<String> args) {
        List<Path> out = new ArrayList<>();
        for (String a : args) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(out::add);
                } catch (IOException e) {
                    out.add(p);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static String describe(Path p) {
        try (Checkpoint c = Formats.standard().open(p)) {
            return p.getFileName() + "   " + c.format() + ", " + c.tensors().size() + " tensors, weights entry "
                    + (c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry());
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            String prefix = p + ": ";
            return p.getFileName() + "   cannot be read: " + (why.startsWith(prefix) ? why.substring(prefix.length()) : why);
        }
    }

    @Override
    public void stop() {
        loader.shutdownNow();
    }
}
