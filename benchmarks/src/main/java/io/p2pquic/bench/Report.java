package io.p2pquic.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns benchmark output into Markdown tables, so the numbers in docs/benchmarks.md are computed, not
 * typed: {@code load FILE} reads StunLoad's JSON lines (one per run, grouped by label) and prints
 * medians with min and max side by side; {@code jmh FILE} reads JMH's JSON result file.
 */
public final class Report {
  private Report() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !(args[0].equals("load") || args[0].equals("jmh"))) {
      System.err.println("usage: Report load RESULTS.jsonl | Report jmh JMH-RESULT.json");
      System.exit(2);
      return;
    }
    String text = Files.readString(Path.of(args[1]));
    System.out.print(args[0].equals("load") ? loadTables(text) : jmhTable(text));
  }

  /** Median of the values (mean of the two middle ones for an even count). */
  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  static Map<String, List<JsonObject>> byLabel(String jsonLines) {
    Map<String, List<JsonObject>> runs = new LinkedHashMap<>();
    for (String line : jsonLines.split("\n")) {
      if (!line.isBlank()) {
        JsonObject o = new JsonObject(line);
        runs.computeIfAbsent(o.getString("label"), k -> new ArrayList<>()).add(o);
      }
    }
    return runs;
  }

  /** Summary table (median, min-max per label, and the ratio of the first label to the second) plus every run. */
  static String loadTables(String jsonLines) {
    Map<String, List<JsonObject>> runs = byLabel(jsonLines);
    List<String> labels = new ArrayList<>(runs.keySet());
    StringBuilder sb = new StringBuilder();
    sb.append("| metric |");
    labels.forEach(l -> sb.append(" ").append(l).append(": median (min-max) |"));
    if (labels.size() == 2) {
      sb.append(" ").append(labels.get(0)).append(" / ").append(labels.get(1)).append(" (medians) |");
    }
    sb.append("\n|---|");
    labels.forEach(l -> sb.append("---:|"));
    if (labels.size() == 2) {
      sb.append("---:|");
    }
    sb.append('\n');
    row(sb, runs, labels, "responses/s", o -> o.getDouble("responsesPerSecond"), "%.0f");
    row(sb, runs, labels, "latency p50 (us)", o -> num(o, "p50Us"), "%.0f");
    row(sb, runs, labels, "latency p99 (us)", o -> num(o, "p99Us"), "%.0f");
    row(sb, runs, labels, "latency p99.9 (us)", o -> num(o, "p999Us"), "%.0f");
    row(sb, runs, labels, "loss (%)", o -> o.getDouble("lossPercent"), "%.3f");
    row(sb, runs, labels, "server CPU over the run (cores)", o -> num(o, "serverCpuCores"), "%.2f");
    row(sb, runs, labels, "server CPU per answer (us)", o -> num(o, "serverCpuUsPerResponse"), "%.1f");
    row(sb, runs, labels, "load generator CPU (cores)", o -> num(o, "loadCpuCores"), "%.2f");
    sb.append("\nRuns: ");
    labels.forEach(l -> sb.append(l).append(" ").append(runs.get(l).size()).append(", "));
    sb.setLength(sb.length() - 2);
    JsonObject first = runs.get(labels.get(0)).get(0);
    sb.append(String.format(Locale.ROOT, "; each %d sockets x window %d (at most %d requests outstanding).%n",
        first.getInteger("sockets"), first.getInteger("window"),
        first.getInteger("sockets") * first.getInteger("window")));
    sb.append("\nResponse seen by the load generator:\n\n");
    for (String l : labels) {
      JsonObject o = runs.get(l).get(0);
      sb.append("- ").append(l).append(": ").append(o.getInteger("responseBytes")).append(" bytes, ")
          .append(o.getString("responseAttributes")).append('\n');
    }
    sb.append("\nEvery run:\n\n| run | server | responses/s | p50 (us) | p99 (us) | p99.9 (us) | max (us) | sent | lost | late | bad |\n");
    sb.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    int maxRuns = runs.values().stream().mapToInt(List::size).max().orElse(0);
    for (int i = 0; i < maxRuns; i++) {
      for (String l : labels) {
        if (i < runs.get(l).size()) {
          JsonObject o = runs.get(l).get(i);
          sb.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %d | %d | %d | %d |%n",
              i + 1, l, o.getDouble("responsesPerSecond"), num(o, "p50Us"), num(o, "p99Us"),
              num(o, "p999Us"), o.getDouble("maxUs"), o.getLong("sent"), o.getLong("lost"),
              o.getLong("late"), o.getLong("bad")));
        }
      }
    }
    return sb.toString();
  }

  private static double num(JsonObject o, String key) {
    Double v = o.getDouble(key);
    return v == null ? Double.NaN : v;
  }

  private static void row(
      StringBuilder sb, Map<String, List<JsonObject>> runs, List<String> labels, String name,
      ToDoubleFunction<JsonObject> metric, String fmt) {
    for (String l : labels) {
      if (runs.get(l).stream().mapToDouble(metric).anyMatch(Double::isNaN)) {
        return; // not measured in every run (e.g. no --server-pid): no row rather than a wrong median
      }
    }
    sb.append("| ").append(name).append(" |");
    double[] medians = new double[labels.size()];
    for (int i = 0; i < labels.size(); i++) {
      double[] v = runs.get(labels.get(i)).stream().mapToDouble(metric).toArray();
      medians[i] = median(v);
      double min = Arrays.stream(v).min().orElse(Double.NaN);
      double max = Arrays.stream(v).max().orElse(Double.NaN);
      sb.append(String.format(Locale.ROOT, " **" + fmt + "** (" + fmt + "-" + fmt + ") |", medians[i], min, max));
    }
    if (labels.size() == 2) {
      sb.append(medians[1] == 0
          ? " - |"
          : String.format(Locale.ROOT, " %.2f |", medians[0] / medians[1]));
    }
    sb.append('\n');
  }

  /** JMH's JSON result as a table: score with its 99.9% error, and bytes allocated per operation when -prof gc ran. */
  static String jmhTable(String json) {
    JsonArray results = new JsonArray(json);
    StringBuilder sb = new StringBuilder();
    sb.append("| benchmark | mode | score | error (99.9%) | unit | allocated (B/op) |\n");
    sb.append("|---|---|---:|---:|---|---:|\n");
    for (int i = 0; i < results.size(); i++) {
      JsonObject r = results.getJsonObject(i);
      String name = r.getString("benchmark");
      name = name.substring(name.lastIndexOf('.') + 1);
      JsonObject primary = r.getJsonObject("primaryMetric");
      JsonObject secondary = r.getJsonObject("secondaryMetrics", new JsonObject());
      JsonObject alloc = secondary.getJsonObject("gc.alloc.rate.norm");
      double error = primary.getValue("scoreError") instanceof Number n ? n.doubleValue() : Double.NaN;
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n",
          name, r.getString("mode"), fmt(primary.getDouble("score")), fmt(error),
          primary.getString("scoreUnit"), alloc == null ? "-" : String.format(Locale.ROOT, "%.0f", alloc.getDouble("score"))));
    }
    return sb.toString();
  }

  private static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.2f", v)
        : String.format(Locale.ROOT, "%.3f", v);
  }
}
