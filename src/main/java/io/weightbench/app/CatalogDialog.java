package io.weightbench.app;

import java.util.List;
import io.weightbench.app.OpenViewModel.CatalogEntry;
import java.util.Locale;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.FXCollections;
import javafx.collections.transformation.FilteredList;
import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/**
 * "Model from catalog": the 1,400 timm and torchvision architectures in a table filtered as you
 * type (by name and family), with their parameter and tensor counts, and timm's options that
 * change the state_dict (num_classes, in_chans, features_only) where the architecture allows
 * them. Its result is the catalog source to open, e.g. {@code catalog:timm/convnext_tiny?num_classes=10}.
 */
final class CatalogDialog extends Dialog<String> {

    final TextField search = new TextField();
    final TableView<CatalogEntry> table = new TableView<>();
    final TextField numClasses = new TextField();
    final TextField inChans = new TextField();
    final CheckBox featuresOnly = new CheckBox("features_only");
    private final Label source = new Label();

    CatalogDialog(Window owner, List<CatalogEntry> entries) {
        initOwner(owner);
        Icons.apply(this);
        setTitle("Model from catalog");
        setHeaderText("A timm or torchvision architecture's parameters and buffers (keys, shapes, dtypes; no weights)."
                + " Type to filter by name or family.");
        FilteredList<CatalogEntry> shown = new FilteredList<>(FXCollections.observableArrayList(entries));
        search.setId("catalog-search");
        search.setPromptText("Filter: name or family (resnet, convnext_t, vit …)");
        search.textProperty().addListener((o, a, q) -> {
            shown.setPredicate(e -> matches(e, q));
            table.getSelectionModel().selectFirst();
        });
        MapToDialog.downInto(search, table, table.getSelectionModel());
        table.setId("catalog-table");
        table.setItems(shown);
        table.getStyleClass().add(atlantafx.base.theme.Styles.DENSE);
        table.setPlaceholder(new Label("No architecture matches."));
        table.getColumns().setAll(List.of(column("architecture", 290, CatalogEntry::name), column("family", 130, CatalogEntry::family),
                column("parameters", 90, e -> TreePane.human(e.values())), column("tensors", 70, e -> Integer.toString(e.tensors()))));
        table.getColumns().get(2).setStyle("-fx-alignment: CENTER-RIGHT;");
        table.getColumns().get(3).setStyle("-fx-alignment: CENTER-RIGHT;");
        table.setPrefSize(620, 360);
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        numClasses.setId("catalog-num-classes");
        numClasses.setPrefColumnCount(6);
        numClasses.setTooltip(new Tooltip("num_classes: the classifier's outputs (0: no head)"));
        inChans.setId("catalog-in-chans");
        inChans.setPrefColumnCount(4);
        inChans.setPromptText("3");
        inChans.setTooltip(new Tooltip("in_chans: the input's channels (the stem's weight follows)"));
        featuresOnly.setId("catalog-features-only");
        featuresOnly.setTooltip(new Tooltip("features_only: the backbone's feature maps, no head (timm's features_only=True)"));
        HBox options = new HBox(8, new Label("num_classes"), numClasses, new Label("in_chans"), inChans, featuresOnly);
        options.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        source.setId("catalog-source");
        source.getStyleClass().add("effect");
        table.getSelectionModel().selectedItemProperty().addListener((o, a, e) -> selected(e));
        for (javafx.beans.Observable x : List.of(numClasses.textProperty(), inChans.textProperty(), featuresOnly.selectedProperty())) {
            x.addListener(o -> source.setText(result() == null ? "" : result()));
        }
        VBox.setVgrow(table, Priority.ALWAYS);
        VBox content = new VBox(8, search, table, options, source);
        content.setPadding(new Insets(4, 0, 0, 0));
        getDialogPane().setContent(content);
        getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        getDialogPane().lookupButton(ButtonType.OK).disableProperty().bind(table.getSelectionModel().selectedItemProperty().isNull());
        setResultConverter(b -> b == ButtonType.OK ? result() : null);
        setResizable(true);
        entries.stream().filter(e -> e.name().equals("timm/resnet50")).findFirst().ifPresentOrElse(e -> {
            table.getSelectionModel().select(e);
            table.scrollTo(e);
        }, () -> table.getSelectionModel().selectFirst());
        setOnShown(e -> search.requestFocus());
    }

    private void selected(CatalogEntry e) {
        numClasses.setDisable(e == null || !e.numClasses());
        inChans.setDisable(e == null || !e.inChans());
        featuresOnly.setDisable(e == null || !e.featuresOnly());
        numClasses.setPromptText(e == null ? "" : e.defaultClasses());
        source.setText(result() == null ? "" : result());
    }

    /** The catalog source chosen: the selected architecture with the options given that it allows. */
    String result() {
        CatalogEntry e = table.getSelectionModel().getSelectedItem();
        if (e == null) return null;
        return source(e, e.numClasses() ? numClasses.getText() : "", e.inChans() ? inChans.getText() : "", e.featuresOnly() && featuresOnly.isSelected());
    }

    /** {@code catalog:NAME?num_classes=..&in_chans=..&features_only=true}, leaving out the options not given. */
    static String source(CatalogEntry e, String classes, String chans, boolean features) {
        StringBuilder options = new StringBuilder();
        if (classes != null && !classes.isBlank()) options.append("&num_classes=").append(classes.trim());
        if (chans != null && !chans.isBlank()) options.append("&in_chans=").append(chans.trim());
        if (features) options.append("&features_only=true");
        return "catalog:" + e.name() + (options.isEmpty() ? "" : "?" + options.substring(1));
    }

    /** Whether every word of the query is in the name or the family (case-insensitive). */
    static boolean matches(CatalogEntry e, String query) {
        String q = query == null ? "" : query.toLowerCase(Locale.ROOT).trim();
        if (q.isEmpty()) return true;
        String hay = (e.name() + " " + e.family()).toLowerCase(Locale.ROOT);
        for (String word : q.split("\\s+")) if (!hay.contains(word)) return false;
        return true;
    }

    private static TableColumn<CatalogEntry, String> column(String title, double width, java.util.function.Function<CatalogEntry, String> f) {
        TableColumn<CatalogEntry, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(x -> new SimpleStringProperty(f.apply(x.getValue())));
        return c;
    }
}
