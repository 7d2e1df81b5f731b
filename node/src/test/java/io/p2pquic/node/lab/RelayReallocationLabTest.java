package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The only relay a session holds dies mid-transfer ({@link RelayClusterLab} with grants of one relay, so
 * neither peer has an allocation elsewhere). The dialer notices the silence, asks the rendezvous for a
 * fresh grant, skips the dead node (the directory lists it for a few more seconds), allocates on the other
 * relay, and restarts ICE with the new relayed candidate and the dead relay named; the peer re-allocates
 * too. The transfer completes with its SHA-256 intact, on the other relay.
 */
class RelayReallocationLabTest {
  private static RelayClusterLab relays;

  @BeforeAll
  static void up() throws Exception {
    relays = new RelayClusterLab(1);
  }

  @AfterAll
  static void down() throws Exception {
    if (relays != null) {
      relays.close();
    }
  }

  @Test
  void whenTheOnlyRelayDiesTheSessionReallocatesOnAnotherAndTheTransferCompletes() throws Exception {
    LabProcesses.Running connect = relays.transfer(24 << 20);
    String relayInUse = RelayClusterLab.relayInUse(connect, Duration.ofSeconds(40));
    assertThat(relayInUse).as("the session runs through one of the relays:%n%s", connect.output()).isNotNull();
    String other = relayInUse.equals("11") ? "203.0.113.10" : "203.0.113.11";
    assertThat(connect.lines.stream().filter(l -> l.contains("candidate") && l.contains("typ relay")).toList())
        .as("a grant of one relay: no allocation on %s before the kill:%n%s", other, connect.output())
        .noneMatch(l -> l.contains(" UDP 16777215 " + other + " "));
    relays.relay(relayInUse).process.destroyForcibly();
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    List<String> paths = RelayClusterLab.paths(connect);
    System.out.println("only relay 203.0.113." + relayInUse + " killed; paths:\n" + String.join("\n", paths));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("identical").contains("relay re-allocated");
    assertThat(paths.get(paths.size() - 1)).as("the session ends on the other relay:%n%s", out).contains(other + ":");
    String peer = relays.echo.output();
    assertThat(peer).as("the peer was told which relay went silent and replaced its allocation:%n%s", peer)
        .contains("relay dropped").contains("relay re-allocated");
  }
}
