package io.weightbench.app;

import java.util.List;
import java.util.Locale;
import javafx.collections.FXCollections;
import javafx.collections.transformation.FilteredList;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/** "Map to…": a searchable list of model keys (or modules) to map a checkpoint node onto, without a mouse. */
final class MapToDialog extends Dialog<String> {

    final TextField search = new TextField();
    final ListView<String> targets = new ListView<>();

    MapToDialog(Window owner, String from, List<String> candidates) {
        initOwner(owner);
        Icons.apply(this);
        setTitle("Map to…");
        setHeaderText("Map '" + (from.isEmpty() ? "(top level)" : from) + "' onto a model " + (candidates.isEmpty() ? "key" : "key or module")
                + " (type to search, Enter to choose)");
        FilteredList<String> shown = new FilteredList<>(FXCollections.observableArrayList(candidates));
        search.setId("map-search");
        search.setPromptText("Search model keys");
        search.textProperty().addListener((o, a, q) -> {
            String needle = q.toLowerCase(Locale.ROOT).trim();
            shown.setPredicate(k -> needle.isEmpty() || k.toLowerCase(Locale.ROOT).contains(needle));
            targets.getSelectionModel().selectFirst();
        });
        downInto(search, targets, targets.getSelectionModel());
        targets.setId("map-targets");
        targets.setItems(shown);
        targets.setPlaceholder(new Label("No model key left to fill matches."));
        targets.setPrefSize(520, 320);
        targets.getSelectionModel().selectFirst();
        getDialogPane().setContent(new VBox(8, search, targets));
        getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        setResultConverter(b -> b == ButtonType.OK ? targets.getSelectionModel().getSelectedItem() : null);
        setOnShown(e -> search.requestFocus());
    }

    /** The Down key in a search box moves into the list it filters, to the next entry (the searchable dialogs' keyboard path). */
    static void downInto(TextField search, javafx.scene.control.Control list, javafx.scene.control.SelectionModel<?> selection) {
        search.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.DOWN) {
                list.requestFocus();
                selection.selectNext();
            }
        });
    }
}
