package io.weightbench.app;

import java.awt.Color;
import java.util.List;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.layout.GridPane;
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
 * The selected key as {@link DetailViewModel} describes it: facts, statistics, the value histogram
 * (both sides overlaid when the model side is a template) and the histogram of their differences;
 * or verify's outcome.
 */
final class DetailPane extends ScrollPane {

    private final DetailViewModel vm;
    final Label heading = new Label();
    private final GridPane facts = new GridPane();
    private final GridPane numbers = new GridPane();
    final Spinner<Integer> bins = new Spinner<>(5, 500, 100, 5);
    final CheckBox logScale = new CheckBox("log10 |value|");
    private final ProgressIndicator busy = new ProgressIndicator();
    final ChartViewer values = new ChartViewer();
    final ChartViewer differences = new ChartViewer();

    DetailPane(DetailViewModel vm) {
        this.vm = vm;
        setId("detail-pane");
        heading.getStyleClass().add("pane-title");
        heading.setWrapText(true);
        heading.textProperty().bind(vm.heading);
        facts.setHgap(10);
        facts.setVgap(3);
        numbers.setHgap(10);
        numbers.setVgap(3);
        bins.setEditable(true);
        bins.setPrefWidth(90);
        bins.setId("bins");
        bins.getValueFactory().setValue(vm.bins.get());
        bins.valueProperty().addListener((o, a, b) -> vm.bins.set(b));
        logScale.setId("log-scale");
        logScale.selectedProperty().bindBidirectional(vm.logScale);
        busy.visibleProperty().bind(vm.busy);
        busy.setPrefSize(18, 18);
        javafx.scene.control.Button reset = new javafx.scene.control.Button("Reset zoom");
        reset.setId("reset-zoom");
        reset.setTooltip(new javafx.scene.control.Tooltip("Ctrl + mouse wheel zooms a chart; the wheel alone scrolls this pane"));
        reset.getStyleClass().add("flat");
        reset.setOnAction(e -> {
            resetZoom(values);
            resetZoom(differences);
        });
        ChartTheme.wheelScrolls(values);
        ChartTheme.wheelScrolls(differences);
        javafx.scene.layout.FlowPane controls = new javafx.scene.layout.FlowPane(8, 4, new Label("bins"), bins, logScale, reset, busy);
        controls.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        for (javafx.scene.Node c : controls.getChildren()) if (c instanceof javafx.scene.layout.Region r) r.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
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
        vm.facts.addListener((ListChangeListener<DetailViewModel.Fact>) c -> showFacts());
        vm.numbers.addListener((o, a, n) -> showNumbers(n));
        showFacts();
    }

    private static void resetZoom(ChartViewer viewer) {
        if (viewer.getChart() != null && viewer.getChart().getPlot() instanceof XYPlot p) {
            p.getDomainAxis().setAutoRange(true);
            p.getRangeAxis().setAutoRange(true);
        }
    }

    /** Draws the charts again (in the theme's colours). */
    void redraw() {
        showNumbers(vm.numbers.get());
    }

    private void showFacts() {
        facts.getChildren().clear();
        int r = 0;
        for (DetailViewModel.Fact f : vm.facts) {
            Label v = addRow(facts, r++, f.name(), f.value());
            if (f.name().equals("sha256")) {
                v.setId("file-hash");
                boolean stop = vm.hashing();
                if (stop || vm.hashStopped()) {
                    javafx.scene.control.Hyperlink h = new javafx.scene.control.Hyperlink(stop ? "Stop" : "Compute");
                    h.setId("file-hash-action");
                    h.setOnAction(e -> {
                        if (stop) vm.cancelHash();
                        else vm.computeHash();
                    });
                    facts.add(h, 2, r - 1);
                }
            } else if (f.name().equals("verdict")) {
                v.setId("verify-verdict");
                v.getStyleClass().add(f.problem() ? "status-missing" : "status-matched");
            } else if (f.problem()) {
                v.getStyleClass().add("status-missing");
            }
        }
    }

