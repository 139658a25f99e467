package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.compare.Fit;
import io.weightbench.stats.Histogram;
import io.weightbench.stats.TensorDiff;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.ByteCounts;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.ObservableList;

/**
 * The selected key: what is known from the key lists at once (status, dtype, shape, storage,
 * the reader's info), then statistics, histograms (both sides on one range when the model side is a
 * template) and the differences, computed on the compute lane; a new selection makes the last one
 * stale. With no key selected: the checkpoint's format, files, weights entry and metadata.
 */
final class DetailViewModel {

    /** A name and its value; {@code problem} marks a value to show as one. */
    record Fact(String name, String value, boolean problem) {}

    /** One histogram: bins from {@code edges[i]} to {@code edges[i + 1]} holding {@code counts[i]}. */
    record Series(String name, double[] edges, long[] counts) {}

    /** One statistic for each side shown ({@link Numbers#sides}), in the same order. */
    record StatRow(String name, List<String> cells, boolean problem) {}

    /**
     * What the statistics found: a table of statistics with a column per side ("checkpoint",
     * "model template"), the rows below it (the difference), the value histograms, the difference
     * histogram (or null).
     */
    record Numbers(List<String> sides, List<StatRow> stats, List<Fact> rows, List<Series> values, boolean log, Series differences, Histogram first) {}

    private final WorkbenchModel session;
    private final BackgroundTasks tasks;
    final StringProperty heading = FxChecked.string("Select a key");
    final ObservableList<Fact> facts = FxChecked.list();
    final ObjectProperty<Numbers> numbers = FxChecked.object(null);
    final BooleanProperty busy = FxChecked.bool(false);
    final IntegerProperty bins = FxChecked.integer(Histogram.DEFAULT_BINS);
    final BooleanProperty logScale = FxChecked.bool(false);
    private String modelKey;
    private String checkpointKey;
    /** The shown checkpoint key as the file names it: what a new rule does not change. */
    private String checkpointOriginal;
    private boolean showingOther;

    DetailViewModel(WorkbenchModel session, BackgroundTasks tasks) {
        this.session = session;
        this.tasks = tasks;
        bins.addListener((o, a, b) -> refresh());
        logScale.addListener((o, a, b) -> refresh());
        // a rule accepted or a file opened: the shown key (followed by its name in the file) and its status follow
        session.checkpointRows.addListener((javafx.collections.ListChangeListener<KeyRow>) c -> {
            if (checkpointOriginal != null) {
                checkpointKey = session.checkpointRows.stream().filter(r -> r.original().equals(checkpointOriginal)).map(KeyRow::key)
                        .findFirst().orElse(null);
            }
            if (checkpointKey != null || modelKey != null || !showingOther) refresh();
        });
    }

    /** The checkpoint key shown (after the rules), or null. */
    String checkpointKey() { return checkpointKey; }

    /** The model key shown, or null. */
    String modelKey() { return modelKey; }

    /** Shows a key: the model side's (may be null) and the checkpoint side's after the rules (may be null). */
    void show(String modelKey, String checkpointKey) {
        this.modelKey = modelKey;
        this.checkpointKey = checkpointKey;
        Fit f = session.fit();
        checkpointOriginal = checkpointKey == null ? null : f == null ? checkpointKey : f.originalKey(checkpointKey);
        showingOther = false;
        refresh();
    }

    /** Shows something else than a key (verify's outcome, work in progress). */
    void showOther(String title, List<Fact> rows, boolean working) {
        tasks.cancel("detail");
        modelKey = null;
        checkpointKey = null;
        checkpointOriginal = null;
        showingOther = true;
        heading.set(title);
        numbers.set(null);
        facts.setAll(rows);
        busy.set(working);
    }

