package io.weightbench.app;

import io.weightbench.checkpoint.Checkpoint;
import io.weightbench.checkpoint.TensorEntry;
import io.weightbench.compare.Fit;
import io.weightbench.stats.Histogram;
import io.weightbench.stats.TensorDiff;
import io.weightbench.stats.TensorReport;
import io.weightbench.stats.TensorStats;
import io.weightbench.tensor.Progress;
import io.weightbench.tensor.TensorData;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;

/**
 * The selected key: dtype, shape, storage, statistics and a value histogram (both sides' overlaid
 * when the model side is a template checkpoint, with the histogram of their differences and the
 * diff numbers). Statistics are computed on the compute thread; a new selection cancels the last.
 */
final class DetailPane extends ScrollPane {

    private final WorkbenchModel model;
    private final ExecutorService compute;
    final Label heading = new Label("Select a key");
    private final GridPane facts = new GridPane();
    private final GridPane numbers = new GridPane();
    final Spinner<Integer> bins = new Spinner<>(5, 500, Histogram.DEFAULT_BINS, 5);
    final CheckBox logScale = new CheckBox("log10 |value|");
    private final ProgressIndicator busy = new ProgressIndicator();
    final ChartViewer values = new ChartViewer();
    final ChartViewer differences = new ChartViewer();
    private Progress running;
    private String modelKey;
    private String checkpointKey;
    /** The last histograms drawn (for tests and for the screenshot's sake). */
    volatile Histogram lastHistogram;

    DetailPane(WorkbenchModel model, ExecutorService compute) {
        this.model = model;
        this.compute = compute;
        setId("detail-pane");
        heading.getStyleClass().add("pane-title");
        heading.setWrapText(true);
        facts.setHgap(10);
        facts.setVgap(3);
        numbers.setHgap(10);
        numbers.setVgap(3);
        bins.setEditable(true);
        bins.setPrefWidth(90);
        bins.setId("bins");
        logScale.setId("log-scale");
        busy.setVisible(false);
        busy.setPrefSize(18, 18);
        HBox controls = new HBox(8, new Label("bins"), bins, logScale, busy);
        controls.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        values.setPrefHeight(220);
        values.setMinHeight(180);
        values.setVisible(false);
        differences.setPrefHeight(180);
        differences.setMinHeight(150);
        differences.setVisible(false);
        differences.setManaged(false);
        VBox box = new VBox(8, heading, facts, controls, values, numbers, differences);
        box.setPadding(new Insets(8));
        setContent(box);
        setFitToWidth(true);
        bins.valueProperty().addListener((o, a, b) -> refresh());
        logScale.selectedProperty().addListener((o, a, b) -> refresh());
    }

    /** Shows the outcome of a forward-consistency check (verify) instead of a key. */
    void showVerify(String title, List<String[]> rows, boolean passed) {
        clear();
        modelKey = null;
        checkpointKey = null;
        busy.setVisible(false);
        heading.setText(title);
        Label verdict = new Label(passed ? "PASS: the outputs agree" : "FAIL");
        verdict.setId("verify-verdict");
        verdict.getStyleClass().add(passed ? "status-matched" : "status-missing");
        facts.addRow(0, new Label("verdict"), verdict);
        int r = 1;
        for (String[] row : rows) fact(r++, row[0], row[1]);
    }

    /** Cancels what is being computed and empties the pane. */
    private void clear() {
        if (running != null) running.cancel();
        facts.getChildren().clear();
        numbers.getChildren().clear();
        values.setVisible(false);
        differences.setVisible(false);
        differences.setManaged(false);
    }

    /** Shows work in progress (verify starting libtorch, running the model). */
    void showBusy(String title, String what) {
        clear();
        heading.setText(title);
        busy.setVisible(true);
        fact(0, "", what);
    }

    /** Shows a key: the model side's (may be null) and the checkpoint side's after the rules (may be null). */
    void show(String modelKey, String checkpointKey) {
        this.modelKey = modelKey;
        this.checkpointKey = checkpointKey;
        refresh();
    }

