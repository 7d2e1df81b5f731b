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
 * Method tcp through real NATs (20 ms per router): TCP simultaneous open succeeds between cone NATs and
 * from a symmetric NAT to a full cone, and fails cleanly (the reason named, within the connect timeout)
 * where a symmetric NAT meets one that filters by port. Runs through the lab report's matrix runner.
 */
class TcpSimultaneousOpenLabTest {
  @Test
  void tcpConnectsWhereTheNatsAllowAndFailsCleanlyElsewhere() throws Exception {
    LabTestSupport.requireLab();
    Path out = Files.createTempDirectory("p2p-tcp-lab");
    StringWriter progress = new StringWriter();
    List<NatPair> pairs = List.of(new NatPair(NatBehavior.PORT_RESTRICTED, NatBehavior.PORT_RESTRICTED),
        new NatPair(NatBehavior.FULL_CONE, NatBehavior.SYMMETRIC),
        new NatPair(NatBehavior.PORT_RESTRICTED, NatBehavior.SYMMETRIC));
    List<CellResult> cells = LabReportCommand.runInProcess(pairs, List.of("tcp"), 1, 20, List.of(0.0), 15_000, out,
        new PrintWriter(progress, true)).get(0);
    System.out.println(progress);
    for (CellResult c : cells) {
      assertThat(c.asExpected()).as("tcp %s/%s: expected %s, got %d/%d %s %s", c.from(), c.to(), c.expected().label(),
          c.successes(), c.runs(), c.paths(), c.errors()).isTrue();
    }
    CellResult failing = cells.get(2);
    assertThat(failing.errors()).allSatisfy(e -> assertThat(e).contains("TCP simultaneous open failed after 3 attempts"));
    try (var files = Files.list(out)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(out);
  }
}