    private void refresh() {
        tasks.cancel("detail");
        numbers.set(null);
        busy.set(false);
        Fit fit = session.fit();
        Optional<TensorEntry> ckEntry = checkpointEntry(fit);
        Optional<TensorData> ck = ckEntry.map(TensorEntry::data);
        io.weightbench.rules.Lineage lineage = fit == null || checkpointKey == null ? null : fit.applied().lineageOf(checkpointKey);
        Checkpoint source = session.checkpoint.get();
        Optional<TensorData> tmpl = templateTensor();
        KeyRow row = find(session.checkpointRows, checkpointKey).orElse(find(session.modelRows, modelKey).orElse(null));
        List<Fact> out = new ArrayList<>();
        if (row == null) {
            heading.set("Select a key");
            fileFacts(out);
            facts.setAll(out);
            return;
        }
        heading.set(row.key());
        if (!row.original().equals(row.key())) out.add(fact("in the file", row.original()));
        out.add(fact("status", row.status().label + (row.note().isEmpty() ? "" : " (" + row.note() + ")")));
        out.add(fact("dtype", row.dtype()));
        out.add(fact("shape", row.shapeText()));
        out.add(fact("elements", String.format(Locale.ROOT, "%,d", row.numel())));
        out.add(fact("size", ByteCounts.human(row.bytes())));
        if (ck.isPresent()) {
            TensorData t = ck.get();
            out.add(fact("storage", t.storage().key() + " (" + t.storage().location() + "), offset " + t.storageOffset()
                    + (t.isContiguous() ? "" : ", strided " + Arrays.toString(t.strides()))));
            for (Map.Entry<String, String> i : ckEntry.get().info().entrySet()) out.add(fact(i.getKey(), i.getValue()));
        }
        facts.setAll(out);
        if (ck.isEmpty() && tmpl.isEmpty()) return;
        int binCount = bins.get();
        boolean log = logScale.get();
        busy.set(true);
        tasks.task(BackgroundTasks.Lane.COMPUTE, p -> {
            // the rules' tensor transforms (a cast, adapt_input_conv ...) read data: here, not on the FX thread
            Optional<TensorData> fixed = lineage == null || !lineage.changesData() || source == null ? ck
                    : Optional.of(lineage.data(k -> source.weights().stream().filter(t -> t.key().equals(k)).findFirst().orElseThrow().data()));
            return compute(fixed, tmpl, binCount, log, p);
        }).inSlot("detail").onSuccess(numbers::set).onError(e -> facts.add(new Fact("error", Notices.message(e), true)))
                .andFinally(() -> busy.set(false)).start();
    }

    private static Fact fact(String name, String value) {
        return new Fact(name, value, false);
    }

    private static Numbers compute(Optional<TensorData> ck, Optional<TensorData> tmpl, int bins, boolean log, Progress p) throws Exception {
        Histogram.Scale scale = log ? Histogram.Scale.LOG : Histogram.Scale.LINEAR;
        TensorStats cs = ck.isPresent() ? TensorStats.of(ck.get(), p) : null;
        TensorStats ts = tmpl.isPresent() ? TensorStats.of(tmpl.get(), p) : null;
        Histogram ch = null;
        Histogram th = null;
        if (cs != null && ts != null && !log && cs.inf() == 0 && ts.inf() == 0 && cs.count() > cs.nan() && ts.count() > ts.nan()) {
            // one range for both, so the bars line up
            double lo = Math.min(cs.min(), ts.min());
            double hi = Math.max(cs.max(), ts.max());
            ch = Histogram.linear(ck.get(), bins, lo, hi, p);
            th = Histogram.linear(tmpl.get(), bins, lo, hi, p);
        } else {
            if (cs != null) ch = Histogram.of(ck.get(), bins, scale, cs, p);
            if (ts != null) th = Histogram.of(tmpl.get(), bins, scale, ts, p);
        }
        TensorDiff diff = null;
        if (ck.isPresent() && tmpl.isPresent() && Arrays.equals(ck.get().shape(), tmpl.get().shape())) {
            diff = TensorDiff.of(tmpl.get(), ck.get(), bins, p);
        }
        List<Fact> rows = new ArrayList<>();
        List<String> sides = new ArrayList<>();
        List<TensorStats> shown = new ArrayList<>();
        if (cs != null) {
            sides.add("checkpoint");
            shown.add(cs);
        }
        if (ts != null) {
            sides.add("model template");
            shown.add(ts);
        }
        if (diff != null) {
            rows.add(fact("diff (checkpoint - template)", String.format(Locale.ROOT, "max |d| %.4g, mean |d| %.4g, rel L2 %.4g, cosine %.6f",
                    diff.maxAbs(), diff.meanAbs(), diff.relL2(), diff.cosine())));
        }
        List<Series> values = new ArrayList<>();
        if (ch != null) values.add(series("checkpoint", ch));
        if (th != null) values.add(series("model template", th));
        Histogram first = ch != null ? ch : th;
        Series differences = diff != null && diff.histogram() != null ? series("checkpoint - template", diff.histogram()) : null;
        return new Numbers(sides, stats(shown), rows, values, first != null && first.scale() == Histogram.Scale.LOG, differences, first);
    }

    /** The statistics of each side, side by side. */
    private static List<StatRow> stats(List<TensorStats> sides) {
        List<StatRow> out = new ArrayList<>();
        out.add(stat("min", sides, s -> String.format(Locale.ROOT, "%.6g", s.min())));
        out.add(stat("max", sides, s -> String.format(Locale.ROOT, "%.6g", s.max())));
        out.add(stat("mean", sides, s -> String.format(Locale.ROOT, "%.6g", s.mean())));
        out.add(stat("std", sides, s -> String.format(Locale.ROOT, "%.6g", s.std())));
        out.add(stat("L2 norm", sides, s -> String.format(Locale.ROOT, "%.6g", s.l2())));
        out.add(stat("zeros", sides, s -> String.format(Locale.ROOT, "%,d", s.zeros())));
        out.add(stat("beyond float16", sides, s -> String.format(Locale.ROOT, "%,d", s.outsideFloat16())));
        boolean bad = sides.stream().anyMatch(s -> s.nan() + s.inf() > 0);
        out.add(new StatRow("NaN / +Inf / -Inf", sides.stream().map(s -> s.nan() + " / " + s.posInf() + " / " + s.negInf()).toList(), bad));
        return out;
    }

