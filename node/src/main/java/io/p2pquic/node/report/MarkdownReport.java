package io.p2pquic.node.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The comparison report as Markdown: per pair of NATs and method the success rate, median/min/max time
 * to first echoed byte, the path that won and whether that is what {@link Expectations} says; then an
 * overview matrix and the fastest method per pair.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  /**
   * @param title first heading
   * @param preamble lines under the title (command, conditions, machine)
   * @param cells one loss setting's cells, in run order
   */
  public static String render(String title, List<String> preamble, List<CellResult> cells) {
    StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
    preamble.forEach(l -> md.append(l).append('\n'));
    md.append('\n');
    List<String> methods = methods(cells);
    Map<String, List<CellResult>> byPair = byPair(cells);

    md.append("## Overview: median time to first byte (ms) and the path that won\n\n");
    boolean hardNatColumn = methods.contains("auto");
    md.append("| pair |");
    methods.forEach(m -> md.append(' ').append(m).append(" |"));
    md.append(hardNatColumn ? " hard-NAT punching (auto) |" : "");
    md.append("\n| --- |");
    methods.forEach(m -> md.append(" ---: |"));
    md.append(hardNatColumn ? " --- |" : "");
    md.append('\n');
    for (Map.Entry<String, List<CellResult>> e : byPair.entrySet()) {
      md.append("| ").append(e.getKey()).append(" |");
      for (String m : methods) {
        CellResult c = find(e.getValue(), m);
        md.append(' ').append(c == null ? "" : overview(c)).append(" |");
      }
      if (hardNatColumn) {
        md.append(' ').append(hardNat(find(e.getValue(), "auto"))).append(" |");
      }
      md.append('\n');
    }
    md.append("\n✗: no run connected; (r): relayed; a cell marked ⚠ differs from the expected outcome."
        + (hardNatColumn ? " Hard-NAT punching: how many of `auto`'s runs it moved to a direct path and the median time"
            + " from the connect call (docs/ice.md, \"Hard-NAT punching\"); \"not needed\" where another direct path"
            + " exists." : "") + "\n\n");

    md.append("## Fastest method per pair\n\n| pair | fastest | median ms | next | median ms | ahead by |\n"
        + "| --- | --- | ---: | --- | ---: | ---: |\n");
    for (Map.Entry<String, List<CellResult>> e : byPair.entrySet()) {
      List<CellResult> ok = new ArrayList<>(e.getValue().stream().filter(c -> c.successes() > 0).toList());
      ok.sort((a, b) -> Double.compare(a.median(), b.median()));
      if (ok.isEmpty()) {
        md.append("| ").append(e.getKey()).append(" | none connected | | | | |\n");
        continue;
      }
      CellResult first = ok.get(0);
      CellResult next = ok.size() > 1 ? ok.get(1) : null;
      md.append(String.format(Locale.ROOT, "| %s | %s (%s) | %.0f | %s | %s | %s |%n", e.getKey(), first.method(),
          first.winningPath(), first.median(), next == null ? "" : next.method() + " (" + next.winningPath() + ")",
          next == null ? "" : String.format(Locale.ROOT, "%.0f", next.median()),
          next == null ? "" : String.format(Locale.ROOT, "%.0f ms (%.0f%%)", next.median() - first.median(),
              100 * (next.median() - first.median()) / next.median())));
    }

    md.append("\n## Every cell\n\n| pair | method | connected | median ms | min ms | max ms | path that won | expected | as expected | "
        + "first error |\n"
        + "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- |\n");
    for (Map.Entry<String, List<CellResult>> e : byPair.entrySet()) {
      for (CellResult c : e.getValue()) {
        md.append(row(e.getKey(), c)).append('\n');
      }
    }
    List<CellResult> upgraded = cells.stream().filter(c -> !c.directAfterMs().isEmpty()).toList();
    if (!upgraded.isEmpty()) {
      md.append("\n## Upgrades from the relay to a direct path\n\n"
          + "| pair | method | runs upgraded | median ms after the connect call | how |\n| --- | --- | ---: | ---: | --- |\n");
      for (CellResult c : upgraded) {
        md.append(String.format(Locale.ROOT, "| %s → %s | %s | %d/%d | %.0f | %s |%n", c.from(), c.to(), c.method(),
            c.directAfterMs().size(), c.runs(), c.medianDirectAfterMs(), upgradedBy(c)));
      }
    }
    return md.toString();
  }

  /** What moved a cell's sessions to a direct path. */
  static String upgradedBy(CellResult c) {
    if (c.method().equals("dcutr")) {
      return "DCUtR";
    }
    NatPair pair = pairOf(c);
    if (pair == null) {
      return "?";
    }
    if (hardNatApplies(pair)) {
      return "hard-NAT punching";
    }
    return "ICE (a direct pair validated after the relayed one)";
  }

  /** The pair a cell was measured on, or null when its names are not the lab's. */
  static NatPair pairOf(CellResult c) {
    try {
      return NatPair.parse(c.from() + "/" + c.to());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Hard-NAT punching is what can go direct: no other direct path, and one side's NAT keeps one mapping. */
  static boolean hardNatApplies(NatPair p) {
    return p.variant() == NatPair.Variant.NONE && !Expectations.directUdpPath(p.from(), p.to())
        && Expectations.hardNatPunchable(p.from(), p.to());
  }

  /** The overview's hard-NAT column for a pair, from its auto cell. */
  static String hardNat(CellResult auto) {
    NatPair p = auto == null ? null : pairOf(auto);
    if (p == null) {
      return "";
    }
    if (hardNatApplies(p)) {
      return auto.directAfterMs().isEmpty() ? "0/" + auto.runs() + " ⚠"
          : String.format(Locale.ROOT, "%d/%d, %.1f s", auto.directAfterMs().size(), auto.runs(),
              auto.medianDirectAfterMs() / 1000);
    }
    if (p.variant() == NatPair.Variant.NONE && !Expectations.directUdpPath(p.from(), p.to())) {
      return "not possible: both map per destination";
    }
    return "not needed";
  }

  static String row(String pair, CellResult c) {
    if (c.notAvailable()) {
      return String.format(Locale.ROOT, "| %s | %s | n/a | | | | | %s | | %s |", pair, c.method(), c.expected().label(),
          escape(c.errors().isEmpty() ? "" : c.errors().get(0)));
    }
    boolean any = c.successes() > 0;
    return String.format(Locale.ROOT, "| %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s |", pair, c.method(),
        c.successes(), c.runs(), any ? fmt(c.median()) : "", any ? fmt(c.min()) : "", any ? fmt(c.max()) : "",
        paths(c), c.expected().label(), c.expected() == Expectation.UNKNOWN ? "" : c.asExpected() ? "yes" : "**no**",
        escape(c.errors().isEmpty() ? "" : c.errors().get(0)));
  }

  private static String overview(CellResult c) {
    if (c.notAvailable()) {
      return "n/a";
    }
    String mark = c.expected() != Expectation.UNKNOWN && !c.asExpected() ? " ⚠" : "";
    if (c.successes() == 0) {
      return "✗" + mark;
    }
    String rate = c.successes() < c.runs() ? " " + c.successes() + "/" + c.runs() : "";
    return fmt(c.median()) + ("relayed".equals(c.winningPath()) ? " (r)" : "") + rate + mark;
  }

  private static String paths(CellResult c) {
    if (c.paths().isEmpty()) {
      return "-";
    }
    if (c.paths().size() == 1) {
      return c.paths().keySet().iterator().next();
    }
    StringBuilder sb = new StringBuilder();
    c.paths().forEach((k, v) -> sb.append(sb.length() > 0 ? ", " : "").append(k).append(' ').append(v));
    return sb.toString();
  }

  static List<String> methods(List<CellResult> cells) {
    Set<String> m = new LinkedHashSet<>();
    cells.forEach(c -> m.add(c.method()));
    return List.copyOf(m);
  }

  static Map<String, List<CellResult>> byPair(List<CellResult> cells) {
    Map<String, List<CellResult>> out = new LinkedHashMap<>();
    cells.forEach(c -> out.computeIfAbsent(c.from() + " → " + c.to(), k -> new ArrayList<>()).add(c));
    return out;
  }

  private static CellResult find(List<CellResult> cells, String method) {
    return cells.stream().filter(c -> c.method().equals(method)).findFirst().orElse(null);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String escape(String s) {
    return s.replace("|", "\\|");
  }
}
