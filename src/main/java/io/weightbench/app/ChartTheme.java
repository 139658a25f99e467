package io.weightbench.app;

import java.awt.Color;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.plot.CategoryPlot;

/** JFreeChart restyled to the workbench's theme: flat, white (or dark) plot, the theme's ink, no glossy default. */
final class ChartTheme {

    private ChartTheme() {}

    static Color ink() {
        return Theme.isDark() ? new Color(0xc9, 0xd1, 0xd9) : new Color(0x1f, 0x23, 0x28);
    }

    static void apply(JFreeChart chart, Plot plot) {
        boolean dark = Theme.isDark();
        Color ink = ink();
        Color grid = dark ? new Color(0x30, 0x36, 0x3d) : new Color(220, 220, 220);
        chart.setBackgroundPaint(new Color(0, 0, 0, 0));
        plot.setBackgroundPaint(dark ? new Color(0x16, 0x1b, 0x22) : Color.WHITE);
        plot.setOutlineVisible(false);
        Axis[] axes;
        if (plot instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(grid);
            xy.setRangeGridlinePaint(grid);
            axes = new Axis[] {xy.getDomainAxis(), xy.getRangeAxis()};
        } else if (plot instanceof CategoryPlot cp) {
            cp.setRangeGridlinePaint(grid);
            axes = new Axis[] {cp.getDomainAxis(), cp.getRangeAxis()};
        } else {
            axes = new Axis[0];
        }
        for (Axis a : axes) {
            a.setLabelPaint(ink);
            a.setTickLabelPaint(ink);
            a.setAxisLinePaint(ink);
            a.setTickMarkPaint(ink);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setBackgroundPaint(new Color(0, 0, 0, 0));
            chart.getLegend().setItemPaint(ink);
        }
    }

    /** The wheel scrolls the pane; with Ctrl it zooms the chart (JFreeChart zooms on any wheel). */
    static void wheelScrolls(org.jfree.chart.fx.ChartViewer viewer) {
        org.jfree.chart.fx.interaction.MouseHandlerFX zoom = viewer.getCanvas().getMouseHandler("scroll");
        if (zoom == null) return;
        viewer.getCanvas().removeAuxiliaryMouseHandler(zoom);
        viewer.addEventFilter(javafx.scene.input.ScrollEvent.SCROLL, e -> {
            if (e.isControlDown() && viewer.getChart() != null) {
                zoom.handleScroll(viewer.getCanvas(), e);
                e.consume();
            }
        });
    }

}