    private void refresh() {
        clear();
        lastHistogram = null;
        Fit fit = model.fit();
        Optional<TensorEntry> ckEntry = checkpointEntry(fit);
        Optional<TensorData> ck = ckEntry.map(TensorEntry::data);
        io.weightbench.rules.Lineage lineage = fit == null || checkpointKey == null ? null : fit.applied().lineageOf(checkpointKey);
        Checkpoint source = model.checkpoint.get();
        Optional<TensorData> tmpl = templateTensor();
        KeyRow row = find(model.checkpointRows, checkpointKey).orElse(find(model.modelRows, modelKey).orElse(null));
        if (row == null) {
            heading.setText("Select a key");
            showFile();
            return;
        }
        heading.setText(row.key());
        int r = 0;
        if (!row.original().equals(row.key())) fact(r++, "in the file", row.original());
        fact(r++, "status", row.status().label + (row.note().isEmpty() ? "" : " (" + row.note() + ")"));
        fact(r++, "dtype", row.dtype());
        fact(r++, "shape", row.shapeText());
        fact(r++, "elements", String.format(Locale.ROOT, "%,d", row.numel()));
        fact(r++, "size", io.weightbench.tensor.ByteCounts.human(row.bytes()));
        if (ck.isPresent()) {
            TensorData t = ck.get();
            fact(r++, "storage", t.storage().key() + " (" + t.storage().location() + "), offset " + t.storageOffset()
                    + (t.isContiguous() ? "" : ", strided " + java.util.Arrays.toString(t.strides())));
            for (java.util.Map.Entry<String, String> i : ckEntry.get().info().entrySet()) fact(r++, i.getKey(), i.getValue());
        }
        if (ck.isEmpty() && tmpl.isEmpty()) return;
        int binCount = bins.getValue();
        boolean log = logScale.isSelected();
        Progress p = new Progress(0);
        running = p;
        busy.setVisible(true);
        compute.submit(() -> {
            try {
                // the rules' tensor transforms (a cast, adapt_input_conv ...) read data: here, not on the FX thread
                Optional<TensorData> fixed = lineage == null || !lineage.changesData() || source == null ? ck
                        : Optional.of(lineage.data(k -> source.weights().stream().filter(t -> t.key().equals(k)).findFirst().orElseThrow().data()));
                Result res = compute(fixed, tmpl, binCount, log, p);
                Platform.runLater(() -> {
                    if (running == p) draw(res);
                });
            } catch (CancellationException e) {
                // a newer selection replaced this one
            } catch (Exception e) {
                Platform.runLater(() -> {
                    if (running != p) return;
                    busy.setVisible(false);
                    fact(facts.getRowCount(), "error", e.getMessage());
                });
            }
        });
    }

    private record Result(TensorStats ckStats, Histogram ckHist, TensorStats tmplStats, Histogram tmplHist, TensorDiff diff) {}

    private static Result compute(Optional<TensorData> ck, Optional<TensorData> tmpl, int bins, boolean log, Progress p) throws Exception {
        Histogram.Scale scale = log ? Histogram.Scale.LOG : Histogram.Scale.LINEAR;
        TensorStats cs = null;
        Histogram ch = null;
        TensorStats ts = null;
        Histogram th = null;
        if (ck.isPresent()) {
            cs = TensorStats.of(ck.get(), p);
        }
        if (tmpl.isPresent()) {
            ts = TensorStats.of(tmpl.get(), p);
        }
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
        if (ck.isPresent() && tmpl.isPresent() && ck.get().numel() == tmpl.get().numel()
                && java.util.Arrays.equals(ck.get().shape(), tmpl.get().shape())) {
            diff = TensorDiff.of(tmpl.get(), ck.get(), bins, p);
        }
        return new Result(cs, ch, ts, th, diff);
    }

    private void draw(Result r) {
        busy.setVisible(false);
        int row = 0;
        if (r.ckStats() != null) row = stats(row, r.tmplStats() != null ? "checkpoint" : "", r.ckStats());
        if (r.tmplStats() != null) row = stats(row, "model template", r.tmplStats());
        if (r.diff() != null) {
            TensorDiff d = r.diff();
            number(row++, "diff (checkpoint - template)", String.format(Locale.ROOT, "max |d| %.4g, mean |d| %.4g, rel L2 %.4g, cosine %.6f",
                    d.maxAbs(), d.meanAbs(), d.relL2(), d.cosine()));
        }
        List<XYIntervalSeries> series = new ArrayList<>();
        if (r.ckHist() != null) series.add(series("checkpoint", r.ckHist()));
        if (r.tmplHist() != null) series.add(series("model template", r.tmplHist()));
        lastHistogram = r.ckHist() != null ? r.ckHist() : r.tmplHist();
        boolean log = lastHistogram != null && lastHistogram.scale() == Histogram.Scale.LOG;
        values.setChart(chart(series, log ? "log10 |value|" : "value",
                new Color[] {new Color(0x2f, 0x6f, 0xde, 170), new Color(0xe0, 0x8a, 0x1e, 140)}));
        values.setVisible(true);
        if (r.diff() != null && r.diff().histogram() != null) {
            differences.setChart(chart(List.of(series("checkpoint - template", r.diff().histogram())), "difference",
                    new Color[] {new Color(0x8e, 0x44, 0xad, 190)}));
            differences.setVisible(true);
            differences.setManaged(true);
        }
    }

    private int stats(int row, String side, TensorStats s) {
        String p = side.isEmpty() ? "" : side + " ";
        number(row++, p + "min / max", String.format(Locale.ROOT, "%.6g / %.6g", s.min(), s.max()));
        number(row++, p + "mean / std", String.format(Locale.ROOT, "%.6g / %.6g", s.mean(), s.std()));
        number(row++, p + "L2 norm", String.format(Locale.ROOT, "%.6g", s.l2()));
        String counts = String.format(Locale.ROOT, "NaN %d, +Inf %d, -Inf %d, zeros %d, beyond float16 %d", s.nan(), s.posInf(), s.negInf(), s.zeros(),
                s.outsideFloat16());
        Label l = number(row++, p + "counts", counts);
        if (s.nan() + s.inf() > 0) l.getStyleClass().add("status-missing");
        return row;
    }

