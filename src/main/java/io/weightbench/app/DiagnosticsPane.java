package io.weightbench.app;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;

/** The diagnostics tab: the findings of {@link DiagnosticsViewModel}, a Resume when statistics were stopped; a finding selects its key. */
final class DiagnosticsPane extends VBox {

    final ListView<DiagnosticsViewModel.FindingRow> findings = new ListView<>();
    final Button resume = new Button("Resume", new FontIcon("mdi2p-play-circle-outline"));

    DiagnosticsPane(DiagnosticsViewModel vm, java.util.function.Consumer<String> selectKey) {
        findings.setId("findings");
        findings.setItems(vm.findings);
        Label placeholder = new Label();
        placeholder.textProperty().bind(vm.placeholder);
        placeholder.setWrapText(true);
        findings.setPlaceholder(placeholder);
        findings.setCellFactory(l -> new FindingCell());
        findings.getSelectionModel().selectedItemProperty().addListener((o, a, f) -> {
            if (f != null) selectKey.accept(f.key());
        });
        resume.setId("stats-resume");
        resume.setOnAction(e -> vm.resume());
        Label stopped = new Label();
        stopped.textProperty().bind(vm.placeholder);
        HBox bar = new HBox(8, resume, stopped);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.visibleProperty().bind(vm.resumable);
        bar.managedProperty().bind(vm.resumable);
        VBox.setVgrow(findings, Priority.ALWAYS);
        getChildren().addAll(bar, findings);
        setSpacing(6);
        setPadding(new Insets(6));
    }

    private static final class FindingCell extends ListCell<DiagnosticsViewModel.FindingRow> {
        @Override
        protected void updateItem(DiagnosticsViewModel.FindingRow f, boolean empty) {
            super.updateItem(f, empty);
            if (empty || f == null) {
                setText(null);
                setGraphic(null);
                return;
            }
            FontIcon icon = new FontIcon(f.info() ? "mdi2i-information" : "mdi2a-alert");
            icon.getStyleClass().addAll("status-icon", f.look().styleClass);
            setGraphic(icon);
            setText(f.text());
        }
    }
}
