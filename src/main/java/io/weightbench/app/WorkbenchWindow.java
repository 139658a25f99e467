package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.compare.DropRule;
import io.weightbench.compare.Fit;
import io.weightbench.export.Exporter;
import io.weightbench.format.Formats;
import io.weightbench.model.Catalog;
import io.weightbench.model.ModelSpec;
import io.weightbench.rules.Rule;
import io.weightbench.rules.RuleSet;
import io.weightbench.stats.CheckpointDiff;
import io.weightbench.stats.HealthCheck;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.Progress;
import io.weightbench.verify.Verifier;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.prefs.Preferences;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceDialog;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Dragboard;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import org.controlsfx.control.NotificationPane;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The workbench window: the model tree and the checkpoint tree side by side with the selected key's
 * details, a summary bar, and below them the rules and suggestions, diagnostics and the
 * layer-by-layer change between a template and the checkpoint. Opening files, statistics and
 * exports run on two background threads ({@code files} for opening and closing files, {@code compute}
 * for reading tensor data); the FX thread only works on key lists.
 */
final class WorkbenchWindow {

    final ExecutorService files = daemon("weightbench-io");
    final ExecutorService compute = daemon("weightbench-compute");
    /** Key-list work too slow for the FX thread with thousands of keys (suggestions and their effects). */
    final ExecutorService keys = daemon("weightbench-keys");
    final WorkbenchModel model = new WorkbenchModel(keys, Platform::runLater);
    final TreePane modelPane = new TreePane("Model", "Drop a model here: a template checkpoint, a TorchScript file or a shape-spec JSON"
            + " — or pick a torchvision architecture (File ▸ Model from catalog, Ctrl+K).", false, model.modelRows);
    final TreePane checkpointPane = new TreePane("Checkpoint", "Drop a checkpoint here (.pth .pt .bin .ckpt .safetensors .npz, sharded"
            + " index.json …). Pickles are read, never executed.", true, model.checkpointRows);
    final DetailPane detail = new DetailPane(model, compute);
    final RulesPane rulesPane;
    final ComboBox<String> entry = new ComboBox<>();
    final HBox summary = new HBox(14);
    final ListView<HealthCheck.Finding> findings = new ListView<>();
    final VBox changes = new VBox(8);
    final TabPane bottom = new TabPane();
    final NotificationPane notifications;
    final Stage stage;
    /** The checkpoint as opened (owner of its files); {@link WorkbenchModel#checkpoint} may be a view with another weights entry. */
    private Checkpoint opened;
    private boolean syncing;
    private final Preferences prefs = Preferences.userNodeForPackage(WorkbenchWindow.class);
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
        rulesPane = new RulesPane(model, undo, redo, importRules, exportRules);

        modelPane.onFiles = dropped -> openFiles(dropped, true);
        checkpointPane.onFiles = dropped -> openFiles(dropped, false);
        checkpointPane.values = this::valuesText;
        modelPane.onNodeDrop = this::nodeDropped;
        entry.setId("weights-entry");
        entry.setMaxWidth(170);
        entry.setTooltip(new Tooltip("The checkpoint's weights entry (the dict holding the state_dict)"));
        entry.setVisible(false);
        entry.managedProperty().bind(entry.visibleProperty());
        entry.setOnAction(e -> chooseEntry(entry.getValue()));
        checkpointPane.extras.getChildren().add(entry);
        statsBar.setPrefWidth(90);
        statsBar.setId("stats-progress");
        statsBar.setTooltip(new Tooltip("Reading every tensor for its statistics and the diagnostics"));
        Button cancelStats = iconButton("mdi2c-close-circle-outline", "Stop computing statistics", () -> {
            if (statsRun != null) statsRun.cancel();
        });
        cancelStats.setId("stats-cancel");
        statsBox.getChildren().addAll(new Label("values"), statsBar, cancelStats);
        statsBox.setAlignment(Pos.CENTER_LEFT);
        statsBox.setVisible(false);
        statsBox.managedProperty().bind(statsBox.visibleProperty());
        checkpointPane.extras.getChildren().add(0, statsBox);
        Button catalog = iconButton("mdi2b-book-open-variant", "Pick a timm or torchvision architecture", this::pickCatalog);
        modelPane.extras.getChildren().add(catalog);

