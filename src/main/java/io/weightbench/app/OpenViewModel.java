package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.format.Formats;
import io.weightbench.model.Catalog;
import io.weightbench.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.prefs.Preferences;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.ObservableList;

/**
 * Opening files: the model side (a template checkpoint, a TorchScript file, a shape-spec JSON or a
 * catalog architecture), the checkpoint and its weights entry, files dropped on the window (each
 * opened once, then sent to the side its content calls for), and the recent files. Files are
 * opened on the files lane; the workbench's state changes on the FX thread only.
 */
final class OpenViewModel {

    /** Which side a drop was aimed at; {@code WINDOW}: let the files' content decide. */
    enum Target { MODEL, CHECKPOINT, WINDOW }

    /** How long a checkpoint took to index, for {@code -Dweightbench.timings=true}. */
    record Opened(Path path, long startNanos, long indexedNanos, int tensors) {}

    /** Reads a checkpoint file. */
    @FunctionalInterface
    interface Opener {
        Checkpoint open(Path path) throws IOException;
    }

    static final String TOP_LEVEL = "(top level)";

    private final WorkbenchModel session;
    private final BackgroundTasks tasks;
    private final Notices notices;
    private final Preferences prefs;
    final StringProperty modelFile = FxChecked.string("");
    final StringProperty checkpointFile = FxChecked.string("");
    /** The weights entries to choose from (the current one first), and whether there is a choice. */
    final ObservableList<String> entries = FxChecked.list();
    final StringProperty entry = FxChecked.string("");
    final BooleanProperty entryChoice = FxChecked.bool(false);
    /** "model\tsource" or "checkpoint\tsource", newest first. */
    final ObservableList<String> recent = FxChecked.list();
    /** Called once a checkpoint is shown. */
    Consumer<Opened> onOpened = o -> {};
    /** How a file is read (on the files lane): the formats' registry; tests put a failing reader here. */
    Opener opener = path -> Formats.standard().open(path);
    /** The checkpoint as opened (owner of its files); the session's may be a view with another weights entry. */
    private Checkpoint opened;

    OpenViewModel(WorkbenchModel session, BackgroundTasks tasks, Notices notices, Preferences prefs) {
        this.session = session;
        this.tasks = tasks;
        this.notices = notices;
        this.prefs = prefs;
        entry.addListener((o, a, b) -> chooseEntry(b));
        refreshRecent();
    }

    void openModel(String source) {
        modelFile.set("opening " + source + " …");
        tasks.task(BackgroundTasks.Lane.FILES, p -> {
            Path path = source.startsWith(ModelSpec.CATALOG_PREFIX) || source.toLowerCase(Locale.ROOT).endsWith(".json") ? null : Path.of(source);
            return path == null ? new WorkbenchModel.ModelSide(ModelSpec.load(source), Optional.empty()) : modelSide(opener.open(path));
        }).inSlot("model").onSuccess(side -> showModel(source, side)).onError(e -> {
            modelFile.set(session.model.get() == null ? "" : label(currentModelSource, session.model.get().spec().tensors().size()));
            notices.problem(Notices.about(source, e));
        }).start();
    }

    void openCheckpoint(Path path) {
        long start = System.nanoTime();
        checkpointFile.set("opening " + path + " …");
        tasks.task(BackgroundTasks.Lane.FILES, p -> opener.open(path)).inSlot("checkpoint")
                .onSuccess(c -> showCheckpoint(c, start)).onError(e -> {
                    checkpointFile.set(opened == null ? "" : label(opened.file().toString(), opened.weights().size()));
                    notices.problem(Notices.about(path.toString(), e));
                }).start();
    }

    /**
     * Files dropped: on a side, the first goes there (and a second to the other side); on the
     * window, a TorchScript file, or the first of two files, or a file while only a checkpoint is
     * open, goes to the model side. The first file is opened once, and its content decides.
     */
    void openDropped(List<Path> paths, Target target) {
        if (paths.isEmpty()) return;
        Path first = paths.get(0);
        Optional<Path> second = paths.size() > 1 ? Optional.of(paths.get(1)) : Optional.empty();
        // what the decision needs, read here on the FX thread
        boolean modelEmpty = session.model.get() == null;
        boolean checkpointOpen = session.checkpoint.get() != null;
        long start = System.nanoTime();
        tasks.task(BackgroundTasks.Lane.FILES, p -> opener.open(first)).onSuccess(c -> {
            boolean toModel = switch (target) {
                case MODEL -> true;
                case CHECKPOINT -> false;
                case WINDOW -> c.format().startsWith("torchscript") || modelEmpty && (second.isPresent() || checkpointOpen);
            };
            if (toModel) {
                showModel(first.toString(), modelSide(c));
                second.ifPresent(this::openCheckpoint);
            } else {
                showCheckpoint(c, start);
                second.ifPresent(s -> openModel(s.toString()));
            }
        }).onError(e -> notices.problem(Notices.about(first.toString(), e))).start();
    }

    private static WorkbenchModel.ModelSide modelSide(Checkpoint template) {
        return new WorkbenchModel.ModelSide(ModelSpec.fromCheckpoint(template), Optional.of(template));
    }

