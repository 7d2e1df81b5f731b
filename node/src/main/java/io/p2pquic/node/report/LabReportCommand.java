package io.p2pquic.node.report;

import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.Prerequisites;
import io.p2pquic.puncher.session.ConnectMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code p2p-node lab report}: every connect method between every pair of the lab's NATs, N runs per
 * cell, at a chosen delay and one or more loss settings; writes a Markdown report, an SVG chart and
 * the raw results per loss setting.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {
        "Runs the connection matrix in a NAT lab and writes the comparison report: for each pair of NAT "
            + "behaviours and each connect method, N connections from one warm process, each timed from "
            + "the connect call to the first echoed byte; success rate, median/min/max, the path that won "
            + "(direct or relayed, after any upgrade), and whether that is the expected outcome.",
        "Writes report-<delay>ms-<loss>loss.md, .svg and .json into --out. Needs root (network namespaces, "
            + "nftables) and python3 for the delay forwarder; pairs with port-mapping need miniupnpd. A full run "
            + "(13 pairs, 6 methods, 2 runs, two loss settings) takes about 30 minutes on two cores."},
    footer = {"",
        "Examples:",
        "  p2p-node lab report --out docs/report          all pairs and methods, 0%% and 5%% loss",
        "  p2p-node lab report --pairs port-restricted/port-restricted,symmetric/symmetric \\",
        "      --methods ice,auto --runs 1 --loss 0       two cells, quickly",
        "  p2p-node lab report --pairs symmetric/symmetric+port-mapping,symmetric/symmetric+ipv6",
        "                                                 two symmetric NATs, one gateway mapping; with IPv6",
        "  p2p-node lab report --loss 0 --runs 5 --delay 50 --out /tmp/report"})
public final class LabReportCommand implements Callable<Integer> {
  @Option(names = "--pairs", split = ",", paramLabel = "FROM/TO[+VARIANT]",
      description = "NAT pairs (default: every pair of full-cone, address-restricted, port-restricted, symmetric, "
          + "then symmetric/symmetric with each VARIANT: same-lan (one router for both), port-mapping (the peer's "
          + "router runs miniupnpd), ipv6 (global IPv6 behind stateful firewalls as well)).")
  List<String> pairs;

