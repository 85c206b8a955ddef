package io.limiter.bench.overload;

import io.limiter.core.step.StepChange;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Turns the recordings of an overload comparison into the markdown table of {@code docs/step-throttling.md}, a CSV
 * per window, one PNG with a panel per measure over time plus goodput per phase, and one PNG per phase. With several
 * repeats, a table cell is the mean over the repeats and the range is given where the repeats disagree. Used by
 * {@link OverloadBenchmark} and by the Boot example's runner. Not thread-safe: add the runs from one thread.
 */
public final class OverloadReport {

  /** The name of the per-phase charts: {@code step-throttling-overload-<phase>.png}. */
  public static final String PHASE_CHART = "step-throttling-overload";

  private static final Color[] COLORS = {new Color(0x88, 0x88, 0x88), new Color(0x33, 0x33, 0x33),
      new Color(0x2E, 0x6F, 0xB5), new Color(0x5A, 0xA0, 0x5A), new Color(0x8E, 0x44, 0xAD),
      new Color(0xE0, 0x8A, 0x2C), new Color(0xC0, 0x39, 0x2B), new Color(0x17, 0xA2, 0xB8),
      new Color(0xD4, 0x1E, 0x8C)};

  private final LoadCurve curve;
  private final double targetMillis;
  private final long windowNanos;
  private final Map<String, List<Measures>> measures = new LinkedHashMap<>();
  private final Map<String, List<Double>> probes = new LinkedHashMap<>();
  private final Map<String, LoadDriver.Recording> first = new LinkedHashMap<>();

  /** The size of the charts, as a factor of the full size (a smoke run draws them small, which is faster). */
  private double chartScale = 1;

  /**
   * @param curve the scenario every run played
   * @param targetMillis the latency target
   * @param windowNanos the measuring window; must divide the phase length
   */
  public OverloadReport(LoadCurve curve, double targetMillis, long windowNanos) {
    this.curve = curve;
    this.targetMillis = targetMillis;
    this.windowNanos = windowNanos;
  }

  /**
   * Draws the charts at {@code factor} times their full size.
   *
   * @param factor in (0, 1]
   * @return this
   */
  public OverloadReport chartScale(double factor) {
    this.chartScale = factor;
    return this;
  }

  /**
   * Adds one run.
   *
   * @param r the recording
   * @return its measures
   */
  public Measures add(LoadDriver.Recording r) {
    Measures m = Measures.of(r, curve, Math.round(targetMillis * 1e6), windowNanos);
    measures.computeIfAbsent(r.contender(), k -> new ArrayList<>()).add(m);
    probes.computeIfAbsent(r.contender(), k -> new ArrayList<>()).add(worstProbe(r, m));
    first.putIfAbsent(r.contender(), r);
    return m;
  }

  /** @return the measures of every run, by contender in the order they were first added */
  public Map<String, List<Measures>> measures() {
    return measures;
  }

  /**
   * The highest p95 of the windows from each step up until the next change (at most two seconds later): how much a
   * probe costs. NaN when the run had no step up.
   */
  double worstProbe(LoadDriver.Recording r, Measures m) {
    double worst = Double.NaN;
    List<LoadDriver.Step> steps = r.steps();
    for (int i = 0; i < steps.size(); i++) {
      LoadDriver.Step s = steps.get(i);
      if (s.change().cause() != StepChange.Cause.UP) {
        continue;
      }
      long end = s.atNanos() + 2_000_000_000L;
      if (i + 1 < steps.size()) {
        end = Math.min(end, steps.get(i + 1).atNanos());
      }
      double w = 0;
      for (int k = (int) (s.atNanos() / windowNanos); k <= end / windowNanos && k < m.windowP95Millis().length; k++) {
        if (!Double.isNaN(m.windowP95Millis()[k])) {
          w = Math.max(w, m.windowP95Millis()[k]);
        }
      }
      worst = Double.isNaN(worst) ? w : Math.max(worst, w);
    }
    return worst;
  }

  /** @return every level change of the first repeat's step controllers, one line each, with its time */
  String stepLog() {
    StringBuilder log = new StringBuilder();
    for (Map.Entry<String, LoadDriver.Recording> e : first.entrySet()) {
      for (LoadDriver.Step s : e.getValue().steps()) {
        log.append(String.format(Locale.ROOT, "%-13s %6.2f s  %s%n", e.getKey(), s.atNanos() / 1e9, s.change()));
      }
    }
    return log.toString();
  }

