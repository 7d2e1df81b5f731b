package io.p2pquic.node.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runs of one method between one pair of NATs at one loss setting: times to first echoed byte of
 * the successful runs, the path that won each (after any upgrade), and the errors of the failed ones.
 *
 * @param notAvailable the peer build does not have the method (the cell is "n/a", not a failure)
 * @param directAfterMs for runs that came up relayed and moved to a direct path while settling: how long
 *     after the connect call they got there
 */
public record CellResult(String from, String to, String method, double lossPercent, int runs,
    List<Double> firstByteMs, Map<String, Integer> paths, List<String> errors, boolean notAvailable,
    Expectation expected, List<Double> directAfterMs) {

  /** A cell without upgrades to a direct path. */
  public CellResult(String from, String to, String method, double lossPercent, int runs, List<Double> firstByteMs,
      Map<String, Integer> paths, List<String> errors, boolean notAvailable, Expectation expected) {
    this(from, to, method, lossPercent, runs, firstByteMs, paths, errors, notAvailable, expected, List.of());
  }

  /** The median of {@link #directAfterMs}, NaN when no run moved. */
  public double medianDirectAfterMs() {
    List<Double> v = new ArrayList<>(directAfterMs);
    v.sort(Double::compare);
    int n = v.size();
    return n == 0 ? Double.NaN : n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  public int successes() {
    return firstByteMs.size();
  }

  public double successRate() {
    return runs == 0 ? 0 : (double) successes() / runs;
  }

  public double median() {
    List<Double> v = sorted();
    if (v.isEmpty()) {
      return Double.NaN;
    }
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  public double min() {
    return sorted().isEmpty() ? Double.NaN : sorted().get(0);
  }

  public double max() {
    List<Double> v = sorted();
    return v.isEmpty() ? Double.NaN : v.get(v.size() - 1);
  }

  /** The path most runs ended on, or "-" when none connected. */
  public String winningPath() {
    return paths.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("-");
  }

  /** Whether the cell did what {@link Expectations} says (every run), or "?" when nothing is expected. */
  public boolean asExpected() {
    return switch (expected) {
      case DIRECT -> successes() == runs && paths.keySet().equals(java.util.Set.of("direct"));
      case RELAYED -> successes() == runs && paths.keySet().equals(java.util.Set.of("relayed"));
      case FAILS -> successes() == 0;
      case UNKNOWN -> true;
    };
  }

  private List<Double> sorted() {
    List<Double> v = new ArrayList<>(firstByteMs);
    v.sort(Double::compare);
    return v;
  }

  /**
   * Reads the JSON {@code p2p-node connect --repeat N --keep-going --settle MS --json} prints: each run
   * either a session description (timings.firstByteMs; the path that won is finalPath, else dcutr.path,
   * else path) or {@code {"error"}}.
   */
  public static CellResult fromConnectOutput(String from, String to, String method, double loss, int runs,
      JsonObject doc, Expectation expected) {
    List<Double> ttfb = new ArrayList<>();
    List<Double> upgrades = new ArrayList<>();
    Map<String, Integer> paths = new TreeMap<>();
    List<String> errors = new ArrayList<>();
    JsonArray list = doc.getJsonArray("runs", new JsonArray().add(doc));
    for (Object o : list) {
      JsonObject run = (JsonObject) o;
      if (run.containsKey("error")) {
        String reason = run.getString("reason");
        errors.add((reason != null ? "[" + reason + "] " : "") + firstLine(run.getString("error")));
        continue;
      }
      Double t = run.getJsonObject("timings", new JsonObject()).getDouble("firstByteMs");
      if (t == null) {
        errors.add("no echo");
        continue;
      }
      ttfb.add(t);
      if (run.getValue("directAfterMs") instanceof Number at) {
        upgrades.add(at.doubleValue());
      }
      JsonObject dcutr = run.getJsonObject("dcutr");
      String path = run.getString("finalPath") != null ? run.getString("finalPath")
          : dcutr != null && dcutr.getString("path") != null ? dcutr.getString("path") : run.getString("path", "?");
      paths.merge(path, 1, Integer::sum);
    }
    return new CellResult(from, to, method, loss, runs, ttfb, paths, errors, false, expected, upgrades);
  }

  /** A cell whose connect process failed as a whole (e.g. the method does not exist in this build). */
  public static CellResult failed(String from, String to, String method, double loss, int runs, String error,
      Expectation expected) {
    boolean na = error != null && error.contains("is not available");
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      errors.add(firstLine(error));
    }
    return new CellResult(from, to, method, loss, runs, List.of(), Map.of(), errors, na, expected);
  }

  public JsonObject toJson() {
    return new JsonObject().put("from", from).put("to", to).put("method", method).put("lossPercent", lossPercent)
        .put("runs", runs).put("firstByteMs", new JsonArray(firstByteMs)).put("paths", new JsonObject(new TreeMap<>(paths)))
        .put("errors", new JsonArray(errors)).put("notAvailable", notAvailable).put("expected", expected.label())
        .put("directAfterMs", new JsonArray(directAfterMs));
  }

  public static CellResult fromJson(JsonObject j) {
    List<Double> t = new ArrayList<>();
    j.getJsonArray("firstByteMs", new JsonArray()).forEach(x -> t.add(((Number) x).doubleValue()));
    Map<String, Integer> p = new TreeMap<>();
    j.getJsonObject("paths", new JsonObject()).forEach(e -> p.put(e.getKey(), ((Number) e.getValue()).intValue()));
    List<String> err = new ArrayList<>();
    j.getJsonArray("errors", new JsonArray()).forEach(x -> err.add(String.valueOf(x)));
    Expectation ex = Expectation.UNKNOWN;
    for (Expectation e : Expectation.values()) {
      if (e.label().equals(j.getString("expected"))) {
        ex = e;
      }
    }
    List<Double> up = new ArrayList<>();
    j.getJsonArray("directAfterMs", new JsonArray()).forEach(x -> up.add(((Number) x).doubleValue()));
    return new CellResult(j.getString("from"), j.getString("to"), j.getString("method"), j.getDouble("lossPercent", 0.0),
        j.getInteger("runs", 0), t, p, err, j.getBoolean("notAvailable", false), ex, up);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    String line = s.lines().findFirst().orElse(s);
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }
}