  @Option(names = "--methods", split = ",", paramLabel = "METHOD",
      description = "Connect methods (default: every method this build has, e.g. auto,ice,relay,dcutr).")
  List<String> methods;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "Connections per cell (default 3).")
  int runs;

  @Option(names = "--delay", paramLabel = "MS", defaultValue = "20", description = "One-way delay per router WAN (default 20).")
  long delayMs;

  @Option(names = "--loss", split = ",", paramLabel = "PERCENT", defaultValue = "0,5",
      description = "Random loss per router WAN, each direction; one report per value (default 0,5).")
  List<Double> loss;

  @Option(names = "--timeout", paramLabel = "MS", defaultValue = "15000", description = "Connect timeout per run (default 15000).")
  long timeoutMs;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "lab-report", description = "Output directory (default ./lab-report).")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Prerequisites p = NatLab.prerequisites();
    if (!p.satisfied()) {
      err.println("error: the NAT lab cannot run here: " + p.describe()
          + " (run as root on Linux with iproute2, nftables and python3)");
      return 1;
    }
    List<NatPair> pairList = pairs == null ? NatPair.full() : pairs.stream().map(NatPair::parse).toList();
    List<String> methodList = methods == null
        ? Arrays.stream(ConnectMethod.values()).map(ConnectMethod::label).toList() : methods;
    if (runs < 1) {
      err.println("error: --runs must be at least 1");
      return 2;
    }
    Files.createDirectories(out);
    return run(pairList, methodList, spec.commandLine().getOut());
  }

  /** Runs every loss setting on one lab and writes the files; 0 when every cell met its expectation. */
  int run(List<NatPair> pairList, List<String> methodList, PrintWriter progress) throws Exception {
    int unexpected = 0;
    try (MatrixRunner runner = new MatrixRunner(pairList, methodList, runs, delayMs, timeoutMs, progress)) {
      for (double l : loss) {
        long t0 = System.nanoTime();
        List<CellResult> cells = runner.run(l);
        String name = String.format(Locale.ROOT, "report-%dms-%sloss", delayMs, MatrixRunner.fmt(l));
        String title = String.format(Locale.ROOT, "Connect methods in the NAT lab: %d ms one-way per router, %s%% loss",
            delayMs, MatrixRunner.fmt(l));
        List<String> preamble = List.of(
            String.format(Locale.ROOT, "Produced by `p2p-node lab report --pairs %s --methods %s --runs %d --delay %d --loss %s"
                + " --timeout %d` (run as root) on %s, %.0f minutes for this loss setting.",
                String.join(",", pairList.stream().map(NatPair::toString).toList()), String.join(",", methodList), runs,
                delayMs, MatrixRunner.fmt(l), timeoutMs, Instant.now().toString().substring(0, 16) + "Z",
                (System.nanoTime() - t0) / 6e10),
            "",
            String.format(Locale.ROOT, "Each cell: %d connections (after one unmeasured warm-up) from one `p2p-node connect --repeat`"
                + " process behind the first"
                + " NAT to an echo peer behind the second (two routers per behaviour, each with %d ms one-way delay and %s%% random"
                + " loss each direction on its WAN; host-to-host RTT about %d ms), our rendezvous with its TURN relay on the lab's"
                + " server. Time to first byte: from the connect call to the first echoed byte. `path`: where the session ended"
                + " (direct or relayed; for dcutr after its upgrade, for the others after up to " + MatrixRunner.SETTLE_MS / 1000
                + " s for a move to direct, e.g. by hard-NAT punching)."
                + " Expected outcomes: `Expectations` in"
                + " node/src/main/java/io/p2pquic/node/report.", runs, delayMs, MatrixRunner.fmt(l), 4 * delayMs),
            "",
            "Machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + "; timings include a busy shared machine's noise.");
        Files.writeString(out.resolve(name + ".md"), MarkdownReport.render(title, preamble, cells));
        Files.writeString(out.resolve(name + ".svg"), SvgChart.render(title, cells));
        JsonArray raw = new JsonArray();
        cells.forEach(c -> raw.add(c.toJson()));
        Files.writeString(out.resolve(name + ".json"), new JsonObject().put("delayMs", delayMs).put("lossPercent", l)
            .put("runs", runs).put("cells", raw).encodePrettily());
        progress.printf("wrote %s/%s.{md,svg,json}%n", out, name);
        progress.flush();
        unexpected += (int) cells.stream().filter(c -> !c.notAvailable() && !c.asExpected()).count();
      }
    }
    if (unexpected > 0) {
      progress.printf("%d cell(s) differ from the expected outcome (marked in the report)%n", unexpected);
    }
    return 0;
  }

  /** For tests: the cells of one in-process run. */
  public static List<List<CellResult>> runInProcess(List<NatPair> pairs, List<String> methods, int runs, long delayMs,
      List<Double> loss, long timeoutMs, Path out, PrintWriter progress) throws Exception {
    LabReportCommand c = new LabReportCommand();
    c.runs = runs;
    c.delayMs = delayMs;
    c.loss = loss;
    c.timeoutMs = timeoutMs;
    c.out = out;
    Files.createDirectories(out);
    c.run(pairs, methods, progress);
    List<List<CellResult>> all = new ArrayList<>();
    for (double l : loss) {
      String name = String.format(Locale.ROOT, "report-%dms-%sloss.json", delayMs, MatrixRunner.fmt(l));
      JsonObject doc = new JsonObject(Files.readString(out.resolve(name)));
      List<CellResult> cells = new ArrayList<>();
      doc.getJsonArray("cells").forEach(o -> cells.add(CellResult.fromJson((JsonObject) o)));
      all.add(cells);
    }
    return all;
  }
}
