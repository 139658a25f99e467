package io.weightbench.app;

import java.awt.Color;
import java.util.function.Consumer;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.fx.interaction.ChartMouseEventFX;
import org.jfree.chart.fx.interaction.ChartMouseListenerFX;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.entity.CategoryItemEntity;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The layer-by-layer change as {@link LayerChangeViewModel} computes it: the relative change per
 * module in model order, themed, on a log scale when the changes span more than two decades; a
 * click on a bar selects the module.
 */
final class LayerChangePane extends VBox {

    final ChartViewer chart = new ChartViewer();
    /** The module count and the five largest changes (click a bar, or scroll for the rest). */
    final Label top5 = new Label();
    private final LayerChangeViewModel vm;

    LayerChangePane(LayerChangeViewModel vm, Consumer<String> selectModule) {
        this.vm = vm;
        setId("layer-change");
        Label message = new Label();
        message.textProperty().bind(vm.message);
        message.setWrapText(true);
        message.managedProperty().bind(vm.message.isNotEmpty());
        ProgressBar bar = new ProgressBar();
        bar.progressProperty().bind(vm.progress);
        bar.visibleProperty().bind(vm.running);
        HBox top = new HBox(8, message, bar);
        top.setAlignment(Pos.CENTER_LEFT);
        chart.setId("changes-chart");
        chart.setVisible(false);
        chart.addChartMouseListener(new ChartMouseListenerFX() {
            @Override public void chartMouseClicked(ChartMouseEventFX e) {
                if (e.getEntity() instanceof CategoryItemEntity c) {
                    String m = c.getColumnKey().toString();
                    selectModule.accept(m.equals("(top)") ? "" : m);
                }
            }

            @Override public void chartMouseMoved(ChartMouseEventFX e) {}
        });
        ChartTheme.wheelScrolls(chart);
        // one bar per module, top to bottom in model order, as tall as it takes to read every name
        javafx.scene.control.ScrollPane scroll = new javafx.scene.control.ScrollPane(chart);
        scroll.setFitToWidth(true);
        scroll.setVbarPolicy(javafx.scene.control.ScrollPane.ScrollBarPolicy.ALWAYS); // the bars go on below: say so
        // the largest changes in words above the chart: what a low window shows without scrolling
        top5.setId("changes-summary");
        top5.setWrapText(true);
        top5.managedProperty().bind(chart.visibleProperty());
        top5.visibleProperty().bind(chart.visibleProperty());
        scroll.visibleProperty().bind(chart.visibleProperty());
        VBox.setVgrow(scroll, Priority.ALWAYS);
        getChildren().addAll(top, top5, scroll);
        setSpacing(6);
        setPadding(new Insets(8));
        vm.modules.addListener((ListChangeListener<LayerChangeViewModel.ModuleChange>) c -> redraw());
    }

    /** Redraws for the theme too. */
    void redraw() {
        if (vm.modules.isEmpty()) {
            chart.setVisible(false);
            return;
        }
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (LayerChangeViewModel.ModuleChange m : vm.modules) {
            ds.addValue(m.relL2(), "relative change", m.module().isEmpty() ? "(top)" : m.module());
            if (m.relL2() > 0 && Double.isFinite(m.relL2())) lo = Math.min(lo, m.relL2());
            hi = Math.max(hi, Double.isFinite(m.relL2()) ? m.relL2() : 0);
        }
        JFreeChart c = ChartFactory.createBarChart(null, null, "relative change ||checkpoint - template|| / ||template||", ds,
                PlotOrientation.HORIZONTAL, false, true, false);
        chart.setPrefHeight(Math.max(220, 17 * vm.modules.size() + 70));
        chart.setMinHeight(chart.getPrefHeight());
        CategoryPlot plot = c.getCategoryPlot();
        if (hi == 0) {
            // nothing changed: a plain 0..1 axis instead of JFreeChart's "5E-9" around zero
            NumberAxis axis = (NumberAxis) plot.getRangeAxis();
            axis.setRange(0, 1);
        } else if (lo < hi / 100) {
            LogAxis log = new LogAxis(plot.getRangeAxis().getLabel());
            log.setSmallestValue(lo / 2);
            log.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1.0)); // a tick per decade
            log.setNumberFormatOverride(new java.text.DecimalFormat("0.######"));
            plot.setRangeAxis(log);
        }
        plot.getDomainAxis().setCategoryMargin(0.15);
        plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.35f);
        ChartTheme.apply(c, plot);
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setSeriesPaint(0, new Color(0x00, 0x72, 0xb2));
        chart.setChart(c);
        chart.setVisible(true);
        top5.setText(LayerChangeViewModel.summary(vm.modules, 5) + (vm.modules.size() > 8 ? " · scroll for all, click a bar to go there"
                : " · click a bar to go there"));
    }
}
