package io.weightbench.app;

import java.io.File;
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
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The export dialog over an {@link ExportViewModel}: output, shard size, weights only, the rules
 * beside it, the verdict the export will carry (and "Export anyway" when it will not load
 * strictly), a progress bar and Cancel.
 */
final class ExportDialog extends Stage {

    final ExportViewModel vm;
    final TextField output = new TextField();
    final CheckBox weightsOnly = new CheckBox("Weights only (a plain state_dict at the top level)");
    final TextField shardSize = new TextField();
    final CheckBox saveRules = new CheckBox("Also save the rules as JSON beside it");
    final CheckBox exportAnyway = new CheckBox("Export anyway");
    final Label verdict = new Label();
    final ProgressBar progress = new ProgressBar(0);
    final Label status = new Label();
    final Button export = new Button("Export");
    final Button cancel = new Button("Cancel");

    /** Never shortened to "…". */
    private static <T extends javafx.scene.layout.Region> T fixed(T r) {
        r.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        return r;
    }

    ExportDialog(Window owner, ExportViewModel vm) {
        this.vm = vm;
        initOwner(owner);
        initModality(Modality.WINDOW_MODAL);
        setTitle("Export fixed checkpoint");
        Icons.apply(this);
        output.textProperty().bindBidirectional(vm.output);
        output.setId("export-output");
        output.setPrefColumnCount(40);
        Button browse = new Button("Browse…");
        browse.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("PyTorch (.pth, .pt, .bin, .ckpt)", "*.pth", "*.pt", "*.bin", "*.ckpt"),
                    new FileChooser.ExtensionFilter("safetensors", "*.safetensors"));
            File f = fc.showSaveDialog(this);
            if (f != null) vm.output.set(f.getAbsolutePath());
        });
        shardSize.setPromptText("e.g. 5GB (safetensors only; empty: one file)");
        shardSize.setId("export-shard");
        shardSize.textProperty().bindBidirectional(vm.shardSize);
        saveRules.selectedProperty().bindBidirectional(vm.saveRules);
        weightsOnly.selectedProperty().bindBidirectional(vm.weightsOnly);
        weightsOnly.setMnemonicParsing(false);
        verdict.setId("export-verdict");
        verdict.setWrapText(true);
        verdict.setText(vm.verdict);
        verdict.setGraphic(new FontIcon(vm.loadsStrictly ? "mdi2c-check-decagram" : "mdi2a-alert-octagon"));
        verdict.getStyleClass().add(vm.loadsStrictly ? "status-matched" : "status-missing");
        exportAnyway.setId("export-anyway");
        exportAnyway.selectedProperty().bindBidirectional(vm.exportAnyway);
        exportAnyway.setVisible(!vm.loadsStrictly);
        exportAnyway.setManaged(!vm.loadsStrictly);
        progress.setId("export-progress");
        progress.setMaxWidth(Double.MAX_VALUE);
        progress.progressProperty().bind(vm.progress);
        status.setId("export-status");
        status.setWrapText(true);
        status.textProperty().bind(vm.status);
        export.setId("export-start");
        export.setDefaultButton(true);
        export.disableProperty().bind(vm.running.or(vm.exportAnyway.not().and(javafx.beans.binding.Bindings.createBooleanBinding(() -> !vm.loadsStrictly))));
        cancel.setId("export-cancel");
        cancel.setCancelButton(true);
        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(8);
        HBox out = new HBox(6, output, browse);
        HBox.setHgrow(output, Priority.ALWAYS);
        form.addRow(0, fixed(new Label("Output")), out);
        form.addRow(1, fixed(new Label("Shard size")), shardSize);
        fixed(browse);
        fixed(export);
        fixed(cancel);
        fixed(exportAnyway);
        form.add(weightsOnly, 1, 2);
        form.add(saveRules, 1, 3);
        HBox buttons = new HBox(8, exportAnyway, export, cancel);
        buttons.setAlignment(Pos.CENTER_RIGHT);
        VBox root = new VBox(12, verdict, form, progress, status, buttons);
        root.setPadding(new Insets(16));
        verdict.setPrefWidth(600);
        setScene(new Scene(root));
        cancel.setOnAction(e -> {
            if (!vm.cancel()) close();
        });
        export.setOnAction(e -> vm.start());
        vm.done.addListener((o, a, d) -> {
            if (d) close();
        });
    }
}