        modelPane.selectedProperty().addListener((o, a, n) -> selected(n, true));
        checkpointPane.selectedProperty().addListener((o, a, n) -> selected(n, false));

        SplitPane trees = new SplitPane(modelPane, checkpointPane, detail);
        trees.setDividerPositions(0.36, 0.77);
        findings.setId("findings");
        findings.setPlaceholder(new Label("Open a checkpoint to check its weights (NaN/Inf, zero tensors, BatchNorm statistics …)."));
        findings.setCellFactory(l -> new FindingCell());
        findings.getSelectionModel().selectedItemProperty().addListener((o, a, f) -> {
            if (f != null) checkpointPane.select(f.key());
        });
        changes.setPadding(new Insets(8));
        Tab rulesTab = new Tab("Rules & suggestions", rulesPane);
        Tab diagTab = new Tab("Diagnostics", findings);
        Tab changeTab = new Tab("Layer-by-layer change", changes);
        for (Tab t : List.of(rulesTab, diagTab, changeTab)) t.setClosable(false);
        bottom.getTabs().addAll(rulesTab, diagTab, changeTab);
        resetChanges();
        SplitPane main = new SplitPane(trees, bottom);
        main.setOrientation(Orientation.VERTICAL);
        main.setDividerPositions(0.66);
        summary.setId("summary");
        summary.getStyleClass().add("summary");
        summary.setPadding(new Insets(6, 10, 6, 10));
        summary.setAlignment(Pos.CENTER_LEFT);
        BorderPane content = new BorderPane(main);
        content.setTop(summary);
        notifications = new NotificationPane(content);
        notifications.setId("notifications");
        BorderPane root = new BorderPane(notifications);
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
                openFiles(db.getFiles(), null);
                e.setDropCompleted(true);
                e.consume();
            }
        });
        model.fitProperty().addListener((o, a, b) -> updateSummary());
        model.checkpoint.addListener((o, a, b) -> updateSummary());
        model.model.addListener((o, a, b) -> updateSummary()); // a fit equal to the last one fires no change
        model.model.addListener((o, a, b) -> resetChanges());
        model.checkpoint.addListener((o, a, b) -> resetChanges());
        updateSummary();
        javafx.geometry.Rectangle2D screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        Scene scene = new Scene(root, Math.min(1440, screen.getWidth() * 0.96), Math.min(880, screen.getHeight() * 0.94));
        scene.getStylesheets().add(WorkbenchWindow.class.getResource("workbench.css").toExternalForm());
        stage.setScene(scene);
        stage.setTitle("Weightbench");
        Icons.apply(stage);
        stage.setOnHidden(e -> {
            files.shutdownNow();
            compute.shutdownNow();
            keys.shutdownNow();
        });
        refreshRecent();
    }

    Parent root() {
        return stage.getScene().getRoot();
    }

    private static ExecutorService daemon(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
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
        MenuItem find = item("Find key", "Shortcut+F", () -> checkpointPane.search.requestFocus());
        MenuItem problems = item("Problems only", "Shortcut+P", () -> {
            boolean on = !checkpointPane.problemsOnly.isSelected();
            checkpointPane.problemsOnly.setSelected(on);
            modelPane.problemsOnly.setSelected(on);
        });
        Menu edit = new Menu("Edit", null, undo, redo, new SeparatorMenuItem(), find, problems);
        MenuItem light = item("Light theme", null, () -> Theme.apply(false));
        MenuItem dark = item("Dark theme", null, () -> Theme.apply(true));
        Menu view = new Menu("View", null, light, dark);
        MenuBar bar = new MenuBar(file, edit, view);
        bar.setId("menu");
        return bar;
    }

    private static MenuItem item(String text, String accelerator, Runnable action) {
        MenuItem m = new MenuItem(text);
        if (accelerator != null) m.setAccelerator(KeyCombination.keyCombination(accelerator));
        m.setOnAction(e -> action.run());
        return m;
    }

    // ---- opening files (I/O on the io thread) ----

    private void choose(boolean modelSide) {
        FileChooser fc = new FileChooser();
        fc.setTitle(modelSide ? "Open a model (template checkpoint, TorchScript, shape-spec JSON)" : "Open a checkpoint");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Checkpoints", "*.pth", "*.pt", "*.bin", "*.ckpt", "*.safetensors",
                "*.npz", "*.npy", "*.json", "*.pkl", "*.tar"), new FileChooser.ExtensionFilter("All files", "*"));
        File f = fc.showOpenDialog(stage);
        if (f != null) {
            if (modelSide) openModel(f.getPath());
            else openCheckpoint(f.toPath());
        }
    }

    /**
     * Files dropped: on a side, the first goes there (and a second to the other side); on the window,
     * a TorchScript file, or the first file while the model side is empty, goes to the model side.
     */
    void openFiles(List<File> dropped, Boolean toModel) {
        List<Path> paths = dropped.stream().map(File::toPath).toList();
        if (paths.isEmpty()) return;
        files.submit(() -> {
            List<Path> rest = new ArrayList<>(paths);
            Path first = rest.remove(0);
            boolean modelSide = toModel != null ? toModel : isTorchScript(first) || model.model.get() == null && !rest.isEmpty()
                    || model.model.get() == null && model.checkpoint.get() != null;
            Platform.runLater(() -> {
                if (modelSide) openModel(first.toString());
                else openCheckpoint(first);
                if (!rest.isEmpty()) {
                    if (modelSide) openCheckpoint(rest.get(0));
                    else openModel(rest.get(0).toString());
                }
            });
        });
    }

    private static boolean isTorchScript(Path p) {
        try (Checkpoint c = Formats.standard().open(p)) {
            return c.format().startsWith("torchscript");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    void openModel(String source) {
        modelPane.setFileText("opening " + source + " …");
        files.submit(() -> {
            try {
                WorkbenchModel.ModelSide side;
                Path p = source.startsWith(ModelSpec.CATALOG_PREFIX) ? null : Path.of(source);
                Checkpoint template = null;
                if (p != null && !source.toLowerCase(java.util.Locale.ROOT).endsWith(".json")) {
                    template = Formats.standard().open(p);
                    side = new WorkbenchModel.ModelSide(ModelSpec.fromCheckpoint(template), Optional.of(template));
                } else {
                    side = new WorkbenchModel.ModelSide(ModelSpec.load(source), Optional.empty());
                }
                WorkbenchModel.ModelSide done = side;
                Platform.runLater(() -> {
                    WorkbenchModel.ModelSide old = model.model.get();
                    model.model.set(done);
                    modelPane.setFileText(label(source, done.spec().tensors().size()));
                    remember("model", source);
                    if (old != null) old.template().ifPresent(this::closeLater);
                });
            } catch (Exception e) {
                Platform.runLater(() -> {
                    modelPane.setFileText(model.model.get() == null ? "" : modelPane.file.getText());
                    problem(about(source, e));
                });
            }
        });
    }

    void openCheckpoint(Path path) {
        long start = System.nanoTime();
        checkpointPane.setFileText("opening " + path + " …");
        files.submit(() -> {
            try {
                Checkpoint c = Formats.standard().open(path);
                List<String> entries = entries(c);
                long indexed = System.nanoTime();
                Platform.runLater(() -> {
                    if (TIMINGS) afterNextLayout(() -> System.err.printf(java.util.Locale.ROOT,
                            "timings: %s: index %.0f ms, trees shown %.0f ms after the drop (%d tensors)%n",
                            path.getFileName(), (indexed - start) / 1e6, (System.nanoTime() - start) / 1e6, c.tensors().size()));
                    Checkpoint old = opened;
                    opened = c;
                    model.checkpoint.set(c);
                    entry.getItems().setAll(entries);
                    entry.setValue(c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry());
                    entry.setVisible(entries.size() > 1);
                    checkpointPane.setFileText(label(path.toString(), c.weights().size()) + " · " + c.format());
                    remember("checkpoint", path.toString());
                    for (String w : c.warnings()) problem(path.getFileName() + ": " + w);
                    runDiagnostics(c);
                    detail.show(null, null); // the new file's format, files and metadata until a key is chosen
                    if (old != null) closeLater(old);
                });
            } catch (Exception e) {
                Platform.runLater(() -> {
                    checkpointPane.setFileText(opened == null ? "" : label(opened.file().toString(), opened.weights().size()));
                    problem(about(path.toString(), e));
                });
            }
        });
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

    /** The problem, naming the file once. */
    private static String about(String file, Exception e) {
        String m = message(e);
        return m.contains(file) ? m : file + ": " + m;
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static String label(String source, int tensors) {
        String name = source.startsWith(ModelSpec.CATALOG_PREFIX) ? source : Path.of(source).getFileName().toString();
        return name + " · " + tensors + " tensors";
    }

    /** Closing waits for the statistics already queued on the compute thread, then happens on the io thread. */
    private void closeLater(Checkpoint c) {
        compute.submit(() -> files.submit(() -> {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing left to do with a file we are done with
            }
        }));
    }

    private static List<String> entries(Checkpoint c) {
        Set<String> out = new LinkedHashSet<>();
        out.add(c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry());
        out.add("(top level)");
        for (TensorEntry t : c.tensors()) {
            List<String> p = t.path();
            for (int n = 1; n < p.size() && n <= 2; n++) out.add(String.join(".", p.subList(0, n)));
        }
        return new ArrayList<>(out);
    }

    private void chooseEntry(String value) {
        if (opened == null || value == null) return;
        String key = value.equals("(top level)") ? "" : value;
        Checkpoint current = model.checkpoint.get();
        if (current != null && current.weightsEntry().equals(key)) return;
        try {
            Checkpoint view = opened.withWeightsEntry(key);
            model.checkpoint.set(view);
            checkpointPane.setFileText(label(opened.file().toString(), view.weights().size()) + " · " + opened.format());
            runDiagnostics(view);
        } catch (IOException e) {
            problem(message(e));
        }
    }

    void pickCatalog() {
        files.submit(() -> {
            try {
                List<String> names = Catalog.models().stream().map(m -> m.name()).toList();
                Platform.runLater(() -> {
                    ChoiceDialog<String> d = new ChoiceDialog<>(names.contains("timm/resnet50") ? "timm/resnet50" : names.get(0), names);
                    d.initOwner(stage);
                    Icons.apply(d);
                    d.setTitle("Model from catalog");
                    d.setHeaderText("A timm or torchvision architecture's parameters and buffers (keys, shapes, dtypes; no weights)");
                    d.showAndWait().ifPresent(n -> openModel(ModelSpec.CATALOG_PREFIX + n));
                });
            } catch (IllegalStateException e) {
                Platform.runLater(() -> problem("catalog: " + e.getMessage()));
            }
        });
    }

    private void remember(String side, String source) {
        List<String> list = new ArrayList<>(List.of(prefs.get("recent", "").split("\n")));
        list.removeIf(s -> s.isBlank() || s.equals(side + "\t" + source));
        list.add(0, side + "\t" + source);
        while (list.size() > 10) list.remove(list.size() - 1);
        prefs.put("recent", String.join("\n", list));
        refreshRecent();
    }

    private void refreshRecent() {
        recent.getItems().clear();
        for (String s : prefs.get("recent", "").split("\n")) {
            int tab = s.indexOf('\t');
            if (tab < 0) continue;
            String side = s.substring(0, tab);
            String source = s.substring(tab + 1);
            MenuItem m = new MenuItem(side + ": " + source);
            m.setOnAction(e -> {
                if (side.equals("model")) openModel(source);
                else openCheckpoint(Path.of(source));
            });
            recent.getItems().add(m);
        }
        recent.setDisable(recent.getItems().isEmpty());
    }

    // ---- what the user sees ----

    void problem(String text) {
        notifications.setGraphic(new FontIcon("mdi2a-alert-circle"));
        notifications.show(text);
    }

    void info(String text) {
        notifications.setGraphic(new FontIcon("mdi2c-check-circle"));
        notifications.show(text);
    }

    private Button verifyButton;

    private void updateSummary() {
        summary.getChildren().clear();
        Fit f = model.fit();
        if (f == null) {
            Label hint = new Label(model.model.get() == null && model.checkpoint.get() == null
                    ? "Drop a model and a checkpoint — or open them from the File menu."
                    : model.model.get() == null ? "Now a model: drop a template, TorchScript file, or pick one from the catalog."
                    : "Now a checkpoint to fit to it.");
            summary.getChildren().add(hint);
            return;
        }
        Map<Status, Integer> counts = model.summary();
        for (Status s : List.of(Status.MATCHED, Status.MISSING, Status.UNEXPECTED, Status.SHAPE, Status.DTYPE)) {
            FontIcon icon = new FontIcon(s.icon);
            icon.getStyleClass().addAll("status-icon", s.styleClass);
            Label l = new Label(counts.getOrDefault(s, 0) + " " + s.label, icon);
            l.setId("summary-" + s.name().toLowerCase(java.util.Locale.ROOT));
            l.getStyleClass().add("summary-chip");
            summary.getChildren().add(l);
        }
        Region grow = new Region();
        HBox.setHgrow(grow, Priority.ALWAYS);
        boolean strict = f.comparison().loadsStrictly();
        Label verdict = new Label(strict ? "loads with strict=True" : "would fail load_state_dict(strict=True)",
                new FontIcon(strict ? "mdi2c-check-decagram" : "mdi2c-close-octagon"));
        verdict.setId("verdict");
        verdict.getStyleClass().add(strict ? "status-matched" : "status-missing");
        WorkbenchModel.ModelSide side = model.model.get();
        if (side != null && side.template().map(t -> t.format().equals("torchscript")).orElse(false)) {
            Button verify = new Button("Verify outputs…", new FontIcon("mdi2f-flask-outline"));
            verify.setId("verify");
            verify.setTooltip(new Tooltip("Run the TorchScript model in libtorch with its own weights and with these, on the same input,"
                    + " and compare the outputs"));
            verify.setOnAction(e -> verifyOutputs());
            verifyButton = verify;
        } else {
            verifyButton = null;
        }
        Button export = new Button("Export…", new FontIcon("mdi2e-export"));
        export.setId("export");
        export.getStyleClass().add("accent");
        export.setOnAction(e -> export());
        summary.getChildren().addAll(grow, verdict);
        if (verifyButton != null) summary.getChildren().add(verifyButton);
        summary.getChildren().add(export);
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
                detail.show(inModel ? n.path : null, inCk ? n.path : null);
            }
        } finally {
            syncing = false;
        }
    }

    // ---- rules ----

    void nodeDropped(String from, boolean fromIsKey, String to, boolean toIsKey) {
        Fit f = model.fit();
        if (f == null) {
            problem("Open both a model and a checkpoint before mapping keys.");
            return;
        }
        DropRule.Proposal p = DropRule.propose(from, fromIsKey, to, toIsKey, f.applied().tensors(), model.model.get().spec().tensors());
        if (p.rule().isEmpty()) {
            problem(p.problem());
            return;
        }
        List<RulesPane.Choice> choices = new ArrayList<>();
        if (p.broader().isPresent()) {
            choices.add(new RulesPane.Choice("proposal-broader", "Apply to all " + p.broaderAffected() + " keys: " + p.broader().get().describe(),
                    List.of(p.broader().get()), true));
        }
        choices.add(new RulesPane.Choice("proposal-rule", (fromIsKey ? "This key only: " : "Prefix: ") + p.rule().get().describe(),
                List.of(p.rule().get()), p.broader().isEmpty()));
        int i = 0;
        for (Rule t : p.transforms()) {
            choices.add(new RulesPane.Choice("proposal-transform-" + i++, "Rename and " + t.describe(), List.of(p.rule().get(), t), false));
        }
        rulesPane.propose("Drop '" + (from.isEmpty() ? "(top level)" : from) + "' onto '" + (to.isEmpty() ? "(top level)" : to) + "'",
                p.problem(), choices);
        bottom.getSelectionModel().select(0);
    }

    private void importRules() {
        FileChooser fc = new FileChooser();
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Rules JSON", "*.json"));
        File f = fc.showOpenDialog(stage);
        if (f != null) importRules(f.toPath());
    }

    void importRules(Path file) {
        files.submit(() -> {
            try {
                RuleSet rs = RuleSet.read(file);
                Platform.runLater(() -> {
                    model.addRules(rs.rules());
                    info("Imported " + rs.rules().size() + " rules from " + file.getFileName());
                });
            } catch (Exception e) {
                Platform.runLater(() -> problem(file + ": " + message(e)));
            }
        });
    }

    private void saveRules() {
        FileChooser fc = new FileChooser();
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("Rules JSON", "*.json"));
        fc.setInitialFileName("rules.json");
        File f = fc.showSaveDialog(stage);
        if (f == null) return;
        RuleSet rs = model.ruleSet();
        files.submit(() -> {
            try {
                rs.write(f.toPath());
                Platform.runLater(() -> info("Saved " + rs.rules().size() + " rules to " + f));
            } catch (IOException e) {
                Platform.runLater(() -> problem(f + ": " + message(e)));
            }
        });
    }

    ExportDialog export() {
        if (model.checkpoint.get() == null) {
            problem("Open a checkpoint first.");
            return null;
        }
        if (!model.ruleError.get().isEmpty()) {
            problem("Fix the rules first: " + model.ruleError.get());
            return null;
        }
        ExportDialog d = new ExportDialog(stage, model.checkpoint.get(), model.ruleSet(), compute, this::info, this::problem);
        d.show();
        return d;
    }

    // ---- verify: the model run in libtorch ----

    private String lastShape = "1,3,224,224";

    private void verifyOutputs() {
        javafx.scene.control.TextInputDialog d = new javafx.scene.control.TextInputDialog(lastShape);
        d.initOwner(stage);
        Icons.apply(d);
        d.setTitle("Verify outputs");
        d.setHeaderText("Runs the TorchScript model with its own weights and with the checkpoint's (after the rules)"
                + " on the same seeded random input, and compares the outputs.");
        d.setContentText("Input shape");
        d.showAndWait().ifPresent(this::verifyOutputs);
    }

    /** Runs verify on the compute thread; the outcome goes to the detail pane. */
    void verifyOutputs(String shapeText) {
        long[] shape;
        try {
            shape = java.util.Arrays.stream(shapeText.split("[,x ]+")).filter(x -> !x.isBlank()).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            problem("'" + shapeText + "' is not a shape (e.g. 1,3,224,224)");
            return;
        }
        lastShape = shapeText;
        Checkpoint script = model.model.get().template().orElseThrow();
        Checkpoint c = model.checkpoint.get();
        RuleSet rules = model.ruleSet();
        detail.showBusy("Verify outputs", "starting libtorch and running the model twice (the first time unpacks libtorch: a few seconds) …");
        compute.submit(() -> {
            try {
                Verifier.Result r = Verifier.verify(script, Verifier.Weights.of(c, rules), Optional.empty(), shape, 0);
                List<String> failures = r.failures(1e-5);
                boolean passed = failures.isEmpty();
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"input", java.util.Arrays.toString(shape) + ", seed 0"});
                rows.add(new String[] {"outputs", String.join(", ", r.outputs())});
                rows.add(new String[] {"max |diff|", String.format(java.util.Locale.ROOT, "%.6g", r.maxAbsDiff())});
                rows.add(new String[] {"mean |diff|", String.format(java.util.Locale.ROOT, "%.6g", r.meanAbsDiff())});
                rows.add(new String[] {"relative L2", String.format(java.util.Locale.ROOT, "%.6g", r.relL2())});
                rows.add(new String[] {"replaced", r.plan().replaced().size() + " parameters and buffers"});
                if (!r.plan().missing().isEmpty()) rows.add(new String[] {"missing", String.join(", ", r.plan().missing())});
                if (!r.plan().mismatched().isEmpty()) rows.add(new String[] {"shape differs", String.join("; ", r.plan().mismatched())});
                if (!r.plan().unexpected().isEmpty()) rows.add(new String[] {"unexpected", r.plan().unexpected().size() + " keys"});
                if (!r.plan().cast().isEmpty()) rows.add(new String[] {"cast on load", r.plan().cast().size() + " keys, as torch does"});
                for (String f : failures) rows.add(new String[] {"fails", f});
                Platform.runLater(() -> detail.showVerify("Verify outputs: " + script.file().getFileName(), rows, passed));
            } catch (Exception e) {
                Platform.runLater(() -> {
                    detail.showVerify("Verify outputs", List.<String[]>of(new String[] {"error", message(e)}), false);
                    problem("Verify: " + message(e));
                });
            }
        });
    }

    // ---- diagnostics and the layer-by-layer change ----

    /** Statistics of the checkpoint's weights by key, filled in by {@link #runDiagnostics} as they are computed. */
    final Map<String, TensorStats> stats = new java.util.concurrent.ConcurrentHashMap<>();
    private Progress statsRun;
    /** The statistics run's progress bar and Cancel, in the checkpoint pane's header while it runs. */
    final ProgressBar statsBar = new ProgressBar(0);
    final HBox statsBox = new HBox(4);

    /**
     * Statistics of every weight, one tensor after another on the compute thread, shown in the
     * checkpoint tree's "values" column as they come; then the diagnostics from the same numbers.
     */
    private void runDiagnostics(Checkpoint c) {
        if (statsRun != null) statsRun.cancel();
        Progress p = new Progress(0);
        statsRun = p;
        stats.clear();
        findings.getItems().clear();
        findings.setPlaceholder(new Label("Checking the weights …"));
        bottom.getTabs().get(1).setText("Diagnostics");
        List<TensorEntry> weights = c.weights();
        long bytes = 0;
        for (TensorEntry t : weights) bytes += t.data().nbytes();
        p.addTotal(bytes);
        statsBar.setProgress(0);
        statsBox.setVisible(true);
        javafx.animation.Timeline refresh = new javafx.animation.Timeline(new javafx.animation.KeyFrame(javafx.util.Duration.millis(250),
                e -> {
                    checkpointPane.table.refresh();
                    statsBar.setProgress(p.fraction());
                }));
        refresh.setCycleCount(javafx.animation.Animation.INDEFINITE);
        refresh.play();
        compute.submit(() -> {
            try {
                for (TensorEntry t : weights) {
                    p.checkCancelled();
                    try {
                        stats.put(t.key(), TensorStats.of(t.data(), p));
                    } catch (IOException e) {
                        // reported by the diagnostics below, which reads it again
                    }
                }
                List<HealthCheck.Finding> f = new java.util.ArrayList<>(HealthCheck.pickleGlobals(c.pickleGlobals()));
                f.addAll(HealthCheck.check(weights, t -> {
                    TensorStats known = stats.get(t.key());
                    return known != null ? known : TensorStats.of(t.data(), p);
                }));
                Platform.runLater(() -> {
                    refresh.stop();
                    checkpointPane.table.refresh();
                    if (statsRun == p) statsBox.setVisible(false);
                    if (model.checkpoint.get() != c) return;
                    findings.getItems().setAll(f);
                    findings.setPlaceholder(new Label("No findings: no NaN/Inf, no zero or constant tensors, BatchNorm statistics sane."));
                    long errors = f.stream().filter(x -> x.severity() == HealthCheck.Severity.ERROR).count();
                    bottom.getTabs().get(1).setText("Diagnostics" + (f.isEmpty() ? "" : " (" + f.size() + (errors > 0 ? ", " + errors + " errors" : "") + ")"));
                });
            } catch (java.util.concurrent.CancellationException e) {
                Platform.runLater(() -> {
                    refresh.stop();
                    if (statsRun == p) {
                        statsBox.setVisible(false);
                        findings.setPlaceholder(new Label("Statistics cancelled: open the checkpoint again to check its weights."));
                    }
                });
            } catch (Exception e) {
                Platform.runLater(() -> {
                    refresh.stop();
                    if (statsRun == p) statsBox.setVisible(false);
                    findings.setPlaceholder(new Label("Could not check: " + message(e)));
                });
            }
        });
    }

    /** "μ 0.0012 σ 0.034", or the NaN/Inf counts when there are any. */
    private String valuesText(KeyRow r) {
        TensorStats s = stats.get(r.original());
        if (s == null) return "";
        if (s.nan() + s.inf() > 0) return (s.nan() > 0 ? s.nan() + " NaN " : "") + (s.inf() > 0 ? s.inf() + " Inf" : "");
        if (s.count() == 0) return "empty";
        return String.format(java.util.Locale.ROOT, "μ %.3g σ %.3g", s.mean(), s.std());
    }

    private void resetChanges() {
        changes.getChildren().clear();
        WorkbenchModel.ModelSide m = model.model.get();
        if (m == null || m.template().isEmpty() || model.checkpoint.get() == null) {
            changes.getChildren().add(new Label("Open a template checkpoint on the model side and another checkpoint on the right to see how"
                    + " much each layer changed (relative L2 per module, in model order)."));
            return;
        }
        Button run = new Button("Compare values layer by layer", new FontIcon("mdi2c-chart-bar"));
        run.setId("compare-values");
        ProgressBar bar = new ProgressBar(0);
        bar.setVisible(false);
        run.setOnAction(e -> runChanges(run, bar));
        changes.getChildren().add(new HBox(8, run, bar));
    }

    private void runChanges(Button run, ProgressBar bar) {
        Checkpoint c = model.checkpoint.get();
        Checkpoint t = model.model.get().template().orElseThrow();
        RuleSet rules = model.ruleSet();
        Progress p = new Progress(0);
        run.setDisable(true);
        bar.setVisible(true);
        javafx.animation.Timeline poll = new javafx.animation.Timeline(new javafx.animation.KeyFrame(javafx.util.Duration.millis(100),
                e -> bar.setProgress(p.fraction())));
        poll.setCycleCount(javafx.animation.Animation.INDEFINITE);
        poll.play();
        compute.submit(() -> {
            try {
                List<CheckpointDiff.Module> mods = CheckpointDiff.diff(t.weights(), c.weights(), keyRulesOnly(rules), 0, p).modules();
                Platform.runLater(() -> {
                    poll.stop();
                    DefaultCategoryDataset ds = new DefaultCategoryDataset();
                    for (CheckpointDiff.Module m : mods) ds.addValue(m.relL2(), "relative change", m.prefix().isEmpty() ? "(top)" : m.prefix());
                    JFreeChart chart = ChartFactory.createBarChart(null, "module (model order)", "||b - a|| / ||a||", ds, PlotOrientation.VERTICAL,
                            false, true, false);
                    chart.setBackgroundPaint(new java.awt.Color(0, 0, 0, 0));
                    chart.getCategoryPlot().getDomainAxis().setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_90);
                    ChartViewer viewer = new ChartViewer(chart);
                    viewer.setId("changes-chart");
                    VBox.setVgrow(viewer, Priority.ALWAYS);
                    changes.getChildren().setAll(new HBox(8, run, bar), viewer);
                    run.setDisable(false);
                    bar.setVisible(false);
                });
            } catch (Exception e) {
                Platform.runLater(() -> {
                    poll.stop();
                    run.setDisable(false);
                    bar.setVisible(false);
                    problem("Layer-by-layer change: " + message(e));
                });
            }
        });
    }

    private static RuleSet keyRulesOnly(RuleSet rules) {
        return new RuleSet(rules.rules().stream().filter(r -> !(r instanceof io.weightbench.rules.TensorRule)).toList());
    }

    private static final class FindingCell extends ListCell<HealthCheck.Finding> {
        @Override
        protected void updateItem(HealthCheck.Finding f, boolean empty) {
            super.updateItem(f, empty);
            if (empty || f == null) {
                setText(null);
                setGraphic(null);
                return;
            }
            Status look = switch (f.severity()) {
                case ERROR -> Status.MISSING;
                case WARNING -> Status.UNEXPECTED;
                case INFO -> Status.FILLED;
            };
            FontIcon icon = new FontIcon(f.severity() == HealthCheck.Severity.INFO ? "mdi2i-information" : "mdi2a-alert");
            icon.getStyleClass().addAll("status-icon", look.styleClass);
            setGraphic(icon);
            setText(f.severity().name().toLowerCase(java.util.Locale.ROOT) + "  " + f.key() + ": " + f.message());
        }
    }

    /** Opens what the command line named: --model M, --checkpoint C, or plain files (a folder: its files). */
    void openArguments(List<String> args) {
        String modelArg = null;
        String ckArg = null;
        List<File> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--model") || a.equals("-m")) && i + 1 < args.size()) modelArg = args.get(++i);
            else if ((a.equals("--checkpoint") || a.equals("-c")) && i + 1 < args.size()) ckArg = args.get(++i);
            else if (a.startsWith("--model=")) modelArg = a.substring(8);
            else if (a.startsWith("--checkpoint=")) ckArg = a.substring(13);
            else files.add(new File(a));
        }
        if (modelArg != null) openModel(modelArg);
        if (ckArg != null) openCheckpoint(Path.of(ckArg));
        // a folder is a source of its own (a SavedModel, a TF.js model); the reader says what it is
        if (!files.isEmpty() && modelArg == null && ckArg == null) openFiles(files.subList(0, Math.min(2, files.size())), null);
    }
}
