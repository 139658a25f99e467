package io.weightbench.app;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.prefs.Preferences;
import javafx.animation.PauseTransition;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Dragboard;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import javafx.util.Duration;
import org.controlsfx.control.NotificationPane;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The workbench window: lays out the views (the model tree and the checkpoint tree side by side
 * with the selected key's details, a summary bar, and below them the rules and suggestions,
 * diagnostics and the layer-by-layer change) over their view models, which do the work; menus and
 * file choosers. Holds no logic of its own beyond wiring: see the *ViewModel classes.
 */
final class WorkbenchWindow {

    final BackgroundTasks tasks = BackgroundTasks.threads();
    final Notices notices = new Notices();
    private final Preferences prefs = Preferences.userNodeForPackage(WorkbenchWindow.class);
    final WorkbenchModel model = new WorkbenchModel(tasks);
    final OpenViewModel open = new OpenViewModel(model, tasks, notices, prefs);
    final RulesViewModel rules = new RulesViewModel(model, tasks, notices);
    final DiagnosticsViewModel diagnostics = new DiagnosticsViewModel(model, tasks);
    final LayerChangeViewModel layers = new LayerChangeViewModel(model, tasks);
    final VerifyViewModel verify = new VerifyViewModel(model, tasks, notices, prefs);
    final DetailViewModel detailVm = new DetailViewModel(model, tasks);
    final TreePane modelPane = new TreePane("Model", "Drop a model here: a template checkpoint, a TorchScript file or a shape-spec JSON"
            + " — or pick a timm or torchvision architecture (File ▸ Model from catalog, Ctrl+K).", TreePane.Side.MODEL, model.modelRows);
    final TreePane checkpointPane = new TreePane("Checkpoint", "Drop a checkpoint here (.pth .pt .bin .ckpt .safetensors .npz, sharded"
            + " index.json, a TF checkpoint, .h5 / .keras, .onnx, .gguf …). Pickles are read, never executed.", TreePane.Side.CHECKPOINT,
            model.checkpointRows);
    final TreePane alignedPane = new TreePane("Aligned", "Open a model and a checkpoint: each model key is shown beside the checkpoint key"
            + " that fills it (after the rules), then the checkpoint keys no model key takes. Drop files here too.", TreePane.Side.ALIGNED,
            model.alignedRows);
    final TabPane views = new TabPane();
    final DetailPane detail = new DetailPane(detailVm);
    final RulesPane rulesPane;
    final DiagnosticsPane diagnosticsPane;
    final LayerChangePane layerPane;
    final ComboBox<String> entry = new ComboBox<>();
    final HBox summary = new HBox(14);
    final TabPane bottom = new TabPane();
    final NotificationPane notifications;
    final Stage stage;
    /** The statistics run's progress bar and Cancel, in the checkpoint pane's header while it runs. */
    final ProgressBar statsBar = new ProgressBar(0);
    final HBox statsBox = new HBox(4);
    private boolean syncing;
    final SplitPane trees;
    final SplitPane main;
    static final String STYLESHEET = WorkbenchWindow.class.getResource("workbench.css").toExternalForm();
    /** Runs the first checkpoint's path once while the window shows ({@link #warmUp()}). */
    final Warmup warmup = new Warmup();
    private final javafx.scene.layout.StackPane host;
    private final Menu recent = new Menu("Open recent");

