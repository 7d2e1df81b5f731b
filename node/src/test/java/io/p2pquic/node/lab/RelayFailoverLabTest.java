package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A relay node dies in the middle of a transfer ({@link RelayClusterLab}: two relay nodes, both in the
 * grant, so each peer holds an allocation on each). The session runs through one relay; that relay
 * process is killed (SIGKILL); QUIC stops hearing from the path, the dialer moves to the pairs through
 * the other relay, and the transfer completes with its SHA-256 intact.
 */
class RelayFailoverLabTest {
  private static RelayClusterLab relays;

  @BeforeAll
  static void up() throws Exception {
    relays = new RelayClusterLab(3);
  }

  @AfterAll
  static void down() throws Exception {
    if (relays != null) {
      relays.close();
    }
  }

  @Test
  void killingTheRelayNodeInUseMovesTheSessionToTheOtherRelayIntact() throws Exception {
    LabProcesses.Running connect = relays.transfer(24 << 20);
    String relayInUse = RelayClusterLab.relayInUse(connect, Duration.ofSeconds(40));
    assertThat(relayInUse).as("the session runs through one of the relays:%n%s", connect.output()).isNotNull();
    relays.relay(relayInUse).process.destroyForcibly(); // a crash: no deallocation, no goodbye
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    List<String> paths = RelayClusterLab.paths(connect);
    System.out.println("relay 203.0.113." + relayInUse + " killed; paths:\n" + String.join("\n", paths));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("identical");
    String other = relayInUse.equals("11") ? "203.0.113.10:" : "203.0.113.11:";
    assertThat(paths.get(paths.size() - 1)).as("the session ends on the other relay:%n%s", out).contains(other);
  }
}
