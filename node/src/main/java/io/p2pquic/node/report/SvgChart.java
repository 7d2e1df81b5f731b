package io.p2pquic.node.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison as an SVG bar chart: one group of bars per pair of NATs, one bar per method (median
 * time to first byte), a whisker from min to max, hatched bars for relayed winners and a red cross where
 * no run connected. Hand-written SVG 1.1: no library, readable in any browser and on GitHub.
 */
public final class SvgChart {
  private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f"};
  private static final int BAR = 14;
  private static final int GAP = 26;
  private static final int LEFT = 60;
  private static final int TOP = 50;
  private static final int PLOT_HEIGHT = 300;

  private SvgChart() {}

  public static String render(String title, List<CellResult> cells) {
    List<String> methods = MarkdownReport.methods(cells);
    Map<String, List<CellResult>> byPair = MarkdownReport.byPair(cells);
    double top = cells.stream().filter(c -> c.successes() > 0).mapToDouble(CellResult::max).max().orElse(1000);
    double scaleMax = niceCeiling(top);
    int groupWidth = methods.size() * BAR + GAP;
    int width = Math.max(Math.max(LEFT + byPair.size() * groupWidth + 20, LEFT + methods.size() * 110 + 20), 640);
    int height = TOP + PLOT_HEIGHT + 150;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
    svg.append("<defs><pattern id=\"relayed\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
        + "patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"4\" fill=\"white\" fill-opacity=\"0.6\"/></pattern></defs>\n");
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
        LEFT, xml(title)));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"36\">median time to first echoed byte, ms "
        + "(whiskers: min-max; hatched: relayed; ✗: no run connected)</text>%n", LEFT));
    // y axis with 5 ticks
    for (int i = 0; i <= 5; i++) {
      double v = scaleMax * i / 5;
      double y = TOP + PLOT_HEIGHT - PLOT_HEIGHT * i / 5.0;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>%n", LEFT, y, width - 20, y, LEFT - 6, y + 4, v));
    }
    int g = 0;
    for (Map.Entry<String, List<CellResult>> e : byPair.entrySet()) {
      int x0 = LEFT + g * groupWidth + GAP / 2;
      for (int m = 0; m < methods.size(); m++) {
        String method = methods.get(m);
        CellResult c = e.getValue().stream().filter(x -> x.method().equals(method)).findFirst().orElse(null);
        int x = x0 + m * BAR;
        if (c == null || c.notAvailable()) {
          continue;
        }
        String label = xml(e.getKey() + ", " + method + ": ");
        if (c.successes() == 0) {
          int y = TOP + PLOT_HEIGHT - 10;
          svg.append(String.format(Locale.ROOT, "<text class=\"failed\" x=\"%d\" y=\"%d\" fill=\"#d62728\" "
              + "font-weight=\"bold\" text-anchor=\"middle\"><title>%sno run connected</title>✗</text>%n", x + BAR / 2, y, label));
          continue;
        }
        double h = PLOT_HEIGHT * c.median() / scaleMax;
        double y = TOP + PLOT_HEIGHT - h;
        String color = COLORS[m % COLORS.length];
        svg.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\">"
            + "<title>%smedian %.0f ms (min %.0f, max %.0f), %d/%d connected, %s</title></rect>%n", x + 1, y, BAR - 2, h,
            color, label, c.median(), c.min(), c.max(), c.successes(), c.runs(), c.winningPath()));
        if ("relayed".equals(c.winningPath())) {
          svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"url(#relayed)\"/>%n",
              x + 1, y, BAR - 2, h));
        }
        double yMin = TOP + PLOT_HEIGHT - PLOT_HEIGHT * c.min() / scaleMax;
        double yMax = TOP + PLOT_HEIGHT - PLOT_HEIGHT * c.max() / scaleMax;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>%n",
            x + BAR / 2, yMin, x + BAR / 2, yMax));
      }
      int cx = x0 + methods.size() * BAR / 2;
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-35 %d %d)\">%s</text>%n",
          cx, TOP + PLOT_HEIGHT + 16, cx, TOP + PLOT_HEIGHT + 16, xml(e.getKey())));
      g++;
    }
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
        LEFT, TOP + PLOT_HEIGHT, width - 20, TOP + PLOT_HEIGHT));
    // legend
    for (int m = 0; m < methods.size(); m++) {
      int lx = LEFT + m * 110;
      int ly = height - 20;
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
          + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, ly - 10, COLORS[m % COLORS.length], lx + 16, ly, xml(methods.get(m))));
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}. */
  static double niceCeiling(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1))));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
