package io.p2pquic.node.lab;

import static io.p2pquic.node.lab.LabProcesses.randomFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15 fault matrix: 20 % loss both ways on one peer's WAN link (signalling, STUN, TURN and the
 * session alike) during the connect and the transfer, for every method. Two port-restricted cone NATs,
 * 20 ms one-way per router; 2 MiB echoed, SHA-256 compared by the CLI. Run on request ({@code mvn -pl node
 * test -Dgroups=fault-matrix -Dexcluded.groups= -Dtest=LossyLinkLabTest}): after three fixes it passed 18
 * of 18 in a row, then a CI run found a fourth failure (the first registration timing out; fixed); it goes
 * back into {@code verify} once it has a longer clean record (docs/faults.md).
 */
@org.junit.jupiter.api.Tag("fault-matrix")
class LossyLinkLabTest extends LabCastLifecycle {
  private static NatLab lab;
  private static String echoId;
  private static Path dir;
  private static String server;
  private static Path file;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20)), "loss")
        // QUIC signalling on (method quic-native attaches to the rendezvous over QUIC).
        .rendezvous(LabCast.turnConfig().put("signalling", new io.vertx.core.json.JsonObject().put("quicPort", 8089)))
        .echoPeers(List.of("b"), "--control-port", "0");
    lab = cast.lab;
    dir = cast.dir;
    server = cast.server;
    echoId = cast.id("b");
    file = randomFile(dir, "lossy.bin", 2);
    lab.setLoss("a", 20);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ice", "auto", "relay", "dcutr", "quic-native", "tcp"})
  void twoMegabytesArriveIntactAtTwentyPercentLoss(String method) throws Exception {
    long t0 = System.nanoTime();
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "echo received", "connect",
        echoId, "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
        "--file", file.toString(), "--method", method, "--timeout", "60000");
    assertThat(connect.process.waitFor(180, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    System.out.printf("20%% loss, method %s: exit %d after %.1f s%n%s%n", method, connect.process.exitValue(),
        (System.nanoTime() - t0) / 1e9, out.lines().filter(l -> l.contains("echo received") || l.contains("session ")
            || l.contains("error") || l.contains("phases")).reduce("", (x, y) -> x + y + "\n"));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("identical");
  }
}
