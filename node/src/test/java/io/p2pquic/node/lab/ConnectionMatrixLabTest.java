package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.junit.LabTestSupport;
import io.p2pquic.node.report.CellResult;
import io.p2pquic.node.report.Expectation;
import io.p2pquic.node.report.LabReportCommand;
import io.p2pquic.node.report.NatPair;
import io.p2pquic.puncher.session.ConnectMethod;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The full NAT matrix for every connect method, through `lab report`'s own runner: every pair of the
 * lab's NAT behaviours (full cone, address-restricted, port-restricted, symmetric; two routers each,
 * 20 ms one-way per router), every method, one measured session per cell after a warm-up, and each
 * cell must give what {@code Expectations} says: ice, quic-native and tcp direct wherever a direct
 * path exists and a clean failure (the reason named, before the timeout) elsewhere; auto and dcutr
 * direct where possible and relayed elsewhere, so every pair connects; relay relayed everywhere.
 * The Markdown and SVG report of the run is written as the command writes it.
 */
class ConnectionMatrixLabTest {
  private static final Map<String, String> FAILURE_REASON = Map.of(
      "ice", "no direct path",
      "quic-native", "no direct path",
      "tcp", "TCP simultaneous open failed after 3 attempts");

  @Test
  void everyMethodGivesTheExpectedOutcomeInEveryCell() throws Exception {
    LabTestSupport.requireLab();
    Path out = Files.createTempDirectory("p2p-matrix");
    StringWriter progress = new StringWriter();
    List<String> methods = Arrays.stream(ConnectMethod.values()).map(ConnectMethod::label).toList();
    List<CellResult> cells = LabReportCommand.runInProcess(NatPair.all(), methods, 1, 20, List.of(0.0), 15_000, out,
        new PrintWriter(progress, true)).get(0);
    String md = Files.readString(out.resolve("report-20ms-0loss.md"));
    System.out.println(progress);
    System.out.println(md);
    assertThat(cells).hasSize(NatPair.all().size() * methods.size());
    for (CellResult c : cells) {
      String what = String.format("%s %s -> %s: expected %s, got %d/%d %s %s", c.method(), c.from(), c.to(),
          c.expected().label(), c.successes(), c.runs(), c.paths(), c.errors());
      assertThat(c.notAvailable()).as(what).isFalse();
      assertThat(c.expected()).as(what).isNotEqualTo(Expectation.UNKNOWN);
      assertThat(c.asExpected()).as(what).isTrue();
      if (c.expected() == Expectation.FAILS) {
        assertThat(c.errors()).as("a failure says why, before the connect timeout: " + what)
            .allSatisfy(e -> assertThat(e).contains(FAILURE_REASON.get(c.method())));
      }
    }
    assertThat(cells.stream().filter(c -> c.method().equals("auto"))).as("auto connects every pair")
        .allSatisfy(c -> assertThat(c.successes()).isEqualTo(c.runs()));
    String svg = Files.readString(out.resolve("report-20ms-0loss.svg"));
    assertThat(svg).startsWith("<svg").contains("class=\"bar\"");
    assertThat(md).contains("## Fastest method per pair");
    try (var files = Files.list(out)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(out);
  }
}
