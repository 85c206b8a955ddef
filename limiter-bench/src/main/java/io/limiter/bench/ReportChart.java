package io.limiter.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;

/**
 * Draws the results as one PNG of bar charts with error bars (JMH's 99.9% confidence half-width for the JMH
 * benchmarks, the standard deviation over runs or samples for the load tests), one panel per measurement.
 */
final class ReportChart {

  private static final int PANEL_WIDTH = 820;
  private static final int PANEL_HEIGHT = 460;

  private final List<JFreeChart> panels = new ArrayList<>();

  ReportChart(Optional<JmhResults> p1, Optional<JmhResults> p2, Optional<JmhResults> p3, LoadResults load) {
    System.setProperty("java.awt.headless", "true");
    panels.add(oneKey("P1 one key, 1 thread", p1));
    panels.add(oneKey("P2 one key, 2 threads", p2));
    panels.add(manyKeys(p3));
    panels.add(memory(load));
    panels.add(http(load));
    panels.add(redis(load));
  }

  private static JFreeChart oneKey(String title, Optional<JmhResults> results) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    results.ifPresent(r -> {
      for (Map.Entry<String, String> c : BenchmarkReport.ONE_KEY.entrySet()) {
        for (String path : new String[] {"allow", "deny"}) {
          r.score(c.getKey(), path).ifPresent(s -> data.add(s.value(), errorOf(s), path, plain(c.getValue())));
        }
      }
    });
    return chart(title + (results.isPresent() ? "" : " (not measured)"),
        results.map(JmhResults::unit).orElse("ops/us"), data);
  }

  private static JFreeChart manyKeys(Optional<JmhResults> results) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    results.ifPresent(r -> {
      for (Map.Entry<String, String> c : BenchmarkReport.MANY_KEYS.entrySet()) {
        if (c.getKey().equals("keyPickOnly")) {
          continue; // two orders of magnitude faster: it would flatten every other bar (it is in the table)
        }
        for (String path : new String[] {"allow", "deny"}) {
          r.score(c.getKey(), path).ifPresent(s -> data.add(s.value(), errorOf(s), path, plain(c.getValue())));
        }
      }
    });
    return chart("P3 100k keys, 1 thread" + (results.isPresent() ? "" : " (not measured)"),
        results.map(JmhResults::unit).orElse("ops/us"), data);
  }

  private static JFreeChart memory(LoadResults load) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    for (Map.Entry<String, String> c : BenchmarkReport.MEMORY.entrySet()) {
      load.memory(c.getKey()).ifPresent(m -> {
        data.add(m.heapWithoutKeys(), 0, "without key strings", plain(c.getValue()));
        data.add(m.heapWithKeys(), 0, "with key strings", plain(c.getValue()));
      });
    }
    return chart("P4 bytes per key" + (load.memory.isEmpty() ? " (not measured)" : ""), "bytes", data);
  }

  private static JFreeChart http(LoadResults load) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    for (Map.Entry<String, String> c : BenchmarkReport.HTTP.entrySet()) {
      String[] k = c.getKey().split(":");
      load.http(k[0], k[1]).ifPresent(h -> data.add(h.requestsPerSecond().value(), h.requestsPerSecond().error(),
          "wrk", plain(c.getValue())));
    }
    return chart("P5 HTTP" + (load.http.isEmpty() ? " (not measured)" : ""), "requests/s", data);
  }

  private static JFreeChart redis(LoadResults load) {
    DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
    for (LoadResults.Redis r : load.redis) {
      String series = plain(BenchmarkReport.REDIS.getOrDefault(r.target(), r.target()));
      String category = (r.keys() == 1 ? "hot key" : r.keys() + " keys") + ", " + r.mode() + r.concurrency();
      data.add(r.decisionsPerSecond().value(), r.decisionsPerSecond().error(), series, category);
    }
    load.redisBenchmark.forEach((name, rps) -> data.add(rps.doubleValue(), 0.0, "redis-benchmark", name));
    return chart("P6/P7 Redis" + (load.redis.isEmpty() ? " (not measured)" : ""), "decisions/s", data);
  }

  private static double errorOf(Score s) {
    return Double.isFinite(s.error()) ? s.error() : 0;
  }

  private static String plain(String markdown) {
    return markdown.replace("`", "");
  }

  private static JFreeChart chart(String title, String unit, DefaultStatisticalCategoryDataset data) {
    JFreeChart chart = ChartFactory.createBarChart(title, null, unit, data, PlotOrientation.HORIZONTAL, true, false,
        false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.getDomainAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.45f);
    StatisticalBarRenderer renderer = new StatisticalBarRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setErrorIndicatorPaint(Color.BLACK);
    renderer.setErrorIndicatorStroke(new BasicStroke(1.5f));
    renderer.setItemMargin(0.05);
    renderer.setSeriesPaint(0, new Color(0x2E, 0x6F, 0xB5));
    renderer.setSeriesPaint(1, new Color(0xE0, 0x8A, 0x2C));
    renderer.setSeriesPaint(2, new Color(0x5A, 0xA0, 0x5A));
    renderer.setSeriesPaint(3, new Color(0x99, 0x99, 0x99));
    plot.setRenderer(renderer);
    return chart;
  }

  void write(Path file) throws IOException {
    int columns = 2;
    int rows = (panels.size() + columns - 1) / columns;
    BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      for (int i = 0; i < panels.size(); i++) {
        int x = (i % columns) * PANEL_WIDTH;
        int y = (i / columns) * PANEL_HEIGHT;
        panels.get(i).draw(g, new java.awt.geom.Rectangle2D.Double(x, y, PANEL_WIDTH, PANEL_HEIGHT));
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }
}
