package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.NatBehavior;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.p2pquic.node.report.CellResult;
import io.p2pquic.node.report.LabReportCommand;
import io.p2pquic.node.report.NatPair;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `lab report` end to end, small: two pairs (port-restricted both sides, symmetric both sides), the
 * methods ice, auto and dcutr, one run per cell at 20 ms: each cell must give what Expectations says
 * (ice direct / fails, auto direct / relayed, dcutr direct / relayed) and the Markdown and SVG files must
 * be written with every cell in them.
 */
class LabReportLabTest {
  @Test
  void aSmallMatrixMeetsItsExpectationsAndIsWritten() throws Exception {
    LabTestSupport.requireLab();
    Path out = Files.createTempDirectory("p2p-lab-report-test");
    StringWriter progress = new StringWriter();
    List<NatPair> pairs = List.of(new NatPair(NatBehavior.PORT_RESTRICTED, NatBehavior.PORT_RESTRICTED),
        new NatPair(NatBehavior.SYMMETRIC, NatBehavior.SYMMETRIC));
    List<CellResult> cells = LabReportCommand.runInProcess(pairs, List.of("ice", "auto", "dcutr"), 1, 20, List.of(0.0),
        15_000, out, new PrintWriter(progress, true)).get(0);
    System.out.println(progress);
    assertThat(cells).hasSize(6);
    for (CellResult c : cells) {
      assertThat(c.asExpected()).as("%s %s/%s: expected %s, got %d/%d %s %s%n%s", c.method(), c.from(), c.to(),
          c.expected().label(), c.successes(), c.runs(), c.paths(), c.errors(), progress).isTrue();
    }
    String md = Files.readString(out.resolve("report-20ms-0loss.md"));
    assertThat(md).contains("| port-restricted → port-restricted | ice | 1/1 |")
        .contains("| symmetric → symmetric | ice | 0/1 |")
        .contains("| symmetric → symmetric | auto | 1/1 |");
    assertThat(Files.readString(out.resolve("report-20ms-0loss.svg"))).startsWith("<svg").contains("class=\"bar\"");
    try (var files = Files.list(out)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(out);
  }
}