    WorkbenchWindow(Stage stage) {
        this.stage = stage;
        Button undo = iconButton("mdi2u-undo", "Undo (Ctrl+Z)", model::undo);
        undo.setId("undo");
        undo.disableProperty().bind(model.canUndoProperty().not());
        Button redo = iconButton("mdi2r-redo", "Redo (Ctrl+Shift+Z)", model::redo);
        redo.setId("redo");
        redo.disableProperty().bind(model.canRedoProperty().not());
        Button importRules = iconButton("mdi2f-file-import-outline", "Import rules JSON", this::importRules);
        Button exportRules = iconButton("mdi2c-content-save-outline", "Save rules as JSON", this::saveRules);
        rulesPane = new RulesPane(model, rules, undo, redo, importRules, exportRules);
        diagnosticsPane = new DiagnosticsPane(diagnostics, checkpointPane::select);
        layerPane = new LayerChangePane(layers, module -> {
            views.getSelectionModel().select(0);
            alignedPane.select(module);
        });

        modelPane.onFiles = dropped -> open.openDropped(paths(dropped), OpenViewModel.Target.MODEL);
        checkpointPane.onFiles = dropped -> open.openDropped(paths(dropped), OpenViewModel.Target.CHECKPOINT);
        checkpointPane.values = r -> diagnostics.valuesText(r.original());
        modelPane.onNodeDrop = rules::propose;
        alignedPane.onNodeDrop = rules::propose;
        alignedPane.onFiles = dropped -> open.openDropped(paths(dropped), OpenViewModel.Target.WINDOW);
        alignedPane.values = r -> layers.changeText(r.key());
        layers.byKey.addListener((javafx.collections.MapChangeListener<String, LayerChangeViewModel.KeyChange>) c -> alignedPane.valuesChanged());
        Button mapTo = iconButton("mdi2a-arrow-right-bold-box-outline", "Map the selected checkpoint key or module to a model key… (Ctrl+M)", this::mapTo);
        mapTo.setId("map-to");
        alignedPane.extras.getChildren().add(mapTo);
        modelPane.file.textProperty().bind(open.modelFile);
        checkpointPane.file.textProperty().bind(open.checkpointFile);
        entry.setId("weights-entry");
        entry.setMaxWidth(170);
        entry.setTooltip(new Tooltip("The checkpoint's weights entry (the dict holding the state_dict)"));
        entry.setItems(open.entries);
        entry.valueProperty().bindBidirectional(open.entry);
        entry.visibleProperty().bind(open.entryChoice);
        entry.managedProperty().bind(entry.visibleProperty());
        checkpointPane.extras.getChildren().add(entry);
        statsBar.setPrefWidth(90);
        statsBar.setId("stats-progress");
        statsBar.setTooltip(new Tooltip("Reading every tensor for its statistics and the diagnostics"));
        statsBar.progressProperty().bind(diagnostics.progress);
        Button cancelStats = iconButton("mdi2c-close-circle-outline", "Stop computing statistics (Diagnostics ▸ Resume goes on)", diagnostics::cancel);
        cancelStats.setId("stats-cancel");
        statsBox.getChildren().addAll(new Label("values"), statsBar, cancelStats);
        statsBox.setAlignment(Pos.CENTER_LEFT);
        statsBox.visibleProperty().bind(diagnostics.running);
        statsBox.managedProperty().bind(statsBox.visibleProperty());
        checkpointPane.extras.getChildren().add(0, statsBox);
        diagnostics.revision.addListener((o, a, b) -> checkpointPane.valuesChanged());
        Button catalog = iconButton("mdi2b-book-open-variant", "Pick a timm or torchvision architecture", this::pickCatalog);
        modelPane.extras.getChildren().add(catalog);

        // side by side, the two trees move together: selection, opening a module, scrolling (by key path)
        modelPane.onExpanded = (path, o) -> locked(() -> checkpointPane.expand(path, o));
        checkpointPane.onExpanded = (path, o) -> locked(() -> modelPane.expand(path, o));
        modelPane.onScrolled = path -> locked(() -> checkpointPane.scrollToPath(path));
        checkpointPane.onScrolled = path -> locked(() -> modelPane.scrollToPath(path));
        modelPane.selectedProperty().addListener((o, a, n) -> selected(n, true));
        checkpointPane.selectedProperty().addListener((o, a, n) -> selected(n, false));
        // after a rule the keys change names: select again what the detail pane shows
        model.checkpointRows.addListener((ListChangeListener<KeyRow>) c -> reselect());

        alignedPane.selectedProperty().addListener((o, a, n) -> alignedSelected(n));
        SplitPane sideBySide = new SplitPane(modelPane, checkpointPane);
        Tab alignedTab = new Tab("Aligned", alignedPane);
        alignedTab.setId("aligned-tab");
        Tab sidesTab = new Tab("Side by side", sideBySide);
        sidesTab.setId("sides-tab");
        for (Tab t : List.of(alignedTab, sidesTab)) t.setClosable(false);
        views.getTabs().addAll(alignedTab, sidesTab);
        views.setId("views");
        SplitPane trees = new SplitPane(views, detail);
        Tab rulesTab = new Tab("Rules & suggestions", rulesPane);
        Tab diagTab = new Tab("Diagnostics", diagnosticsPane);
        diagTab.textProperty().bind(diagnostics.title);
        Tab changeTab = new Tab("Layer-by-layer change", layerPane);
        for (Tab t : List.of(rulesTab, diagTab, changeTab)) t.setClosable(false);
        bottom.getTabs().addAll(rulesTab, diagTab, changeTab);
        rules.proposal.addListener((o, a, p) -> {
            if (p != null) bottom.getSelectionModel().select(rulesTab);
        });
        SplitPane main = new SplitPane(trees, bottom);
        main.setOrientation(Orientation.VERTICAL);
        summary.setId("summary");
        summary.getStyleClass().add("summary");
        summary.setPadding(new Insets(6, 10, 6, 10));
        summary.setAlignment(Pos.CENTER_LEFT);
        // notices slide in at the bottom of the work area: the summary bar and Export stay visible
        notifications = new NotificationPane(main);
        notifications.setId("notifications");
        notifications.setShowFromTop(false);
        PauseTransition hide = new PauseTransition(Duration.seconds(12));
        hide.setOnFinished(e -> notifications.hide());
        notices.latestProperty().addListener((o, a, n) -> {
            notifications.setGraphic(new FontIcon(n.problem() ? "mdi2a-alert-circle" : "mdi2c-check-circle"));
            notifications.show(n.text());
            hide.playFromStart();
        });
        BorderPane content = new BorderPane(notifications);
        content.setTop(summary);
        BorderPane root = new BorderPane(content);
        root.setTop(menus());
        root.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY);
                e.consume();
            }
        });
        root.setOnDragDropped(e -> {
            Dragboard db = e.getDragboard();
            if (db.hasFiles()) {
                open.openDropped(paths(db.getFiles()), OpenViewModel.Target.WINDOW);
                e.setDropCompleted(true);
                e.consume();
            }
        });
        model.fitProperty().addListener((o, a, b) -> updateSummary());
        model.checkpoint.addListener((o, a, b) -> updateSummary());
        model.model.addListener((o, a, b) -> updateSummary()); // a fit equal to the last one fires no change
        verify.available.addListener((o, a, b) -> updateSummary());
        verify.outcome.addListener((o, a, r) -> {
            if (r != null) detailVm.showOther(r.title(), verifyFacts(r), false);
        });
        updateSummary();
        this.trees = trees;
        this.main = main;
        // the root holds the window's layout and, for a moment at start-up, the warm-up's trees (never drawn)
        javafx.scene.layout.StackPane top = new javafx.scene.layout.StackPane(root);
        this.host = top;
        Scene scene = new Scene(top);
        scene.getStylesheets().add(STYLESHEET);
        stage.setScene(scene);
        stage.setTitle("Weightbench");
        Icons.apply(stage);
        restoreLayout();
        stage.setOnHidden(e -> {
            saveLayout();
            tasks.shutdown();
        });
        if (Theme.isDark()) root().getStyleClass().add("dark");
        open.recent.addListener((ListChangeListener<String>) c -> refreshRecent());
        refreshRecent();
        if (TIMINGS) open.onOpened = o -> afterNextLayout(() -> System.err.printf(java.util.Locale.ROOT,
                "timings: %s: index %.0f ms, trees shown %.0f ms after the drop (%d tensors)%n",
                o.path().getFileName(), (o.indexedNanos() - o.startNanos()) / 1e6, (System.nanoTime() - o.startNanos()) / 1e6, o.tensors()));
    }

    /**
     * The window as the user left it: size, the two dividers, the tree view (aligned or side by
     * side) and the bottom tab. The first time, and whenever the remembered size does not fit the
     * screen, the window takes the whole screen (1440x880 where there is room): a 1280x720 screen is
     * used up to its edges, and on so low a screen the trees get a little less of the height, so
     * the suggestions and the layer chart below them have room.
     */
    void restoreLayout() {
        javafx.geometry.Rectangle2D screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        double width = prefs.getDouble("window.width", 1440);
        double height = prefs.getDouble("window.height", 880);
        if (width >= screen.getWidth() || height >= screen.getHeight()) {
            stage.setX(screen.getMinX());
            stage.setY(screen.getMinY());
            width = screen.getWidth();
            height = screen.getHeight();
        }
        stage.setWidth(width);
        stage.setHeight(height);
        double[] dividers = {prefs.getDouble("window.trees", 0.74), prefs.getDouble("window.main", height < 800 ? 0.58 : 0.66)};
        trees.setDividerPositions(dividers[0]);
        main.setDividerPositions(dividers[1]);
        // a split pane laid out for the first time moves its dividers to its children's sizes: set them again once shown
        if (!stage.isShowing()) afterNextLayout(() -> {
            trees.setDividerPositions(dividers[0]);
            main.setDividerPositions(dividers[1]);
        });
        views.getSelectionModel().select(Math.min(views.getTabs().size() - 1, prefs.getInt("window.view", 0)));
        bottom.getSelectionModel().select(Math.min(bottom.getTabs().size() - 1, prefs.getInt("window.bottom", 0)));
    }

    /** Remembers what {@link #restoreLayout()} restores (when the window closes). */
    void saveLayout() {
        prefs.putDouble("window.width", stage.getWidth());
        prefs.putDouble("window.height", stage.getHeight());
        prefs.putDouble("window.trees", trees.getDividerPositions()[0]);
        prefs.putDouble("window.main", main.getDividerPositions()[0]);
        prefs.putInt("window.view", views.getSelectionModel().getSelectedIndex());
        prefs.putInt("window.bottom", bottom.getSelectionModel().getSelectedIndex());
    }

    /** Starts the warm-up (the app does when it opens with no files: the first drop then costs what later ones do). */
    void warmUp() {
        warmup.start(tasks, host);
    }

    Parent root() {
        return stage.getScene().getRoot();
    }

    private static List<Path> paths(List<File> files) {
        return files.stream().map(File::toPath).toList();
    }

    private static Button iconButton(String icon, String tip, Runnable action) {
        Button b = new Button(null, new FontIcon(icon));
        b.setTooltip(new Tooltip(tip));
        b.getStyleClass().add("flat");
        b.setOnAction(e -> action.run());
        return b;
    }

    private MenuBar menus() {
        MenuItem openCk = item("Open checkpoint…", "Shortcut+O", () -> choose(false));
        MenuItem openModel = item("Open model…", "Shortcut+Shift+O", () -> choose(true));
        MenuItem fromCatalog = item("Model from catalog…", "Shortcut+K", this::pickCatalog);
        MenuItem export = item("Export fixed checkpoint…", "Shortcut+E", this::export);
        MenuItem saveRules = item("Save rules as JSON…", "Shortcut+S", this::saveRules);
        MenuItem importRules = item("Import rules JSON…", "Shortcut+I", this::importRules);
        MenuItem quit = item("Quit", "Shortcut+Q", stage::close);
        Menu file = new Menu("File", null, openCk, openModel, fromCatalog, recent, new SeparatorMenuItem(), importRules, saveRules, export,
                new SeparatorMenuItem(), quit);
        MenuItem undo = item("Undo", "Shortcut+Z", model::undo);
        undo.disableProperty().bind(model.canUndoProperty().not());
        MenuItem redo = item("Redo", "Shortcut+Shift+Z", model::redo);
        redo.disableProperty().bind(model.canRedoProperty().not());
        MenuItem find = item("Find key", "Shortcut+F", () -> (shownPane() == alignedPane ? alignedPane : checkpointPane).search.requestFocus());
        MenuItem problems = item("Problems only", "Shortcut+P", () -> {
            boolean on = !checkpointPane.problemsOnly.isSelected();
            for (TreePane p : panes()) p.problemsOnly.setSelected(on);
        });
        MenuItem next = item("Next problem", "F8", () -> shownPane().nextProblem(true));
        MenuItem previous = item("Previous problem", "Shift+F8", () -> shownPane().nextProblem(false));
        MenuItem mapTo = item("Map to…", "Shortcut+M", this::mapTo);
        Menu edit = new Menu("Edit", null, undo, redo, new SeparatorMenuItem(), find, problems, next, previous, new SeparatorMenuItem(), mapTo);
        MenuItem light = item("Light theme", null, () -> theme(false));
        MenuItem dark = item("Dark theme", null, () -> theme(true));
        Menu view = new Menu("View", null, light, dark);
        MenuBar bar = new MenuBar(file, edit, view);
        bar.setId("menu");
        return bar;
    }

    /** Switches and remembers the theme; the charts are redrawn in its colours. */
    void theme(boolean dark) {
        Theme.apply(dark);
        prefs.putBoolean("theme.dark", dark);
        root().getStyleClass().remove("dark");
        if (dark) root().getStyleClass().add("dark");
        layerPane.redraw();
        detail.redraw();
        for (TreePane p : panes()) p.table.refresh();
    }

    private static MenuItem item(String text, String accelerator, Runnable action) {
        MenuItem m = new MenuItem(text);
        if (accelerator != null) m.setAccelerator(KeyCombination.keyCombination(accelerator));
        m.setOnAction(e -> action.run());
        return m;
    }

    private void choose(boolean modelSide) {
        FileChooser fc = new FileChooser();
        fc.setTitle(modelSide ? "Open a model (template checkpoint, TorchScript, shape-spec JSON)" : "Open a checkpoint");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("All files", "*"), new FileChooser.ExtensionFilter("Checkpoints", "*.pth",
                "*.pt", "*.bin", "*.ckpt", "*.safetensors", "*.npz", "*.npy", "*.json", "*.pkl", "*.tar", "*.h5", "*.keras", "*.onnx", "*.gguf",
                "*.index", "*.msgpack", "*.pdparams", "*.params"));
        File f = fc.showOpenDialog(stage);
        if (f != null) {
            if (modelSide) open.openModel(f.getPath());
            else open.openCheckpoint(f.toPath());
        }
    }

    /** File ▸ Model from catalog: the searchable picker; the architecture chosen, with its options, opens on the model side. */
    void pickCatalog() {
        open.catalogEntries(entries -> {
            catalogDialog = new CatalogDialog(stage, entries);
            catalogDialog.showAndWait().ifPresent(open::openModel);
        });
    }

    /** The catalog picker last opened (tests reach it here). */
    CatalogDialog catalogDialog;

    private void refreshRecent() {
        recent.getItems().clear();
        for (String s : open.recent) {
            MenuItem m = new MenuItem(s.replace("\t", ": "));
            m.setOnAction(e -> open.openRecent(s));
            recent.getItems().add(m);
        }
        recent.setDisable(recent.getItems().isEmpty());
    }

    /** {@code -Dweightbench.timings=true}: print how long a checkpoint took from the drop to its trees on screen. */
    private static final boolean TIMINGS = Boolean.getBoolean("weightbench.timings");

    private void afterNextLayout(Runnable r) {
        Scene scene = stage.getScene();
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            scene.removePostLayoutPulseListener(self[0]);
            r.run();
        };
        scene.addPostLayoutPulseListener(self[0]);
    }

    /**
     * The summary bar's controls, made once (a drop changed their texts twice and made them anew
     * each time: eight tooltips, each a window of its own, while the first trees were being built).
     */
    private final Map<Status, javafx.scene.control.ToggleButton> chips = new java.util.LinkedHashMap<>(); // in the order shown
    private final Label hint = new Label();
    private final Region grow = new Region();
    private final Label verdict = new Label();
    private final FontIcon verdictIcon = new FontIcon("mdi2c-close-octagon");
    private final Tooltip verdictTip = new Tooltip();
    private Button verifyButton;
    private Button exportButton;

    private void summaryControls() {
        for (Status s : List.of(Status.MATCHED, Status.MISSING, Status.UNEXPECTED, Status.SHAPE, Status.DTYPE, Status.FILLED)) {
            FontIcon icon = new FontIcon(s.icon);
            icon.getStyleClass().addAll("status-icon", s.styleClass);
            javafx.scene.control.ToggleButton l = new javafx.scene.control.ToggleButton("", icon);
            l.setId("summary-" + s.name().toLowerCase(java.util.Locale.ROOT));
            l.getStyleClass().addAll("summary-chip", "flat");
            l.setTooltip(new Tooltip(s == Status.FILLED ? "Model keys the checkpoint lacks that torch fills in itself (BatchNorm's num_batches_tracked in a"
                    + " state_dict without version metadata): not missing for load_state_dict(strict=True)."
                    : "Show only the keys " + s.label + " (click again for all)"));
            l.setOnAction(e -> filterBy(l.isSelected() ? s : null));
            l.setMinWidth(Region.USE_PREF_SIZE);
            chips.put(s, l);
        }
        HBox.setHgrow(grow, Priority.ALWAYS);
        verdict.setId("verdict");
        verdict.setGraphic(verdictIcon);
        verdict.setMinWidth(Region.USE_PREF_SIZE);
        verdict.setTooltip(verdictTip);
        verifyButton = new Button("Verify outputs…", new FontIcon("mdi2f-flask-outline"));
        verifyButton.setId("verify");
        verifyButton.setTooltip(new Tooltip("Run the TorchScript model in libtorch with its own weights and with these, on the same input,"
                + " and compare the outputs"));
        verifyButton.setOnAction(e -> verifyOutputs());
        exportButton = new Button("Export…", new FontIcon("mdi2e-export"));
        exportButton.setId("export");
        exportButton.getStyleClass().add("accent");
        exportButton.setMinWidth(Region.USE_PREF_SIZE);
        exportButton.setOnAction(e -> export());
    }

    private void updateSummary() {
        if (chips.isEmpty()) summaryControls();
        if (model.fit() == null) {
            hint.setText(model.model.get() == null && model.checkpoint.get() == null
                    ? "Drop a model and a checkpoint — or open them from the File menu."
                    : model.model.get() == null ? "Now a model: drop a template, TorchScript file, or pick one from the catalog."
                    : model.checkpoint.get() == null ? "Now a checkpoint to fit to it." : model.ruleError.get());
            summary.getChildren().setAll(hint);
            return;
        }
        List<javafx.scene.Node> shown = new java.util.ArrayList<>();
        Map<Status, Integer> counts = model.summary();
        for (Map.Entry<Status, javafx.scene.control.ToggleButton> e : chips.entrySet()) {
            Status s = e.getKey();
            javafx.scene.control.ToggleButton l = e.getValue();
            l.setText(counts.getOrDefault(s, 0) + " " + s.label);
            l.setSelected(alignedPane.statusFilter.get() == s);
            // the three counts that decide strict loading always; the others when there are some
            if (counts.getOrDefault(s, 0) == 0 && (s == Status.SHAPE || s == Status.DTYPE || s == Status.FILLED) && alignedPane.statusFilter.get() != s) continue;
            shown.add(l);
        }
        boolean strict = model.loadsStrictly();
        verdict.setText(strict ? "loads with strict=True" : "would fail strict=True");
        verdictIcon.setIconLiteral(strict ? "mdi2c-check-decagram" : "mdi2c-close-octagon");
        verdictTip.setText(strict ? "torch's model.load_state_dict(checkpoint, strict=True) accepts it (after the rules)"
                : "torch's model.load_state_dict(checkpoint, strict=True) would raise: fix the missing, unexpected and mismatched keys");
        verdict.getStyleClass().removeAll("status-matched", "status-missing");
        verdict.getStyleClass().add(strict ? "status-matched" : "status-missing");
        shown.add(grow);
        shown.add(verdict);
        if (verify.available.get()) shown.add(verifyButton);
        shown.add(exportButton);
        summary.getChildren().setAll(shown);
    }

    /** The summary's counts as filters: only keys of that status in every tree, or all again. */
    void filterBy(Status s) {
        for (TreePane p : panes()) p.statusFilter.set(s);
        updateSummary();
    }

    private List<TreePane> panes() {
        return List.of(alignedPane, modelPane, checkpointPane);
    }

    /** The tree F8 walks: the aligned view, or on the side-by-side tab the focused tree (the model's by default). */
    private TreePane shownPane() {
        if (views.getSelectionModel().getSelectedIndex() == 0) return alignedPane;
        return checkpointPane.table.isFocused() ? checkpointPane : modelPane;
    }

    private void alignedSelected(KeyNode n) {
        if (syncing || n == null || !n.isKey()) return;
        KeyRow r = n.row;
        String ckKey = r.unpaired() ? r.checkpointKey() : r.original().isEmpty() ? null : r.key();
        detailVm.show(r.unpaired() ? null : r.key(), ckKey);
    }

    /**
     * "Map to…": the checkpoint key or module selected (in the aligned view, a checkpoint-only one)
     * onto a model key or module chosen from a searchable list of those still unfilled.
     */
    void mapTo() {
        KeyNode n = shownPane() == alignedPane ? alignedPane.selectedProperty().get() : checkpointPane.selectedProperty().get();
        if (n == null) {
            notices.problem("Select a checkpoint key or module first (in the aligned view, under " + KeyRow.UNPAIRED + ").");
            return;
        }
        String from = n.path.startsWith(KeyRow.UNPAIRED + ".") ? n.path.substring(KeyRow.UNPAIRED.length() + 1) : n.path;
        MapToDialog d = new MapToDialog(stage, from, rules.mapTargets(n.isKey()));
        d.showAndWait().ifPresent(to -> rules.propose(from, n.isKey(), to, n.isKey()));
    }

    private void selected(KeyNode n, boolean fromModel) {
        if (syncing || n == null) return;
        syncing = true;
        try {
            // the counterpart has the same key: checkpoint keys are shown after the rules
            if (fromModel) checkpointPane.select(n.path);
            else modelPane.select(n.path);
            if (n.isKey()) {
                boolean inModel = modelPane.item(n.path) != null && modelPane.item(n.path).getValue().isKey();
                boolean inCk = checkpointPane.item(n.path) != null && checkpointPane.item(n.path).getValue().isKey();
                detailVm.show(inModel ? n.path : null, inCk ? n.path : null);
            }
        } finally {
            syncing = false;
        }
    }

    /** Runs what one side-by-side tree does to the other, unless that is itself the echo of such a step. */
    private void locked(Runnable r) {
        if (syncing) return;
        syncing = true;
        try {
            r.run();
        } finally {
            syncing = false;
        }
    }

    private void reselect() {
        String key = detailVm.checkpointKey() != null ? detailVm.checkpointKey() : detailVm.modelKey();
        if (key == null) return;
        syncing = true;
        try {
            checkpointPane.select(key);
            modelPane.select(key);
        } finally {
            syncing = false;
        }
        // in the aligned view the key may now be paired with a model key: selecting it shows both sides
        String paired = detailVm.modelKey() != null ? detailVm.modelKey() : key;
        if (!alignedPane.select(paired)) alignedPane.select(KeyRow.UNPAIRED + "." + key);
    }

    /** A checkpoint node dropped onto a model node (what a drag does): the rule it proposes. */
    void nodeDropped(String from, boolean fromIsKey, String to, boolean toIsKey) {
        rules.propose(from, fromIsKey, to, toIsKey);
    }

    private void importRules() {
        FileChooser fc = new FileChooser();
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Rules JSON", "*.json"));
        File f = fc.showOpenDialog(stage);
        if (f != null) rules.importRules(f.toPath());
    }

    private void saveRules() {
        FileChooser fc = new FileChooser();
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Rules JSON", "*.json"));
        fc.setInitialFileName("rules.json");
        File f = fc.showSaveDialog(stage);
        if (f != null) rules.saveRules(f.toPath());
    }

    ExportDialog export() {
        if (model.checkpoint.get() == null) {
            notices.problem("Open a checkpoint first.");
            return null;
        }
        if (!model.ruleError.get().isEmpty()) {
            notices.problem("Fix the rules first: " + model.ruleError.get());
            return null;
        }
        ExportDialog d = new ExportDialog(stage, new ExportViewModel(model.checkpoint.get(), model.ruleSet(),
                java.util.Optional.ofNullable(model.fit()), tasks, notices));
        d.show();
        return d;
    }

    private void verifyOutputs() {
        TextInputDialog d = new TextInputDialog(verify.suggestedShape());
        d.initOwner(stage);
        Icons.apply(d);
        d.setTitle("Verify outputs");
        d.setHeaderText("Runs the TorchScript model with its own weights and with the checkpoint's (after the rules)"
                + " on the same seeded random input, and compares the outputs.");
        d.setContentText("Input shape");
        d.showAndWait().ifPresent(this::verifyOutputs);
    }

    /** Runs verify; the outcome goes to the detail pane. */
    void verifyOutputs(String shapeText) {
        if (VerifyViewModel.parse(shapeText).isPresent()) {
            detailVm.showOther("Verify outputs", List.of(new DetailViewModel.Fact("", "starting libtorch and running the model twice (the first time"
                    + " unpacks libtorch: a few seconds) …", false)), true);
        }
        verify.run(shapeText);
    }

    private static List<DetailViewModel.Fact> verifyFacts(VerifyViewModel.Outcome r) {
        List<DetailViewModel.Fact> out = new java.util.ArrayList<>();
        out.add(new DetailViewModel.Fact("verdict", r.passed() ? "PASS: the outputs agree" : "FAIL", !r.passed()));
        for (String[] row : r.rows()) out.add(new DetailViewModel.Fact(row[0], row[1], false));
        return out;
    }

    void openArguments(List<String> args) {
        open.openArguments(args);
    }

    /** For tests and the README's walk-through: open as the File menu does. */
    void openModel(String source) {
        open.openModel(source);
    }

    void openCheckpoint(Path path) {
        open.openCheckpoint(path);
    }

    void openFiles(List<File> dropped, Boolean toModel) {
        open.openDropped(paths(dropped), toModel == null ? OpenViewModel.Target.WINDOW : toModel ? OpenViewModel.Target.MODEL
                : OpenViewModel.Target.CHECKPOINT);
    }
}