    private String currentModelSource = "";

    private void showModel(String source, WorkbenchModel.ModelSide side) {
        WorkbenchModel.ModelSide old = session.model.get();
        session.model.set(side);
        currentModelSource = source;
        modelFile.set(label(source, side.spec().tensors().size()));
        remember("model", source);
        if (old != null) old.template().ifPresent(this::closeLater);
    }

    private void showCheckpoint(Checkpoint c, long start) {
        long indexed = System.nanoTime();
        Checkpoint old = opened;
        opened = c;
        session.checkpoint.set(c);
        List<String> names = entries(c);
        entries.setAll(names);
        entry.set(c.weightsEntry().isEmpty() ? TOP_LEVEL : c.weightsEntry());
        entryChoice.set(names.size() > 1);
        checkpointFile.set(label(c.file().toString(), c.weights().size()) + " · " + c.format());
        remember("checkpoint", c.file().toString());
        for (String w : c.warnings()) notices.problem(c.file().getFileName() + ": " + w);
        onOpened.accept(new Opened(c.file(), start, indexed, c.tensors().size()));
        if (old != null) closeLater(old);
    }

    /** The checkpoint's tensors under another entry of the same file ("(top level)", "state_dict", "ema" ...). */
    void chooseEntry(String value) {
        if (opened == null || value == null) return;
        String key = value.equals(TOP_LEVEL) ? "" : value;
        Checkpoint current = session.checkpoint.get();
        if (current != null && current.weightsEntry().equals(key)) return;
        try {
            Checkpoint view = opened.withWeightsEntry(key);
            session.checkpoint.set(view);
            checkpointFile.set(label(opened.file().toString(), view.weights().size()) + " · " + opened.format());
        } catch (IOException e) {
            notices.problem(Notices.message(e));
        }
    }

    /** One architecture as the catalog picker lists it: what it is, how big, which of timm's options it takes. */
    record CatalogEntry(String name, String family, int tensors, long values, boolean numClasses, boolean inChans, boolean featuresOnly,
                        String defaultClasses) {}

    /** The catalog's architectures (read on the files lane), handed to {@code then}. */
    void catalogEntries(Consumer<List<CatalogEntry>> then) {
        tasks.task(BackgroundTasks.Lane.FILES, p -> Catalog.models().stream().map(m -> new CatalogEntry(m.name(), m.family(), m.tensors(), m.values(),
                        m.allowsNumClasses(), m.allowsInChans(), m.allowsFeaturesOnly(), m.numClasses().map(String::valueOf).orElse(""))).toList())
                .onSuccess(then).onError(e -> notices.problem("catalog: " + Notices.message(e))).start();
    }

    /** Opens what {@link #recent} holds at that line. */
    void openRecent(String line) {
        int tab = line.indexOf('\t');
        if (tab < 0) return;
        String source = line.substring(tab + 1);
        if (line.startsWith("model")) openModel(source);
        else openCheckpoint(Path.of(source));
    }

    /** Opens what the command line named: --model M, --checkpoint C, or plain files (a folder: its files). */
    void openArguments(List<String> args) {
        String modelArg = null;
        String ckArg = null;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--model") || a.equals("-m")) && i + 1 < args.size()) modelArg = args.get(++i);
            else if ((a.equals("--checkpoint") || a.equals("-c")) && i + 1 < args.size()) ckArg = args.get(++i);
            else if (a.startsWith("--model=")) modelArg = a.substring(8);
            else if (a.startsWith("--checkpoint=")) ckArg = a.substring(13);
            else files.add(Path.of(a));
        }
        if (modelArg != null) openModel(modelArg);
        if (ckArg != null) openCheckpoint(Path.of(ckArg));
        // a folder is a source of its own (a SavedModel, a TF.js model); the reader says what it is
        if (!files.isEmpty() && modelArg == null && ckArg == null) openDropped(files.subList(0, Math.min(2, files.size())), Target.WINDOW);
    }

    /** Closing waits for the work already queued on the compute lane (statistics of the old file), then happens on the files lane. */
    private void closeLater(Checkpoint c) {
        tasks.task(BackgroundTasks.Lane.COMPUTE, p -> null).onSuccess(v -> tasks.task(BackgroundTasks.Lane.FILES, p -> {
            c.close();
            return null;
        }).start()).start();
    }

    static List<String> entries(Checkpoint c) {
        Set<String> out = new LinkedHashSet<>();
        out.add(c.weightsEntry().isEmpty() ? TOP_LEVEL : c.weightsEntry());
        out.add(TOP_LEVEL);
        for (TensorEntry t : c.tensors()) {
            List<String> p = t.path();
            for (int n = 1; n < p.size() && n <= 2; n++) out.add(String.join(".", p.subList(0, n)));
        }
        return new ArrayList<>(out);
    }

    static String label(String source, int tensors) {
        String name = source.startsWith(ModelSpec.CATALOG_PREFIX) ? source : Path.of(source).getFileName().toString();
        return name + " · " + tensors + " tensors";
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
        recent.setAll(List.of(prefs.get("recent", "").split("\n")).stream().filter(s -> s.indexOf('\t') > 0).toList());
    }
}
