package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.export.Exporter;
import io.weightbench.rules.RuleSet;
import io.weightbench.tensor.Progress;
import java.io.File;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;
import javafx.util.Duration;

/**
 * Exports the fixed checkpoint (.pth or .safetensors, optionally sharded) and the rules, with a
 * progress bar and Cancel. The export runs on the compute thread; a cancel leaves no file behind.
 */
final class ExportDialog extends Stage {

    final TextField output = new TextField();
    final CheckBox weightsOnly = new CheckBox("Weights only (a plain state_dict at the top level)");
    final TextField shardSize = new TextField();
    final CheckBox saveRules = new CheckBox("Also save the rules as JSON beside it");
    final ProgressBar progress = new ProgressBar(0);
    final Label status = new Label();
    final Button export = new Button("Export");
    final Button cancel = new Button("Cancel");
    private Progress running;

    ExportDialog(Window owner, Checkpoint checkpoint, RuleSet rules, ExecutorService compute, Consumer<String> done, Consumer<String> failed) {
        initOwner(owner);
        initModality(Modality.WINDOW_MODAL);
        setTitle("Export fixed checkpoint");
        Icons.apply(this);
        String name = checkpoint.file().getFileName().toString();
        int dot = name.indexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        output.setText(checkpoint.file().toAbsolutePath().resolveSibling(stem + "_fixed.pth").toString());
        output.setId("export-output");
        output.setPrefColumnCount(40);
        Button browse = new Button("Browse…");
        browse.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("PyTorch (.pth, .pt, .bin, .ckpt)", "*.pth", "*.pt", "*.bin", "*.ckpt"),
                    new FileChooser.ExtensionFilter("safetensors", "*.safetensors"));
            File f = fc.showSaveDialog(this);
            if (f != null) output.setText(f.getAbsolutePath());
        });
        shardSize.setPromptText("e.g. 5GB (safetensors only; empty: one file)");
        shardSize.setId("export-shard");
        saveRules.setSelected(true);
        weightsOnly.setMnemonicParsing(false);
        progress.setId("export-progress");
        progress.setMaxWidth(Double.MAX_VALUE);
        status.setId("export-status");
        status.setWrapText(true);
        export.setId("export-start");
        export.setDefaultButton(true);
        cancel.setId("export-cancel");
        cancel.setCancelButton(true);
        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(8);
        HBox out = new HBox(6, output, browse);
        HBox.setHgrow(output, Priority.ALWAYS);
        form.addRow(0, new Label("Output"), out);
        form.addRow(1, new Label("Shard size"), shardSize);
        form.add(weightsOnly, 1, 2);
        form.add(saveRules, 1, 3);
        HBox buttons = new HBox(8, export, cancel);
        buttons.setAlignment(Pos.CENTER_RIGHT);
        VBox root = new VBox(12, form, progress, status, buttons);
        root.setPadding(new Insets(16));
        setScene(new Scene(root));
        cancel.setOnAction(e -> {
            if (running != null) {
                running.cancel();
                status.setText("Cancelling…");
            } else {
                close();
            }
        });
        export.setOnAction(e -> start(checkpoint, rules, compute, done, failed));
    }

    private void start(Checkpoint checkpoint, RuleSet rules, ExecutorService compute, Consumer<String> done, Consumer<String> failed) {
        Path out = Path.of(output.getText().trim());
        long shard;
        try {
            shard = shardSize.getText().isBlank() ? 0 : Exporter.parseSize(shardSize.getText());
        } catch (IllegalArgumentException ex) {
            status.setText(ex.getMessage());
            return;
        }
        boolean only = weightsOnly.isSelected();
        boolean withRules = saveRules.isSelected();
        Progress p = new Progress(0);
        running = p;
        export.setDisable(true);
        status.setText("Writing " + out + " …");
        Timeline poll = new Timeline(new KeyFrame(Duration.millis(100), e -> progress.setProgress(p.fraction())));
        poll.setCycleCount(Timeline.INDEFINITE);
        poll.play();
        compute.submit(() -> {
            String message;
            boolean ok = false;
            try {
                Exporter.Result r = Exporter.export(checkpoint, rules, out, only, shard, p);
                if (withRules) rules.write(rulesFile(r.output()));
                message = "Wrote " + r.output() + " (" + r.format() + ", " + r.weights() + " weights, " + io.weightbench.tensor.ByteCounts.human(r.bytes())
                        + "); every tensor re-read and checked" + (withRules ? "; rules in " + rulesFile(r.output()).getFileName() : "")
                        + (r.warnings().isEmpty() ? "" : ". Warnings: " + String.join("; ", r.warnings()));
                ok = true;
            } catch (CancellationException ex) {
                message = "Cancelled: nothing was written.";
            } catch (Exception ex) {
                message = out + ": " + ex.getMessage();
            }
            String m = message;
            boolean success = ok;
            Platform.runLater(() -> {
                poll.stop();
                running = null;
                export.setDisable(false);
                progress.setProgress(success ? 1 : 0);
                status.setText(m);
                if (success) {
                    done.accept(m);
                    close();
                } else if (!m.startsWith("Cancelled")) {
                    failed.accept(m);
                }
            });
        });
    }

    static Path rulesFile(Path export) {
        String n = export.getFileName().toString();
        int dot = n.indexOf('.');
        return export.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".rules.json");
    }
}