    private void showNumbers(DetailViewModel.Numbers n) {
        numbers.getChildren().clear();
        if (n == null) {
            values.setVisible(false);
            differences.setVisible(false);
            differences.setManaged(false);
            return;
        }
        int r = 0;
        if (n.sides().size() > 1) {
            numbers.add(new Label(""), 0, r);
            for (int i = 0; i < n.sides().size(); i++) {
                Label h = new Label(n.sides().get(i));
                h.getStyleClass().add("fact-name");
                numbers.add(h, i + 1, r);
            }
            r++;
        }
        for (DetailViewModel.StatRow s : n.stats()) {
            Label name = new Label(s.name());
            name.getStyleClass().add("fact-name");
            numbers.add(name, 0, r);
            for (int i = 0; i < s.cells().size(); i++) {
                Label v = new Label(s.cells().get(i));
                if (s.problem()) v.getStyleClass().add("status-missing");
                numbers.add(v, i + 1, r);
            }
            r++;
        }
        for (DetailViewModel.Fact f : n.rows()) {
            Label v = addRow(numbers, r++, f.name(), f.value());
            if (f.problem()) v.getStyleClass().add("status-missing");
        }
        values.setChart(chart(n.values(), n.log() ? "log10 |value|" : "value",
                new Color[] {new Color(0x00, 0x72, 0xb2, 170), new Color(0xe6, 0x9f, 0x00, 140)}));
        values.setVisible(true);
        if (n.differences() != null) {
            differences.setChart(chart(List.of(n.differences()), "difference", new Color[] {new Color(0xcc, 0x79, 0xa7, 190)}));
            differences.setVisible(true);
            differences.setManaged(true);
        } else {
            differences.setVisible(false);
            differences.setManaged(false);
        }
    }

    private static XYIntervalSeries series(DetailViewModel.Series h, double scale) {
        XYIntervalSeries s = new XYIntervalSeries(h.name());
        for (int i = 0; i < h.counts().length; i++) {
            double a = h.edges()[i];
            double b = h.edges()[i + 1];
            double y = h.counts()[i] * scale;
            s.add((a + b) / 2, a, b, y, y, y);
        }
        return s;
    }

    private static long total(DetailViewModel.Series h) {
        long n = 0;
        for (long c : h.counts()) n += c;
        return n;
    }

    private static JFreeChart chart(List<DetailViewModel.Series> series, String xLabel, Color[] colors) {
        // sides of different sizes (a 10-class head against a 1000-class one): fractions, so both show
        boolean fractions = series.size() > 1 && series.stream().mapToLong(DetailPane::total).distinct().count() > 1;
        XYIntervalSeriesCollection ds = new XYIntervalSeriesCollection();
        for (DetailViewModel.Series h : series) ds.addSeries(series(h, fractions ? 1.0 / Math.max(1, total(h)) : 1));
        JFreeChart chart = ChartFactory.createXYBarChart(null, xLabel, false, fractions ? "fraction" : "count", ds, PlotOrientation.VERTICAL,
                series.size() > 1, true, false);
        chart.setBackgroundPaint(new Color(0, 0, 0, 0));
        XYPlot plot = chart.getXYPlot();
        ChartTheme.apply(chart, plot);
        XYBarRenderer r = (XYBarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardXYBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(series.size() > 1);
        r.setDrawBarOutline(false);
        r.setSeriesPaint(0, colors[0]);
        if (series.size() > 1) {
            // overlaid: the first as bars, the others as step outlines, so neither hides the other
            ds.removeSeries(1);
            org.jfree.data.xy.XYSeriesCollection steps = new org.jfree.data.xy.XYSeriesCollection();
            for (int i = 1; i < series.size(); i++) {
                DetailViewModel.Series h = series.get(i);
                org.jfree.data.xy.XYSeries line = new org.jfree.data.xy.XYSeries(h.name(), false);
                double scale = fractions ? 1.0 / Math.max(1, total(h)) : 1;
                for (int b = 0; b < h.counts().length; b++) line.add(h.edges()[b], h.counts()[b] * scale);
                line.add(h.edges()[h.counts().length], h.counts()[h.counts().length - 1] * scale);
                steps.addSeries(line);
            }
            org.jfree.chart.renderer.xy.XYStepRenderer outline = new org.jfree.chart.renderer.xy.XYStepRenderer();
            for (int i = 1; i < series.size(); i++) {
                Color c = colors[i % colors.length];
                outline.setSeriesPaint(i - 1, new Color(c.getRed(), c.getGreen(), c.getBlue()));
                outline.setSeriesStroke(i - 1, new java.awt.BasicStroke(1.8f));
            }
            plot.setDataset(1, steps);
            plot.setRenderer(1, outline);
        }
        return chart;
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
}
