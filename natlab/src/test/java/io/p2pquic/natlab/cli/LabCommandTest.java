package io.p2pquic.natlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.PeerSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Command-line parsing and help, without creating anything (no root needed). */
class LabCommandTest {

  @Test
  void upOptionsBecomePeerSpecs() {
    LabCommand.Up up = new LabCommand.Up();
    new CommandLine(up).parseArgs("--peers", "a=port-restricted,b=symmetric", "--delay", "20",
        "--jitter", "a=5", "--loss", "b=1.5", "--udp-timeout", "30");
    List<PeerSpec> specs = up.specs();
    assertThat(specs).extracting(PeerSpec::nat)
        .containsExactly(RouterNat.PORT_RESTRICTED, RouterNat.SYMMETRIC);
    assertThat(specs.get(0).link().delay()).isEqualTo(Duration.ofMillis(20));
    assertThat(specs.get(1).link().delay()).isEqualTo(Duration.ofMillis(20));
    assertThat(specs.get(0).link().jitter()).isEqualTo(Duration.ofMillis(5));
    assertThat(specs.get(1).link().jitter()).isZero();
    assertThat(specs.get(1).link().lossPercent()).isEqualTo(1.5);
    assertThat(specs.get(0).udpTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(up.stateFile.toString()).isEqualTo(LabCommand.DEFAULT_STATE_FILE);
  }

  @Test
  void badPeersAreAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new LabCommand());
    cli.setErr(new PrintWriter(err, true));
    int rc = cli.execute("up", "--peers", "a=carrier-grade", "--state-file", "/nonexistent/x.json");
    assertThat(rc).isEqualTo(2);
    assertThat(err.toString()).contains("unknown NAT behaviour 'carrier-grade'");
  }

  @Test
  void helpDescribesEverySubcommandWithExamples() {
    for (String sub : List.of("up", "down", "status")) {
      StringWriter out = new StringWriter();
      CommandLine cli = new CommandLine(new LabCommand());
      cli.setOut(new PrintWriter(out, true));
      assertThat(cli.execute(sub, "--help")).isZero();
      assertThat(out.toString()).as(sub).contains("Usage: lab " + sub).contains("Examples:")
          .contains("--state-file");
    }
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new LabCommand());
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("--help")).isZero();
    assertThat(out.toString()).contains("up", "down", "status", "203.0.113.10");
  }
}
