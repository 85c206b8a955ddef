package io.limiter.examples.springboot.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws a demo timeline as a PNG: request rates and the limit, p95 latency and its target, the controller's level. */
final class TimelineChart {

  private static final Color OFFERED = new Color(0x8c, 0x8c, 0x8c);
  private static final Color ADMITTED = new Color(0x2c, 0xa0, 0x2c);
  private static final Color REJECTED = new Color(0xd6, 0x27, 0x28);
  private static final Color LIMIT = new Color(0x1f, 0x77, 0xb4);
  private static final Color LATENCY = new Color(0xff, 0x7f, 0x0e);

  private TimelineChart() {
  }

  static void write(List<Timeline.Row> rows, double targetMillis, String title, Path file) throws IOException {
    XYSeries offered = new XYSeries("offered");
    XYSeries admitted = new XYSeries("admitted (200)");
    XYSeries rejected = new XYSeries("rejected (429)");
    XYSeries limit = new XYSeries("limit in force");
    XYSeries latency = new XYSeries("p95 latency of admitted calls");
    XYSeries level = new XYSeries("level of work-health");
    for (Timeline.Row r : rows) {
      double t = r.second() + 0.5;
      offered.add(t, r.offered());
      admitted.add(t, r.admitted());
      rejected.add(t, r.rejected());
      limit.add(r.second(), r.limitRps());
      if (!Double.isNaN(r.p95Millis())) {
        latency.add(t, r.p95Millis());
      }
      level.add(r.second(), r.factor() * 100);
    }
    if (!rows.isEmpty()) {
      Timeline.Row last = rows.get(rows.size() - 1);
      limit.add(last.second() + 1, last.limitRps());
      level.add(last.second() + 1, last.factor() * 100);
    }

    XYSeriesCollection rates = new XYSeriesCollection();
    rates.addSeries(offered);
    rates.addSeries(admitted);
    rates.addSeries(rejected);
    XYPlot ratePlot = new XYPlot(rates, null, new NumberAxis("requests / second"),
        lines(OFFERED, ADMITTED, REJECTED));
    ratePlot.setDataset(1, new XYSeriesCollection(limit));
    ratePlot.setRenderer(1, steps(LIMIT, true));

    XYPlot latencyPlot = new XYPlot(new XYSeriesCollection(latency), null, new NumberAxis("p95 latency (ms)"),
        lines(LATENCY));
    ValueMarker target = new ValueMarker(targetMillis, LATENCY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
        BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
    target.setLabel("target p95 " + (long) targetMillis + " ms");
    target.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    target.setLabelAnchor(RectangleAnchor.TOP_LEFT);
    target.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
    latencyPlot.addRangeMarker(target);

    NumberAxis levelAxis = new NumberAxis("level (% of limit)");
    levelAxis.setRange(0, 110);
    XYPlot levelPlot = new XYPlot(new XYSeriesCollection(level), null, levelAxis, steps(LIMIT, false));

    NumberAxis time = new NumberAxis("time (s)");
    time.setRange(0, Math.max(1, rows.size()));
    CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
    plot.setGap(12);
    plot.add(ratePlot, 3);
    plot.add(latencyPlot, 2);
    plot.add(levelPlot, 1);
    for (XYPlot p : List.of(ratePlot, latencyPlot, levelPlot)) {
      p.setBackgroundPaint(Color.WHITE);
      p.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
      p.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
    }
    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 1200, 900);
  }

  private static XYLineAndShapeRenderer lines(Color... colors) {
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < colors.length; i++) {
      r.setSeriesPaint(i, colors[i]);
      r.setSeriesStroke(i, new BasicStroke(2f));
    }
    return r;
  }

  private static XYStepRenderer steps(Color color, boolean dashed) {
    XYStepRenderer r = new XYStepRenderer();
    r.setSeriesPaint(0, color);
    r.setSeriesStroke(0, dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
        new float[] {8f, 4f}, 0f) : new BasicStroke(2.5f));
    return r;
  }
}