    private static StatRow stat(String name, List<TensorStats> sides, java.util.function.Function<TensorStats, String> f) {
        return new StatRow(name, sides.stream().map(f).toList(), false);
    }

    private static Series series(String name, Histogram h) {
        double[] edges = new double[h.bins() + 1];
        for (int i = 0; i <= h.bins(); i++) edges[i] = h.edge(i);
        return new Series(name, edges, h.counts().clone());
    }

    private static Optional<KeyRow> find(List<KeyRow> rows, String key) {
        if (key == null) return Optional.empty();
        return rows.stream().filter(r -> r.key().equals(key)).findFirst();
    }

    /** The checkpoint's tensor (as stored in the file) that ends up under the shown key. */
    private Optional<TensorEntry> checkpointEntry(Fit fit) {
        Checkpoint c = session.checkpoint.get();
        if (c == null || checkpointKey == null) return Optional.empty();
        String original = fit == null ? checkpointKey : fit.originalKey(checkpointKey);
        return c.weights().stream().filter(t -> t.key().equals(original)).findFirst();
    }

    /**
     * With no key selected: what the checkpoint is: its format, the files it was read from, its
     * weights entry, the metadata its format records (a GGUF file's key/values, a Keras file's
     * backend, an ONNX model's producer) and the reader's warnings.
     */
    private void fileFacts(List<Fact> out) {
        Checkpoint c = session.checkpoint.get();
        if (c == null) return;
        heading.set(c.file().getFileName() + " (" + c.format() + ")");
        out.add(fact("format", c.format()));
        out.add(fact("file", c.file().toString()));
        List<Path> inputs = c.inputs();
        if (inputs.size() > 1) {
            // the files read beside it (shards, external data, a symbol file), by name
            List<String> names = inputs.subList(1, inputs.size()).stream().map(p -> p.getFileName().toString()).toList();
            out.add(fact("also read", names.size() <= 6 ? String.join("\n", names)
                    : String.join("\n", names.subList(0, 5)) + "\n... and " + (names.size() - 5) + " more"));
        }
        out.add(fact("weights entry", c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry()));
        out.add(fact("tensors", String.format(Locale.ROOT, "%,d (%,d in the weights entry)", c.tensors().size(), c.weights().size())));
        if (java.nio.file.Files.isRegularFile(c.file())) out.add(fact("sha256", hashText(c.file())));
        for (Map.Entry<String, String> m : c.metadata().entrySet()) out.add(fact(m.getKey(), m.getValue()));
        for (String w : c.warnings()) out.add(new Fact("warning", w, true));
    }

    /** The file whose sha256 {@link #hash} holds or is being computed, and the hash ("" while computing, null when stopped). */
    private Path hashed;
    private String hash;
    /** The hash's task while it runs. */
    private BackgroundTasks.Task<String> hashing;

    /** The file's sha256 as the detail pane says it; starts computing it (on its own lane) the first time the file is shown. */
    private String hashText(Path file) {
        if (!file.equals(hashed)) {
            hashed = file;
            hash = "";
            BackgroundTasks.Task<String> t = tasks.task(BackgroundTasks.Lane.HASH, p -> io.weightbench.checkpoint.FileHash.sha256(file, p));
            hashing = t;
            t.inSlot("hash").onSuccess(h -> hash = h).onCancelled(() -> hash = null).onError(e -> hash = "not computed: " + Notices.message(e))
                    .andFinally(() -> {
                        if (hashing == t) hashing = null;
                        if (checkpointKey == null && modelKey == null && !showingOther) refresh();
                    }).start();
        }
        return hash == null ? "stopped" : hash.isEmpty() ? "computing in the background …" : hash;
    }

    /** Whether the file hash is being computed. */
    boolean hashing() { return hashing != null; }

    /** Whether the file hash was stopped before it was done. */
    boolean hashStopped() { return hashed != null && hash == null; }

    /** Stops computing the file hash (the detail pane's Stop). */
    void cancelHash() {
        if (hashing != null) hashing.cancel();
    }

    /** Computes the file hash again after a stop. */
    void computeHash() {
        hashed = null;
        if (checkpointKey == null && modelKey == null && !showingOther) refresh();
    }

    private Optional<TensorData> templateTensor() {
        WorkbenchModel.ModelSide m = session.model.get();
        if (m == null || m.template().isEmpty() || modelKey == null) return Optional.empty();
        return m.template().get().weights().stream().filter(t -> t.key().equals(modelKey)).findFirst().map(TensorEntry::data);
    }
}
