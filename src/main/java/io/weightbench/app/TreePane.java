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
 * A tree of keys: one side of the workbench (model or checkpoint), or the aligned comparison (each
 * model key beside the checkpoint key that fills it, then the checkpoint keys no model key takes).
 * A header (title, file, extra controls), a search box and a "problems only" toggle above a tree
 * table grouped by module with roll-ups, coloured and marked with an icon by status; a status
 * filter (the summary's counts); F8 / Shift+F8 to the next / previous problem. Files dropped on it
 * are handed to {@link #onFiles}. Checkpoint nodes are dragged onto model nodes ({@link
 * #onNodeDrop}): only nodes a drop can map are highlighted, a collapsed module opens when hovered,
 * and the tree scrolls when the pointer nears its top or bottom edge.
 */
final class TreePane extends VBox {

    static final DataFormat NODE = new DataFormat("application/x-weightbench-node");

    /** A checkpoint node dropped onto a model node. */
    interface NodeDrop {
        void dropped(String from, boolean fromIsKey, String to, boolean toIsKey);
    }

    /** Which tree this is. */
    enum Side { MODEL, CHECKPOINT, ALIGNED }

    final Side side;
    final boolean checkpointSide;
    /** Only rows of this status (null: all), set from the summary bar. */
    final javafx.beans.property.ObjectProperty<Status> statusFilter = new javafx.beans.property.SimpleObjectProperty<>();
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
    private String emptyText;
    Consumer<List<File>> onFiles = files -> {};
    /** The "values" column of a key (statistics filled in as they are computed); "" while unknown. */
    java.util.function.Function<KeyRow, String> values = r -> "";
    NodeDrop onNodeDrop = (a, b, c, d) -> {};
    /** A module opened or closed by the user (path, expanded): the side-by-side trees follow each other. */
    java.util.function.BiConsumer<String, Boolean> onExpanded = (path, open) -> {};
    /** The top row shown changed (its path): the side-by-side trees scroll together. */
    Consumer<String> onScrolled = path -> {};

    TreePane(String titleText, String emptyText, Side side, ObservableList<KeyRow> rows) {
        this.side = side;
        this.checkpointSide = side == Side.CHECKPOINT;
        this.rows = rows;
        String id = side.name().toLowerCase(Locale.ROOT);
        setId(id + "-pane");
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
        search.setId(id + "-search");
        problemsOnly.setId(id + "-problems");
        problemsOnly.setGraphic(new FontIcon("mdi2a-alert-circle-outline"));
        HBox.setHgrow(search, Priority.ALWAYS);
        HBox tools = new HBox(6, search, problemsOnly);
        tools.setAlignment(Pos.CENTER_LEFT);
        this.emptyText = emptyText;
        placeholder.setText(emptyText);
        placeholder.setWrapText(true);
        placeholder.getStyleClass().add("placeholder");
        table.setPlaceholder(placeholder);
        table.setId(id + "-tree");
        table.setShowRoot(false);
        // columns sized to their content (fitColumns), a horizontal scroll bar when they do not fit
        table.setColumnResizePolicy(TreeTableView.UNCONSTRAINED_RESIZE_POLICY);
        table.setTableMenuButtonVisible(true);
        table.getStyleClass().add(atlantafx.base.theme.Styles.DENSE); // 720 px high screens show twice the rows
        columns();
        table.setRowFactory(t -> new Row());
        VBox.setVgrow(table, Priority.ALWAYS);
        getChildren().addAll(header, tools, table);
        setSpacing(6);
        setPadding(new Insets(8));
        rows.addListener((ListChangeListener<KeyRow>) c -> rebuild());
        search.textProperty().addListener((o, a, b) -> rebuild());
        problemsOnly.selectedProperty().addListener((o, a, b) -> rebuild());
        statusFilter.addListener((o, a, b) -> rebuild());
        table.addEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == javafx.scene.input.KeyCode.F8) {
                nextProblem(!e.isShiftDown());
                e.consume();
            }
        });
        // filters: the rows under the pointer may take the event
        table.addEventFilter(javafx.scene.input.DragEvent.DRAG_OVER, e -> autoScroll(e.getY()));
        table.addEventFilter(javafx.scene.input.DragEvent.DRAG_DROPPED, e -> autoScroll(-1));
        table.setOnDragExited(e -> autoScroll(-1));
        scroller.setCycleCount(javafx.animation.Animation.INDEFINITE);
        watchScrolling();
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

    /**
     * Selects the next (or previous) problem key after the selection, in tree order, wrapping
     * around; returns whether there was one.
     */
    boolean nextProblem(boolean forward) {
        List<KeyRow> shown = rows.stream().filter(r -> index.containsKey(r.key())).toList();
        if (shown.isEmpty()) return false;
        KeyNode at = selected.get();
        int start = -1;
        if (at != null) {
            for (int i = 0; i < shown.size(); i++) {
                if (shown.get(i).key().equals(at.path) || shown.get(i).key().startsWith(at.path + ".")) {
                    start = i;
                    if (forward && !at.isKey()) start--; // a module selected: its first problem is next
                    break;
                }
            }
        }
        int n = shown.size();
        for (int step = 1; step <= n; step++) {
            int i = Math.floorMod(start + (forward ? step : -step), n);
            if (start < 0 && !forward) i = Math.floorMod(-step, n);
            if (shown.get(i).status().isProblem()) return select(shown.get(i).key());
        }
        return false;
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

    /** Opens or closes the module at {@code path}, if this tree has it (what the other tree's user did). */
    void expand(String path, boolean open) {
        TreeItem<KeyNode> item = index.get(path);
        if (item != null && !item.isLeaf()) item.setExpanded(open);
    }

    /** The path of the top row shown, or null. */
    String topPath() {
        if (!(table.lookup(".virtual-flow") instanceof javafx.scene.control.skin.VirtualFlow<?> flow)) return null;
        javafx.scene.control.IndexedCell<?> first = flow.getFirstVisibleCell();
        return first == null || !(first.getItem() instanceof KeyNode n) ? null : n.path;
    }

    /** Scrolls so that {@code path}'s row is the top one, if this tree shows it. */
    void scrollToPath(String path) {
        TreeItem<KeyNode> item = index.get(path);
        int row = item == null ? -1 : table.getRow(item);
        if (row >= 0) table.scrollTo(row);
    }

    private boolean scrollPending;

    /** Reports the top row when the tree scrolls (its flow exists once the skin has made it: watched for among the table's children). */
    private void watchScrolling() {
        boolean[] watching = {false};
        table.getChildrenUnmodifiable().addListener((ListChangeListener<javafx.scene.Node>) c -> {
            if (watching[0]) return;
            for (javafx.scene.Node n : table.getChildrenUnmodifiable()) {
                if (n instanceof javafx.scene.control.skin.VirtualFlow<?> flow) {
                    watching[0] = true;
                    // the rows on screen are known once the flow is laid out: the top one is read after the layout pass
                    flow.positionProperty().addListener((x, y, z) -> {
                        javafx.scene.Scene scene = getScene();
                        if (scene == null || scrollPending) return;
                        scrollPending = true;
                        Runnable[] self = new Runnable[1];
                        self[0] = () -> {
                            scene.removePostLayoutPulseListener(self[0]);
                            scrollPending = false;
                            String top = topPath();
                            if (top != null) onScrolled.accept(top);
                        };
                        scene.addPostLayoutPulseListener(self[0]);
                    });
                }
            }
        });
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
        Status only = statusFilter.get();
        Predicate<KeyRow> filter = r -> (!problems || r.status().isProblem()) && (only == null || r.status() == only)
                && (q.isEmpty() || r.key().toLowerCase(Locale.ROOT).contains(q) || r.original().toLowerCase(Locale.ROOT).contains(q));
        TreeItem<KeyNode> root = KeyNode.build(rows, filter, index);
        boolean filtering = problems || !q.isEmpty() || only != null;
        placeholder.setText(rows.isEmpty() ? emptyText : filtering ? "Nothing here matches the filter"
                + (problems ? " (no problems left" + (only == null ? "" : ", or none " + only.label) + ")" : only != null ? " (none " + only.label + ")" : "")
                + "." : emptyText);
        for (Map.Entry<String, TreeItem<KeyNode>> e : index.entrySet()) {
            TreeItem<KeyNode> item = e.getValue();
            boolean topLevel = item.getParent() == root;
            boolean lone = topLevel && root.getChildren().size() == 1;
            item.setExpanded(item == root || filtering || lone || expanded.contains(e.getKey()));
            if (!item.isLeaf()) item.expandedProperty().addListener((o, a, open) -> onExpanded.accept(e.getKey(), open));
        }
        table.setRoot(root);
        root.setExpanded(true);
        built = !rows.isEmpty();
        fitColumns();
        if (selectedPath != null) select(selectedPath);
    }

    private void columns() {
        TreeTableColumn<KeyNode, String> name = new TreeTableColumn<>("Key");
        name.setPrefWidth(230);
        name.setMinWidth(110);
        name.setCellValueFactory(c -> new SimpleStringProperty(c.getValue().getValue().name));
        texts.put(name, TreePane::nameText);
        name.setCellFactory(c -> new TreeTableCell<>() {
            /** The cell's status icon, changed only when the status does (a new icon per update is CSS matched anew). */
            private final FontIcon icon = new FontIcon(Status.LISTED.icon);
            private Status shown;

            {
                icon.getStyleClass().addAll("status-icon", Status.LISTED.styleClass);
                shown = Status.LISTED;
            }

            @Override protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                KeyNode n = empty || getTableRow() == null || getTableRow().getItem() == null ? null : getTableRow().getItem();
                if (n == null) {
                    setText(null);
                    setGraphic(null);
                    return;
                }
                Status s = n.worst();
                if (s != shown) {
                    icon.setIconLiteral(s.icon);
                    icon.getStyleClass().set(icon.getStyleClass().indexOf(shown.styleClass), s.styleClass);
                    shown = s;
                }
                setGraphic(icon);
                setText(nameText(n));
            }
        });
        boolean aligned = side == Side.ALIGNED;
        // only where it differs from the model key: a column of repeats would push the shapes out of sight
        TreeTableColumn<KeyNode, String> counterpart = text("checkpoint key", 200, n -> !n.isKey() ? ""
                : n.row.original().isEmpty() ? "—" : n.row.original().equals(n.row.checkpointKey()) ? "=" : n.row.original());
        counterpart.setVisible(aligned);
        TreeTableColumn<KeyNode, String> dtype = text("dtype", 70, n -> !n.isKey() ? "" : aligned ? n.row.alignedDtypeText() : n.row.dtype());
        TreeTableColumn<KeyNode, String> shape = text("shape", 100, n -> !n.isKey() ? "" : aligned ? n.row.alignedShapeText() : n.row.shapeText());
        TreeTableColumn<KeyNode, String> params = text("params", 60, n -> human(n.params));
        params.setStyle("-fx-alignment: CENTER-RIGHT;");
        TreeTableColumn<KeyNode, String> size = text("size", 70, n -> n.bytesText());
        size.setStyle("-fx-alignment: CENTER-RIGHT;");
        size.setVisible(false); // in the column menu (⋮): the trees are narrow, the parameter count says as much
        TreeTableColumn<KeyNode, String> status = text("status", 170, KeyNode::statusText);
        status.setMinWidth(90);
        TreeTableColumn<KeyNode, String> stats = text("values", 130, n -> n.isKey() ? values.apply(n.row) : "");
        live(stats);
        stats.setId("values-column");
        stats.setVisible(checkpointSide);
        TreeTableColumn<KeyNode, String> change = text("change", 110, n -> n.isKey() ? values.apply(n.row) : "");
        live(change);
        change.setId("change-column");
        change.setVisible(aligned);
        // dtype beside the shape: at 1280 px both are in sight without scrolling, the checkpoint key after them
        table.getColumns().setAll(List.of(name, status, shape, dtype, counterpart, params, size, stats, change));
        for (TreeTableColumn<KeyNode, ?> c : table.getColumns()) c.setUserData(c.getPrefWidth());
    }

    /** The widest a column grows to fit its content; its tooltip shows the rest. */
    private static final double MAX_COLUMN = 280;

    /** How many of a column's longest texts are measured: widths follow the number of characters closely enough. */
    private static final int MEASURED = 12;

    /** What each column shows for a node, as its cells show it (the key column: the name with its count). */
    private final Map<TreeTableColumn<KeyNode, ?>, java.util.function.Function<KeyNode, String>> texts = new HashMap<>();

    /** The key column's text of a node: its name, and under a module how many keys it holds. */
    private static String nameText(KeyNode n) {
        return n.name + (n.isKey() && n.keys == 1 ? "" : "  (" + n.keys + ")");
    }

    /**
     * Sizes each column to its header and its widest cell over the shown rows (the key column with
     * its indentation and icon), up to {@link #MAX_COLUMN}: every node's text is made, but only the
     * {@link #MEASURED} longest (in characters, the key column's indentation counted) are laid out
     * as text, the slow part of showing 1,000 keys (it measured 800 nodes per column before).
     */
    private void fitColumns() {
        long t0 = System.nanoTime();
        javafx.scene.text.Text probe = new javafx.scene.text.Text();
        probe.setFont(search.getFont()); // the theme's control font, as the cells use
        java.util.function.ToDoubleFunction<String> width = t -> {
            probe.setText(t);
            return probe.getLayoutBounds().getWidth();
        };
        TreeTableColumn<KeyNode, ?> keyColumn = table.getColumns().get(0);
        for (TreeTableColumn<KeyNode, ?> c : table.getColumns()) {
            if (!c.isVisible()) continue;
            java.util.function.Function<KeyNode, String> text = texts.get(c);
            boolean key = c == keyColumn;
            // the longest texts so far, shortest first; a key's depth is its dots (top-level nodes have none)
            java.util.PriorityQueue<Object[]> longest = new java.util.PriorityQueue<>(java.util.Comparator.comparingDouble(o -> (Double) o[0]));
            for (TreeItem<KeyNode> item : index.values()) {
                KeyNode n = item.getValue();
                if (n == null || n.path.isEmpty()) continue;
                String t = text.apply(n);
                if (t == null || t.isEmpty()) continue;
                double indent = key ? 18 * dots(n.path) + 44 : 0; // disclosure arrow, status icon
                double score = indent + 7 * t.length();
                if (longest.size() < MEASURED) longest.add(new Object[] {score, t, indent});
                else if (score > (Double) longest.peek()[0]) {
                    longest.poll();
                    longest.add(new Object[] {score, t, indent});
                }
            }
            double w = width.applyAsDouble(c.getText()) + 28;
            for (Object[] o : longest) w = Math.max(w, width.applyAsDouble((String) o[1]) + (Double) o[2] + 16);
            c.setPrefWidth(Math.min(MAX_COLUMN, Math.max(c.getMinWidth(), w)));
        }
        if (Boolean.getBoolean("weightbench.timings")) System.err.printf("timings: %s columns fitted over %d nodes in %.0f ms%n", side, index.size(), (System.nanoTime() - t0) / 1e6);
    }

    private static int dots(String path) {
        int n = 0;
        for (int i = 0; i < path.length(); i++) if (path.charAt(i) == '.') n++;
        return n;
    }

    /** Goes up when the values column's texts changed: its cells on screen read them again. */
    private final javafx.beans.property.IntegerProperty valuesRevision = new javafx.beans.property.SimpleIntegerProperty();
    private final Runnable valuesUpdate = BackgroundTasks.oncePerTurn(() -> valuesRevision.set(valuesRevision.get() + 1));

    /**
     * The values (statistics, or the change against the template) came in for some keys: the cells
     * on screen show them, once per turn of the FX thread however often it is called, without the
     * tree's cells being made anew (a {@code refresh()} every 100 ms of statistics did that while the
     * first trees were being shown).
     */
    void valuesChanged() {
        valuesUpdate.run();
    }

    /** Column {@code c}'s text follows {@link #valuesChanged()}. */
    private void live(TreeTableColumn<KeyNode, String> c) {
        java.util.function.Function<KeyNode, String> f = texts.get(c);
        c.setCellValueFactory(x -> {
            KeyNode n = x.getValue() == null ? null : x.getValue().getValue();
            return javafx.beans.binding.Bindings.createStringBinding(() -> n == null ? "" : f.apply(n), valuesRevision);
        });
    }

    private TreeTableColumn<KeyNode, String> text(String title, double width, java.util.function.Function<KeyNode, String> f) {
        TreeTableColumn<KeyNode, String> c = new TreeTableColumn<>(title);
        texts.put(c, f);
        c.setPrefWidth(width);
        c.setMinWidth(Math.min(width, 48));
        c.setCellValueFactory(x -> new SimpleStringProperty(x.getValue() == null || x.getValue().getValue() == null ? "" : f.apply(x.getValue().getValue())));
        return c;
    }

    static String human(long n) {
        if (n < 1000) return Long.toString(n);
        // rounded half up as %.1f / %.2f would, in integers: String.format is slow the first thousand times
        if (n < 1_000_000) return decimal((n + 50) / 100, 1) + "K";
        if (n < 1_000_000_000) return decimal((n + 50_000) / 100_000, 1) + "M";
        return decimal((n + 5_000_000) / 10_000_000, 2) + "B";
    }

    /** {@code units} with {@code digits} of them after the point ("12.5" for 125, 1). */
    private static String decimal(long units, int digits) {
        long scale = digits == 1 ? 10 : 100;
        String frac = Long.toString(units % scale);
        while (frac.length() < digits) frac = "0" + frac;
        return units / scale + "." + frac;
    }

    /** Scrolls the tree while a drag is near its top or bottom edge ({@code y} in the table, -1: stop). */
    private void autoScroll(double y) {
        double edge = 28;
        double h = table.getHeight();
        scrollStep = y < 0 ? 0 : y < edge ? -12 : y > h - edge ? 12 : 0;
        if (scrollStep == 0) scroller.stop();
        else if (scroller.getStatus() != javafx.animation.Animation.Status.RUNNING) scroller.play();
    }

    private double scrollStep;
    private final javafx.animation.Timeline scroller = new javafx.animation.Timeline(new javafx.animation.KeyFrame(
            javafx.util.Duration.millis(40), e -> {
                if (table.lookup(".virtual-flow") instanceof javafx.scene.control.skin.VirtualFlow<?> flow) flow.scrollPixels(scrollStep);
            }));

    /** Whether this node can be dragged: every checkpoint node; in the aligned view the checkpoint keys no model key takes. */
    private boolean draggable(KeyNode n) {
        return side == Side.CHECKPOINT || side == Side.ALIGNED && (n.path.startsWith(KeyRow.UNPAIRED + ".") || n.path.equals(KeyRow.UNPAIRED));
    }

    /** The checkpoint path (after the rules) a dragged node stands for. */
    private static String checkpointPath(KeyNode n) {
        if (n.path.equals(KeyRow.UNPAIRED)) return "";
        return n.path.startsWith(KeyRow.UNPAIRED + ".") ? n.path.substring(KeyRow.UNPAIRED.length() + 1) : n.path;
    }

    /**
     * Whether a dragged node ({@code fromIsKey}) can be dropped onto {@code target}: a key onto a
     * model key no checkpoint key fills yet (missing, or of another shape), a module onto a module
     * holding such keys.
     */
    boolean validTarget(KeyNode target, boolean fromIsKey) {
        if (side == Side.CHECKPOINT || target.path.equals(KeyRow.UNPAIRED) || target.path.startsWith(KeyRow.UNPAIRED + ".")) return false;
        int unfilled = target.counts.getOrDefault(Status.MISSING, 0) + target.counts.getOrDefault(Status.SHAPE, 0);
        if (fromIsKey) return target.isKey() && target.keys == 1 && unfilled > 0;
        return !target.isKey() && unfilled > 0;
    }

    /** The rows' tooltip: it says what the row under the pointer holds (a tooltip is shown for a window, not a node). */
    final Tooltip rowTip = new Tooltip();
    /** The row the pointer last entered. */
    private Row pointed;

    {
        rowTip.setOnShowing(e -> rowTip.setText(pointed != null && pointed.getItem() != null ? tooltip(pointed.getItem()) : ""));
    }

    /** A row: coloured by status; a drag source or a drop target (hovered a moment, a collapsed module opens). */
    private final class Row extends TreeTableRow<KeyNode> {
        private KeyNode highlighted;
        private final javafx.animation.PauseTransition open = new javafx.animation.PauseTransition(javafx.util.Duration.millis(500));

        Row() {
            addEventHandler(javafx.scene.input.MouseEvent.MOUSE_ENTERED, e -> pointed = this);
            open.setOnFinished(e -> {
                if (getTreeItem() != null && !getTreeItem().isLeaf()) getTreeItem().setExpanded(true);
            });
            setOnDragDetected(e -> {
                KeyNode n = getItem();
                if (n == null || side == Side.MODEL || !draggable(n)) return;
                Dragboard db = startDragAndDrop(TransferMode.ANY);
                ClipboardContent content = new ClipboardContent();
                String path = checkpointPath(n);
                content.put(NODE, path + "\n" + n.isKey());
                content.putString(path);
                db.setContent(content);
                // the key on the drag image
                Label image = new Label((n.isKey() ? "" : "▸ ") + (path.isEmpty() ? "(top level)" : path)
                        + (n.isKey() ? "" : "  (" + n.keys + " keys)"));
                image.setStyle("-fx-background-color: #0072b2; -fx-text-fill: white; -fx-padding: 3 8; -fx-background-radius: 4;");
                new javafx.scene.Scene(new javafx.scene.Group(image));
                db.setDragView(image.snapshot(null, null));
                e.consume();
            });
            setOnDragOver(e -> {
                KeyNode target = getItem();
                if (target != null && e.getDragboard().getContent(NODE) instanceof String payload && validTarget(target, payload.endsWith("\ntrue"))) {
                    e.acceptTransferModes(TransferMode.ANY);
                    e.consume();
                }
            });
            setOnDragEntered(e -> {
                KeyNode target = getItem();
                if (target == null || !(e.getDragboard().getContent(NODE) instanceof String payload)) return;
                if (validTarget(target, payload.endsWith("\ntrue")) && !getStyleClass().contains("drop-target")) {
                    getStyleClass().add("drop-target");
                    highlighted = target;
                }
                if (getTreeItem() != null && !getTreeItem().isLeaf() && !getTreeItem().isExpanded()) open.playFromStart();
            });
            setOnDragExited(e -> {
                getStyleClass().remove("drop-target");
                open.stop();
            });
            setOnDragDropped(e -> {
                Object content = e.getDragboard().getContent(NODE);
                KeyNode target = getItem();
                if (target == null || content == null) return;
                String[] parts = content.toString().split("\n");
                boolean fromIsKey = Boolean.parseBoolean(parts[1]);
                if (!validTarget(target, fromIsKey)) return;
                // Monocle reports MOVE at the source; what matters is that it was dropped here
                onNodeDrop.dropped(parts[0], fromIsKey, target.path, target.isKey());
                e.setDropCompleted(true);
                e.consume();
            });
        }

        @Override
        protected void updateItem(KeyNode item, boolean empty) {
            super.updateItem(item, empty);
            // style classes change only when the status does: each change makes the row's CSS be matched again
            String wanted = item != null && !empty ? item.worst().styleClass : null;
            for (Status s : Status.values()) if (!s.styleClass.equals(wanted)) getStyleClass().remove(s.styleClass);
            if (wanted != null && !getStyleClass().contains(wanted)) getStyleClass().add(wanted);
            if (item != highlighted) getStyleClass().remove("drop-target"); // a reused cell: not the hovered node any more
            // one tooltip for the tree's rows, its text made for the row it shows over: a Tooltip is a window of its
            // own, costly to make per row (the first tree shown makes some fifty rows)
            setTooltip(wanted == null ? null : rowTip);
        }
    }

    /** Everything a row says, uncut: the full key, the key in the file, shapes, dtypes and the status. */
    private String tooltip(KeyNode n) {
        if (!n.isKey()) return (n.path.isEmpty() ? "(top level)" : n.path) + ": " + n.keys + " keys, " + human(n.params) + " parameters\n" + n.statusText();
        KeyRow r = n.row;
        StringBuilder b = new StringBuilder(r.key());
        if (side == Side.ALIGNED) {
            b.append("\ncheckpoint key: ").append(r.original().isEmpty() ? "(none)" : r.original());
            b.append("\nshape: ").append(r.alignedShapeText()).append("   dtype: ").append(r.alignedDtypeText());
        } else {
            if (!r.original().equals(r.key())) b.append("\nin the file: ").append(r.original());
            b.append("\nshape: ").append(r.shapeText()).append("   dtype: ").append(r.dtype());
        }
        b.append("\n").append(String.format(Locale.ROOT, "%,d", r.numel())).append(" parameters, ").append(n.bytesText());
        String st = n.statusText();
        if (!st.isEmpty()) b.append("\n").append(st);
        return b.toString();
    }
}