    private static XYIntervalSeries series(String name, Histogram h) {
        XYIntervalSeries s = new XYIntervalSeries(name);
        for (int i = 0; i < h.bins(); i++) {
            double a = h.edge(i);
            double b = h.edge(i + 1);
            s.add((a + b) / 2, a, b, h.counts()[i], h.counts()[i], h.counts()[i]);
        }
        return s;
    }

    private static JFreeChart chart(List<XYIntervalSeries> series, String xLabel, Color[] colors) {
        XYIntervalSeriesCollection ds = new XYIntervalSeriesCollection();
        series.forEach(ds::addSeries);
        JFreeChart chart = ChartFactory.createXYBarChart(null, xLabel, false, "count", ds, PlotOrientation.VERTICAL, series.size() > 1, true, false);
        chart.setBackgroundPaint(new Color(0, 0, 0, 0));
        XYPlot plot = chart.getXYPlot();
        boolean dark = Theme.isDark();
        Color ink = dark ? new Color(0xc9, 0xd1, 0xd9) : new Color(0x1f, 0x23, 0x28);
        plot.setBackgroundPaint(dark ? new Color(0x16, 0x1b, 0x22) : Color.WHITE);
        plot.setDomainGridlinePaint(dark ? new Color(0x30, 0x36, 0x3d) : new Color(220, 220, 220));
        plot.setRangeGridlinePaint(dark ? new Color(0x30, 0x36, 0x3d) : new Color(220, 220, 220));
        for (org.jfree.chart.axis.Axis a : new org.jfree.chart.axis.Axis[] {plot.getDomainAxis(), plot.getRangeAxis()}) {
            a.setLabelPaint(ink);
            a.setTickLabelPaint(ink);
            a.setAxisLinePaint(ink);
            a.setTickMarkPaint(ink);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setBackgroundPaint(new Color(0, 0, 0, 0));
            chart.getLegend().setItemPaint(ink);
        }
        XYBarRenderer r = (XYBarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardXYBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(false);
        for (int i = 0; i < series.size(); i++) r.setSeriesPaint(i, colors[i % colors.length]);
        return chart;
    }

    private void fact(int row, String name, String value) {
        addRow(facts, row, name, value);
    }

    private Label number(int row, String name, String value) {
        return addRow(numbers, row, name, value);
    }

    /** A name and its value as one row of a grid; returns the value's label. */
    private static Label addRow(GridPane grid, int row, String name, String value) {
        Label n = new Label(name);
        n.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        n.getStyleClass().add("fact-name");
        Label v = new Label(value);
        v.setWrapText(true);
        grid.addRow(row, n, v);
        return v;
    }

    private static Optional<KeyRow> find(List<KeyRow> rows, String key) {
        if (key == null) return Optional.empty();
        return rows.stream().filter(r -> r.key().equals(key)).findFirst();
    }

    /** The checkpoint's tensor (as stored in the file) that ends up under the shown key. */
    private Optional<TensorEntry> checkpointEntry(Fit fit) {
        Checkpoint c = model.checkpoint.get();
        if (c == null || checkpointKey == null) return Optional.empty();
        String original = fit == null ? checkpointKey : fit.originalKey(checkpointKey);
        return c.weights().stream().filter(t -> t.key().equals(original)).findFirst();
    }

    /**
     * With no key selected: what the checkpoint is: its format, the files it was read from, its
     * weights entry, the metadata its format records (a GGUF file's key/values, a Keras file's
     * backend, an ONNX model's producer) and the reader's warnings.
     */
    private void showFile() {
        Checkpoint c = model.checkpoint.get();
        if (c == null) return;
        heading.setText(c.file().getFileName() + " (" + c.format() + ")");
        int r = 0;
        fact(r++, "format", c.format());
        fact(r++, "file", c.file().toString());
        List<java.nio.file.Path> inputs = c.inputs();
        if (inputs.size() > 1) {
            // the files read beside it (shards, external data, a symbol file), by name
            List<String> names = inputs.subList(1, inputs.size()).stream().map(p -> p.getFileName().toString()).toList();
            fact(r++, "also read", names.size() <= 6 ? String.join("\n", names) : String.join("\n", names.subList(0, 5)) + "\n... and " + (names.size() - 5) + " more");
        }
        fact(r++, "weights entry", c.weightsEntry().isEmpty() ? "(top level)" : c.weightsEntry());
        fact(r++, "tensors", String.format(Locale.ROOT, "%,d (%,d in the weights entry)", c.tensors().size(), c.weights().size()));
        for (java.util.Map.Entry<String, String> m : c.metadata().entrySet()) fact(r++, m.getKey(), m.getValue());
        for (String w : c.warnings()) fact(r++, "warning", w);
    }

    private Optional<TensorData> templateTensor() {
        WorkbenchModel.ModelSide m = model.model.get();
        if (m == null || m.template().isEmpty() || modelKey == null) return Optional.empty();
        return m.template().get().weights().stream().filter(t -> t.key().equals(modelKey)).findFirst().map(TensorEntry::data);
    }
}