  /** @return the summary table and the per-phase tables */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("| contender | goodput (req/s) | seconds p95 > target | peak p95 (ms) | peak p95, first overload (ms) "
        + "| rejected | worst p95 after a probe up (ms) | fairness (Jain) |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, List<Measures>> e : measures.entrySet()) {
      List<Measures> ms = e.getValue();
      md.append("| ").append(e.getKey())
          .append(" | ").append(range(ms, Measures::goodput, "%.0f"))
          .append(" | ").append(range(ms, Measures::overSeconds, "%.1f"))
          .append(" | ").append(range(ms, Measures::peakP95Millis, "%.0f"))
          .append(" | ").append(range(ms, Measures::firstOverloadPeakMillis, "%.0f"))
          .append(" | ").append(range(ms, m -> 100 * m.rejected(), "%.0f")).append('%')
          .append(" | ").append(probeCell(probes.get(e.getKey())))
          .append(" | ").append(range(ms, Measures::fairness, "%.3f"))
          .append(" |\n");
    }
    md.append('\n');
    md.append(phaseTable("Goodput per phase (responses within the target per second)", Measures::phaseGoodput,
        "%.0f"));
    md.append(phaseTable("Seconds with p95 over the target, per phase", Measures::phaseOverSeconds, "%.1f"));
    md.append(phaseTable("Seconds to settle after each phase change (until p95 stays within the target; the phase "
        + "length if never)", Measures::phaseSettleSeconds, "%.1f"));
    md.append(phaseTable("Peak p95 per phase (ms)", Measures::phasePeakP95Millis, "%.0f"));
    return md.toString();
  }

  private String phaseTable(String title, java.util.function.Function<Measures, double[]> of, String format) {
    StringBuilder md = new StringBuilder("**").append(title).append("**\n\n| contender |");
    for (String p : LoadCurve.PHASES) {
      md.append(' ').append(p).append(" |");
    }
    md.append("\n|---|");
    md.append("---|".repeat(LoadCurve.PHASES.size()));
    md.append('\n');
    for (Map.Entry<String, List<Measures>> e : measures.entrySet()) {
      md.append("| ").append(e.getKey()).append(" |");
      for (int p = 0; p < LoadCurve.PHASES.size(); p++) {
        int phase = p;
        md.append(' ').append(range(e.getValue(), m -> of.apply(m)[phase], format)).append(" |");
      }
      md.append('\n');
    }
    return md.append('\n').toString();
  }

  private static String probeCell(List<Double> values) {
    List<Double> known = values.stream().filter(v -> !Double.isNaN(v)).toList();
    if (known.isEmpty()) {
      return "–";
    }
    double max = known.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return String.format(Locale.ROOT, "%.0f", max);
  }

  /** The mean over the repeats, with the range when there are several. */
  static String range(List<Measures> ms, ToDoubleFunction<Measures> f, String format) {
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Measures m : ms) {
      double v = f.applyAsDouble(m);
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    String mean = String.format(Locale.ROOT, format, sum / ms.size());
    if (ms.size() == 1 || String.format(Locale.ROOT, format, min).equals(String.format(Locale.ROOT, format, max))) {
      return mean;
    }
    return mean + " (" + String.format(Locale.ROOT, format, min) + "–" + String.format(Locale.ROOT, format, max) + ")";
  }

  /**
   * Writes {@code overload.md} ({@code header}, the tables and links to the phase charts), {@code overload.csv},
   * {@code overload.png}, {@code overload-steps.txt} and the phase charts into {@code out}.
   *
   * @param out the directory (created if missing)
   * @param header the text before the tables
   * @return the markdown written
   * @throws IOException if a file cannot be written
   */
  public String write(Path out, String header) throws IOException {
    Files.createDirectories(out);
    List<Path> phaseCharts = writePhaseCharts(out, PHASE_CHART);
    StringBuilder md = new StringBuilder(header).append(markdown())
        .append("**Each phase** (first repeat; the second before the phase for context)\n\n");
    for (int p = 0; p < phaseCharts.size(); p++) {
      md.append("![Phase ").append(LoadCurve.PHASES.get(p)).append(": goodput and p95 latency of every contender](")
          .append(phaseCharts.get(p).getFileName()).append(")\n\n");
    }
    Files.writeString(out.resolve("overload.md"), md);
    writeCsv(out.resolve("overload.csv"));
    writeChart(out.resolve("overload.png"));
    Files.writeString(out.resolve("overload-steps.txt"), stepLog());
    return md.toString();
  }

  void writeCsv(Path file) throws IOException {
    StringBuilder csv = new StringBuilder("contender,repeat,second,offered_per_s,goodput_per_s,rejected_per_s,p95_ms\n");
    double seconds = windowNanos / 1e9;
    for (Map.Entry<String, List<Measures>> e : measures.entrySet()) {
      for (int r = 0; r < e.getValue().size(); r++) {
        Measures m = e.getValue().get(r);
        for (int w = 0; w < m.windowGoodput().length; w++) {
          csv.append(e.getKey()).append(',').append(r + 1).append(',')
              .append(String.format(Locale.ROOT, "%.2f,%.0f,%.0f,%.0f,%s", w * seconds, m.windowOffered()[w],
                  m.windowGoodput()[w], m.windowRejected()[w],
                  Double.isNaN(m.windowP95Millis()[w]) ? "" : String.format(Locale.ROOT, "%.1f",
                      m.windowP95Millis()[w])))
              .append('\n');
        }
      }
    }
    Files.writeString(file, csv);
  }

  void writeChart(Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<JFreeChart> panels = new ArrayList<>();
    panels.add(timeline("Goodput (200 within " + (long) targetMillis + " ms per second, first repeat); dashed: "
        + "offered load and capacity at the target", "responses/s", false));
    panels.add(timeline("p95 latency of 200 responses (first repeat, log scale); dashed: target", "ms", true));
    panels.add(levels());
    panels.add(phaseBars());
    draw(panels, 1200 * chartScale, 430 * chartScale, file);
  }

  /**
   * Writes one chart per phase, {@code <prefix>-<phase>.png} in {@code dir}: goodput and p95 of every contender over
   * the phase and the second before it (first repeat, not smoothed), so that what each does at the phase change shows.
   *
   * @return the files written, in phase order
   */
  List<Path> writePhaseCharts(Path dir, String prefix) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> files = new ArrayList<>();
    for (int p = 0; p < LoadCurve.PHASES.size(); p++) {
      double from = Math.max(0, p * curve.phaseNanos() / 1e9 - 1);
      double to = (p + 1) * curve.phaseNanos() / 1e9;
      String phase = LoadCurve.PHASES.get(p);
      List<JFreeChart> panels = List.of(
          timeline("Phase " + phase + ": goodput (200 within " + (long) targetMillis + " ms per second); dashed: "
              + "offered load and capacity at the target", "responses/s", false, from, to),
          timeline("Phase " + phase + ": p95 latency of 200 responses (log scale); dashed: target", "ms", true, from,
              to));
      Path file = dir.resolve(prefix + "-" + phase + ".png");
      draw(panels, 1000 * chartScale, 360 * chartScale, file);
      files.add(file);
    }
    return files;
  }

  private static void draw(List<JFreeChart> panels, double w, double h, Path file) throws IOException {
    int width = (int) Math.round(w);
    int height = (int) Math.round(h);
    BufferedImage image = new BufferedImage(width, height * panels.size(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      for (int i = 0; i < panels.size(); i++) {
        panels.get(i).draw(g, new java.awt.geom.Rectangle2D.Double(0, i * height, width, height));
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  /** One line per contender (first repeat), smoothed over one second. */
  private JFreeChart timeline(String title, String unit, boolean latency) {
    return timeline(title, unit, latency, 0, Double.MAX_VALUE);
  }

  /**
   * One line per contender (first repeat) between {@code from} and {@code to} seconds; smoothed over one second for
   * the whole run, per window for a phase.
   */
  private JFreeChart timeline(String title, String unit, boolean latency, double from, double to) {
    boolean whole = from == 0 && to == Double.MAX_VALUE;
    XYSeriesCollection data = new XYSeriesCollection();
    double seconds = windowNanos / 1e9;
    int smooth = whole ? Math.max(1, (int) Math.round(1 / seconds)) : 1;
    for (Map.Entry<String, List<Measures>> e : measures.entrySet()) {
      Measures m = e.getValue().get(0);
      XYSeries s = new XYSeries(e.getKey());
      double[] v = latency ? m.windowP95Millis() : m.windowGoodput();
      for (int w = 0; w + smooth <= v.length; w += latency ? 1 : smooth) {
        if (w * seconds < from - 1e-9 || w * seconds >= to - 1e-9) {
          continue;
        }
        if (latency) {
          if (!Double.isNaN(v[w])) {
            s.add(w * seconds, Math.max(1, v[w]));
          }
        } else {
          double sum = 0;
          for (int k = 0; k < smooth; k++) {
            sum += v[w + k];
          }
          s.add(w * seconds, sum / smooth);
        }
      }
      data.addSeries(s);
    }
    if (!latency) {
      XYSeries offered = new XYSeries("offered");
      XYSeries capacity = new XYSeries("capacity");
      for (long t = 0; t <= curve.totalNanos(); t += windowNanos) {
        if (t / 1e9 < from - 1e-9 || t / 1e9 > to + 1e-9) {
          continue;
        }
        long at = Math.min(t, curve.totalNanos() - 1);
        offered.add(t / 1e9, curve.offered(at));
        capacity.add(t / 1e9, curve.nominalRate() * curve.capacity(at));
      }
      data.addSeries(offered);
      data.addSeries(capacity);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "seconds", unit, data, PlotOrientation.VERTICAL, true,
        false, false);
    XYPlot plot = style(chart);
    if (latency) {
      LogAxis axis = new LogAxis(unit);
      axis.setBase(10);
      axis.setSmallestValue(1);
      axis.setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
      plot.setRangeAxis(axis);
      plot.addRangeMarker(new ValueMarker(targetMillis, Color.RED, dashed()));
    }
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    int n = measures.size();
    for (int i = 0; i < data.getSeriesCount(); i++) {
      renderer.setSeriesPaint(i, i < n ? COLORS[i % COLORS.length] : (i == n ? Color.BLACK : Color.RED));
      renderer.setSeriesStroke(i, i < n ? new BasicStroke(1.6f) : dashed());
    }
    plot.setRenderer(renderer);
    phaseMarkers(plot);
    if (!whole) {
      plot.getDomainAxis().setRange(from, to);
    }
    return chart;
  }

  private JFreeChart levels() {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, LoadDriver.Recording> e : first.entrySet()) {
      if (e.getValue().steps().isEmpty()) {
        continue;
      }
      XYSeries s = new XYSeries(e.getKey());
      double factor = 100;
      s.add(0, factor);
      for (LoadDriver.Step step : e.getValue().steps()) {
        s.add(step.atNanos() / 1e9, factor);
        factor = step.change().toFactor() * 100;
        s.add(step.atNanos() / 1e9, factor);
      }
      s.add(curve.totalNanos() / 1e9, factor);
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart("Limiter's step level (% of the nominal limit, first repeat)", "seconds",
        "%", data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = style(chart);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    List<String> names = new ArrayList<>(measures.keySet());
    int i = 0;
    for (Map.Entry<String, LoadDriver.Recording> e : first.entrySet()) {
      if (!e.getValue().steps().isEmpty()) {
        renderer.setSeriesPaint(i, COLORS[names.indexOf(e.getKey()) % COLORS.length]);
        renderer.setSeriesStroke(i++, new BasicStroke(2f));
      }
    }
    plot.setRenderer(renderer);
    phaseMarkers(plot);
    return chart;
  }

  private JFreeChart phaseBars() {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (Map.Entry<String, List<Measures>> e : measures.entrySet()) {
      for (int p = 0; p < LoadCurve.PHASES.size(); p++) {
        double sum = 0;
        for (Measures m : e.getValue()) {
          sum += m.phaseGoodput()[p];
        }
        data.addValue(sum / e.getValue().size(), e.getKey(), LoadCurve.PHASES.get(p));
      }
    }
    JFreeChart chart = ChartFactory.createBarChart("Goodput per phase (mean over repeats)", null, "responses/s",
        data, PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    org.jfree.chart.plot.CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    org.jfree.chart.renderer.category.BarRenderer renderer = new org.jfree.chart.renderer.category.BarRenderer();
    renderer.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
    renderer.setShadowVisible(false);
    for (int i = 0; i < measures.size(); i++) {
      renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
    }
    plot.setRenderer(renderer);
    return chart;
  }

  private XYPlot style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    return plot;
  }

  private void phaseMarkers(XYPlot plot) {
    for (int p = 1; p < LoadCurve.PHASES.size(); p++) {
      ValueMarker marker = new ValueMarker(p * curve.phaseNanos() / 1e9, Color.GRAY, new BasicStroke(1f));
      marker.setLabel(LoadCurve.PHASES.get(p));
      marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      marker.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
      marker.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.TOP_LEFT);
      plot.addDomainMarker(marker);
    }
  }

  private static BasicStroke dashed() {
    return new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
  }
}
