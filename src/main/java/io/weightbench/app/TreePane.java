package io.weightbench.app;

import java.io.File;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.Tooltip;
import javafx.scene.control.TreeItem;
import javafx.scene.control.TreeTableCell;
import javafx.scene.control.TreeTableColumn;
import javafx.scene.control.TreeTableRow;
import javafx.scene.control.TreeTableView;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.DataFormat;
import javafx.scene.input.Dragboard;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * One side of the workbench: a header (title, file, extra controls), a search box and a "problems
 * only" toggle above a tree table of keys (name, dtype, shape, parameters, size, status), coloured
 * and marked with an icon by status. Files dropped on it are handed to {@link #onFiles}; on the
 * checkpoint side nodes can be dragged, on the model side they can be dropped ({@link #onNodeDrop}).
 */
final class TreePane extends VBox {

    static final DataFormat NODE = new DataFormat("application/x-weightbench-node");

    /** A checkpoint node dropped onto a model node. */
    interface NodeDrop {
        void dropped(String from, boolean fromIsKey, String to, boolean toIsKey);
    }

    final boolean checkpointSide;
    final TreeTableView<KeyNode> table = new TreeTableView<>();
    final TextField search = new TextField();
    final ToggleButton problemsOnly = new ToggleButton("Problems only");
    final Label title = new Label();
    final Label file = new Label();
    final HBox extras = new HBox(6);
    private final ObservableList<KeyRow> rows;
    private final Map<String, TreeItem<KeyNode>> index = new HashMap<>();
    private final Set<String> expanded = new HashSet<>();
    private final ReadOnlyObjectWrapper<KeyNode> selected = new ReadOnlyObjectWrapper<>();
    private final Label placeholder = new Label();
    private boolean built;
    Consumer<List<File>> onFiles = files -> {};
    /** The "values" column of a key (statistics filled in as they are computed); "" while unknown. */
    java.util.function.Function<KeyRow, String> values = r -> "";
    NodeDrop onNodeDrop = (a, b, c, d) -> {};

    TreePane(String titleText, String emptyText, boolean checkpointSide, ObservableList<KeyRow> rows) {
        this.checkpointSide = checkpointSide;
        this.rows = rows;
        setId(checkpointSide ? "checkpoint-pane" : "model-pane");
        getStyleClass().add("tree-pane");
        title.setText(titleText);
        title.getStyleClass().add("pane-title");
        title.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        file.getStyleClass().add("pane-file");
        file.setMinWidth(0);
        Tooltip fileTip = new Tooltip();
        fileTip.textProperty().bind(file.textProperty());
        file.setTooltip(fileTip);
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        HBox header = new HBox(8, title, file, grow, extras);
        header.setAlignment(Pos.CENTER_LEFT);
        header.setMinHeight(34);
        header.setPrefHeight(34);
        search.setPromptText("Filter keys (Ctrl+F)");
        search.setId(checkpointSide ? "checkpoint-search" : "model-search");
        problemsOnly.setId(checkpointSide ? "checkpoint-problems" : "model-problems");
        problemsOnly.setGraphic(new FontIcon("mdi2a-alert-circle-outline"));
        HBox.setHgrow(search, Priority.ALWAYS);
        HBox tools = new HBox(6, search, problemsOnly);
        tools.setAlignment(Pos.CENTER_LEFT);
        placeholder.setText(emptyText);
        placeholder.setWrapText(true);
        placeholder.getStyleClass().add("placeholder");
        table.setPlaceholder(placeholder);
        table.setId(checkpointSide ? "checkpoint-tree" : "model-tree");
        table.setShowRoot(false);
        table.setColumnResizePolicy(TreeTableView.CONSTRAINED_RESIZE_POLICY_ALL_COLUMNS);
        table.setTableMenuButtonVisible(true);
        columns();
        table.setRowFactory(t -> new Row());
        VBox.setVgrow(table, Priority.ALWAYS);
        getChildren().addAll(header, tools, table);
        setSpacing(6);
        setPadding(new Insets(8));
        rows.addListener((ListChangeListener<KeyRow>) c -> rebuild());
        search.textProperty().addListener((o, a, b) -> rebuild());
        problemsOnly.selectedProperty().addListener((o, a, b) -> rebuild());
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> selected.set(b == null ? null : b.getValue()));
        setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY);
                e.consume();
            }
        });
        setOnDragDropped(e -> {
            Dragboard db = e.getDragboard();
            if (db.hasFiles()) {
                onFiles.accept(db.getFiles());
                e.setDropCompleted(true);
                e.consume();
            }
        });
    }

    ReadOnlyObjectProperty<KeyNode> selectedProperty() { return selected.getReadOnlyProperty(); }

    void setEmptyText(String text) {
        placeholder.setText(text);
    }

    /** Selects (and reveals) the node of {@code path}, if shown; returns whether it was. */
    boolean select(String path) {
        TreeItem<KeyNode> item = index.get(path);
        if (item == null) return false;
        for (TreeItem<KeyNode> p = item.getParent(); p != null; p = p.getParent()) p.setExpanded(true);
        table.getSelectionModel().select(item);
        int row = table.getRow(item);
        if (row >= 0) table.scrollTo(Math.max(0, row - 3));
        return true;
    }

    TreeItem<KeyNode> item(String path) {
        return index.get(path);
    }

    private void rebuild() {
        String selectedPath = selected.get() == null ? null : selected.get().path;
        if (built) {
            expanded.clear();
            for (Map.Entry<String, TreeItem<KeyNode>> e : index.entrySet()) if (e.getValue().isExpanded()) expanded.add(e.getKey());
        }
        String q = search.getText() == null ? "" : search.getText().trim().toLowerCase(Locale.ROOT);
        boolean problems = problemsOnly.isSelected();
        Predicate<KeyRow> filter = r -> (!problems || r.status().isProblem())
                && (q.isEmpty() || r.key().toLowerCase(Locale.ROOT).contains(q) || r.original().toLowerCase(Locale.ROOT).contains(q));
        TreeItem<KeyNode> root = KeyNode.build(rows, filter, index);
        boolean filtering = problems || !q.isEmpty();
        for (Map.Entry<String, TreeItem<KeyNode>> e : index.entrySet()) {
            TreeItem<KeyNode> item = e.getValue();
            boolean topLevel = item.getParent() == root;
            boolean lone = topLevel && root.getChildren().size() == 1;
            item.setExpanded(item == root || filtering || lone || expanded.contains(e.getKey()));
        }
        table.setRoot(root);
        root.setExpanded(true);
        built = !rows.isEmpty();
        if (selectedPath != null) select(selectedPath);
    }

    private void columns() {
        TreeTableColumn<KeyNode, String> name = new TreeTableColumn<>("Key");
        name.setPrefWidth(230);
        name.setMinWidth(110);
        name.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().getValue().name));
        name.setCellFactory(c -> new TreeTableCell<>() {
            @Override protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                KeyNode n = empty || getTableRow() == null || getTableRow().getItem() == null ? null : getTableRow().getItem();
                if (n == null) {
                    setText(null);
                    setGraphic(null);
                    return;
                }
                Status s = n.worst();
                FontIcon icon = new FontIcon(s.icon);
                icon.getStyleClass().addAll("status-icon", s.styleClass);
                setGraphic(icon);
                setText(item + (n.isKey() && n.keys == 1 ? "" : "  (" + n.keys + ")"));
            }
        });
        TreeTableColumn<KeyNode, String> dtype = text("dtype", 70, n -> n.isKey() ? n.row.dtype() : "");
        TreeTableColumn<KeyNode, String> shape = text("shape", 100, n -> n.isKey() ? n.row.shapeText() : "");
        TreeTableColumn<KeyNode, String> params = text("params", 60, n -> human(n.params));
        params.setStyle("-fx-alignment: CENTER-RIGHT;");
        TreeTableColumn<KeyNode, String> size = text("size", 70, n -> n.bytesText());
        size.setStyle("-fx-alignment: CENTER-RIGHT;");
        size.setVisible(false); // in the column menu (⋮): the trees are narrow, the parameter count says as much
        TreeTableColumn<KeyNode, String> status = text("status", 170, KeyNode::statusText);
        status.setMinWidth(90);
        TreeTableColumn<KeyNode, String> stats = text("values", 130, n -> n.isKey() ? values.apply(n.row) : "");
        stats.setId("values-column");
        stats.setVisible(checkpointSide);
        table.getColumns().setAll(List.of(name, dtype, shape, params, size, status, stats));
    }

    private static TreeTableColumn<KeyNode, String> text(String title, double width, java.util.function.Function<KeyNode, String> f) {
        TreeTableColumn<KeyNode, String> c = new TreeTableColumn<>(title);
        c.setPrefWidth(width);
        c.setMinWidth(Math.min(width, 48));
        c.setCellValueFactory(x -> new SimpleStringProperty(x.getValue() == null || x.getValue().getValue() == null ? "" : f.apply(x.getValue().getValue())));
        return c;
    }

    static String human(long n) {
        if (n < 1000) return Long.toString(n);
        if (n < 1_000_000) return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        if (n < 1_000_000_000) return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        return String.format(Locale.ROOT, "%.2fB", n / 1e9);
    }

    /** A row: coloured by status, a drag source (checkpoint side) or a drop target (model side). */
    private final class Row extends TreeTableRow<KeyNode> {
        Row() {
            if (checkpointSide) {
                setOnDragDetected(e -> {
                    KeyNode n = getItem();
                    if (n == null) return;
                    Dragboard db = startDragAndDrop(TransferMode.ANY);
                    ClipboardContent content = new ClipboardContent();
                    content.put(NODE, n.path + "\n" + n.isKey());
                    content.putString(n.path);
                    db.setContent(content);
                    e.consume();
                });
            } else {
                setOnDragOver(e -> {
                    if (getItem() != null && e.getDragboard().hasContent(NODE)) {
                        e.acceptTransferModes(TransferMode.ANY);
                        e.consume();
                    }
                });
                setOnDragEntered(e -> {
                    if (getItem() != null && e.getDragboard().hasContent(NODE)) getStyleClass().add("drop-target");
                });
                setOnDragExited(e -> getStyleClass().remove("drop-target"));
                setOnDragDropped(e -> {
                    Object content = e.getDragboard().getContent(NODE);
                    if (getItem() == null || content == null) return;
                    String[] parts = content.toString().split("\n");
                    KeyNode target = getItem();
                    // Monocle reports MOVE at the source; what matters is that it was dropped here
                    onNodeDrop.dropped(parts[0], Boolean.parseBoolean(parts[1]), target.path, target.isKey());
                    e.setDropCompleted(true);
                    e.consume();
                });
            }
        }

        @Override
        protected void updateItem(KeyNode item, boolean empty) {
            super.updateItem(item, empty);
            for (Status s : Status.values()) getStyleClass().remove(s.styleClass);
            if (item != null && !empty) {
                getStyleClass().add(item.worst().styleClass);
                setTooltip(item.isKey() && !item.row.original().equals(item.row.key()) ? new Tooltip("in the file: " + item.row.original()) : null);
            } else {
                setTooltip(null);
            }
        }
    }
}
