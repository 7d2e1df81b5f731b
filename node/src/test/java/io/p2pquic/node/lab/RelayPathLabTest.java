package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.vertx.core.json.JsonObject;
import static io.p2pquic.node.lab.LabProcesses.python;
import static io.p2pquic.node.lab.LabProcesses.randomFile;
import static io.p2pquic.node.lab.LabProcesses.waitFor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code auto} method in the NAT lab with our rendezvous's TURN relay: a transfer that starts on the
 * relay (the direct path blocked by nftables on both routers) crosses the upgrade to direct intact, and
 * a transfer on the direct path crosses the fallback to the relay intact when the direct path is cut.
 * Two port-restricted cone NATs, 20 ms one-way delay per router. Integrity: the CLI compares the
 * SHA-256 of the echo with what it sent and exits 1 if they differ.
 */
class RelayPathLabTest extends LabCastLifecycle {
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");
  private static NatLab lab;
  private static LabProcesses.Running echo;
  private static String echoId;
  private static Path dir;
  private static String server;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20)), "relay")
        .rendezvous(LabCast.turnConfig()).echoPeers(List.of("b"));
    lab = cast.lab;
    dir = cast.dir;
    server = cast.server;
    echo = cast.peer("b");
    echoId = cast.id("b");
  }

  /**
   * A peer configuration file {@code name} in the test's directory with faster ICE consent, so that a
   * test does not wait the default 10 s before the fallback to the relay.
   */
  private static Path fastConsentConfig(String name) throws Exception {
    Path conf = dir.resolve(name);
    Files.writeString(conf, new JsonObject().put("ice", new JsonObject()
        .put("consentIntervalMillis", 1000).put("disconnectedTimeoutMillis", 2500)).encode());
    return conf;
  }

  private static List<String> pathLines(LabProcesses.Running p) {
    return p.lines.stream().filter(l -> l.matches(".*\\bme\\s+path\\s+.*")).toList();
  }

  @Test
  void transferStartsOnTheRelayAndCrossesTheUpgradeToDirectIntact() throws Exception {
    Path file = randomFile(dir, "up.bin", 24);
    lab.setDirectPathBlocked("a", "b", true);
    LabProcesses.Running connect;
    try {
      connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "echo received", "connect", echoId,
          "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
          "--file", file.toString(), "--method", "auto", "--timeout", "30000");
      assertThat(waitFor(connect, "quic dialing", Duration.ofSeconds(30))).as(connect.output()).isTrue();
      Thread.sleep(1_000); // QUIC and the first bytes run on the relay meanwhile
    } finally {
      lab.setDirectPathBlocked("a", "b", false);
    }
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    System.out.println("upgrade run:\n" + String.join("\n", pathLines(connect)));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("identical");
    List<String> paths = pathLines(connect);
    assertThat(paths).as(out).isNotEmpty();
    assertThat(paths.get(0)).as("QUIC starts on a relay (ours or the peer's)").contains("relay");
    assertThat(paths.get(paths.size() - 1)).as("and ends on the direct path to the peer's router")
        .containsPattern("-> direct 203\\.0\\.113\\.1\\d\\d:");
    int handshake = out.indexOf("quic handshake done");
    int upgrade = out.indexOf("-> direct 203.0.113.1");
    assertThat(handshake).as("QUIC came up on the relay, before the direct path existed: %s", out)
        .isPositive().isLessThan(upgrade);
  }

  @Test
  void transferOnTheDirectPathFallsBackToTheRelayIntactWhenTheDirectPathIsCut() throws Exception {
    Path file = randomFile(dir, "down.bin", 32);
    Path conf = fastConsentConfig("peer-fast-consent.json");
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "echo received", "connect",
        echoId, "--config", conf.toString(), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
        "--file", file.toString(), "--method", "auto", "--timeout", "30000");
    try {
      assertThat(waitFor(connect, "quic handshake done", Duration.ofSeconds(30))).as(connect.output()).isTrue();
      Thread.sleep(300);
      lab.setDirectPathBlocked("a", "b", true);
      assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    } finally {
      lab.setDirectPathBlocked("a", "b", false);
    }
    String out = connect.output();
    System.out.println("fallback run:\n" + String.join("\n", pathLines(connect)));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("identical");
    assertThat(out).contains("back to the relay");
  }

  /** The same fallback for bytes that come from ordinary programs: TCP through forward and expose. */
  @Test
  void forwardTransferFallsBackToTheRelayIntactWhenTheDirectPathIsCut() throws Exception {
    Path file = randomFile(dir, "forward-down.bin", 32);
    Path conf = fastConsentConfig("peer-fast-consent-fwd.json");
    Process target = python(lab, lab.hostNamespace("b"), "tcp_echo_server.py", "127.0.0.1", "9556");
    LabProcesses.Running expose = null;
    LabProcesses.Running forward = null;
    try {
      expose = new LabProcesses.Running(lab, lab.hostNamespace("b"), "exposing tcp", "expose", "--tcp", "9556",
          "--config", conf.toString(), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
          "--identity", dir.resolve("expose-fb.json").toString(), "--control-port", "0");
      assertThat(expose.awaitReady(Duration.ofSeconds(60))).as(expose.output()).isTrue();
      Matcher m = PEER_ID.matcher(expose.output());
      assertThat(m.find()).isTrue();
      forward = new LabProcesses.Running(lab, lab.hostNamespace("a"), "forwarding tcp", "forward", m.group(1),
          "--listen", "9610", "--config", conf.toString(), "--rendezvous", "ws://" + server + ":8088/signal",
          "--stun", server + ":3478", "--identity", dir.resolve("forward-fb.json").toString(), "--control-port", "0");
      assertThat(forward.awaitReady(Duration.ofSeconds(60))).as(forward.output()).isTrue();
      assertThat(waitFor(forward, "quic handshake done", Duration.ofSeconds(30))).as(forward.output()).isTrue();
      Process client = python(lab, lab.hostNamespace("a"), "tcp_sha_client.py", "127.0.0.1", "9610", file.toString());
      try {
        Thread.sleep(500);
        lab.setDirectPathBlocked("a", "b", true);
        assertThat(client.waitFor(120, TimeUnit.SECONDS)).isTrue();
      } finally {
        lab.setDirectPathBlocked("a", "b", false);
      }
      String result = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(client.exitValue()).as(result + "\n" + forward.output()).isZero();
      assertThat(result).contains("received " + (32 << 20));
      assertThat(forward.output()).contains("back to the relay");
    } finally {
      LabProcesses.stopAll(target, forward, expose);
    }
  }

  /** A python3 helper from the test resources, run in a lab namespace. */

  /**
   * Issue 10: the rendezvous process is killed and started again while a {@code forward} transfer runs;
   * the transfer (TCP through forward -> QUIC -> expose -> TCP echo server) keeps its SHA-256, both peers
   * register again by themselves, and afterwards new sessions to them succeed.
   */
  @Test
  void forwardTransferSurvivesARendezvousRestartAndNewSessionsSucceedAfterwards() throws Exception {
    Process server = python(lab, lab.hostNamespace("b"), "tcp_echo_server.py", "127.0.0.1", "9555");
    LabProcesses.Running expose = null;
    LabProcesses.Running forward = null;
    try {
      expose = new LabProcesses.Running(lab, lab.hostNamespace("b"), "exposing tcp", "expose", "--tcp", "9555",
          "--rendezvous", "ws://" + server() + ":8088/signal", "--stun", server() + ":3478",
          "--identity", dir.resolve("expose.json").toString(), "--control-port", "0");
      assertThat(expose.awaitReady(Duration.ofSeconds(60))).as(expose.output()).isTrue();
      String exposeId = LabCast.peerId(expose);
      forward = new LabProcesses.Running(lab, lab.hostNamespace("a"), "forwarding tcp", "forward", exposeId,
          "--listen", "9600", "--rendezvous", "ws://" + server() + ":8088/signal", "--stun", server() + ":3478",
          "--identity", dir.resolve("forward.json").toString(), "--control-port", "0");
      assertThat(forward.awaitReady(Duration.ofSeconds(60))).as(forward.output()).isTrue();
      Path file = randomFile(dir, "forward.bin", 16);
      Process client = python(lab, lab.hostNamespace("a"), "tcp_sha_client.py", "127.0.0.1", "9600", file.toString());
      Thread.sleep(1_500); // bytes flowing
      cast.restartRendezvous(Duration.ofSeconds(1));
      assertThat(client.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String result = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(client.exitValue()).as(result + "\n" + forward.output() + "\n--- expose:\n" + expose.output()).isZero();
      assertThat(result).contains("received " + (16 << 20));
      assertThat(waitFor(expose, "registered again", Duration.ofSeconds(60))).as(expose.output()).isTrue();
      assertThat(waitFor(forward, "registered again", Duration.ofSeconds(60))).as(forward.output()).isTrue();
      assertThat(waitFor(echo, "registered again", Duration.ofSeconds(60))).as(echo.output()).isTrue();
      // New sessions after the restart: to the echo peer, and a second forward to the exposing peer.
      LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "echo received", "connect",
          echoId, "--rendezvous", "ws://" + server() + ":8088/signal", "--stun", server() + ":3478", "--send", "again");
      assertThat(connect.process.waitFor(60, TimeUnit.SECONDS)).as(connect.output()).isTrue();
      assertThat(connect.process.exitValue()).as(connect.output()).isZero();
      LabProcesses.Running second = new LabProcesses.Running(lab, lab.hostNamespace("a"), "forwarding tcp", "forward",
          exposeId, "--listen", "9601", "--rendezvous", "ws://" + server() + ":8088/signal", "--stun", server() + ":3478",
          "--control-port", "0");
      try {
        assertThat(second.awaitReady(Duration.ofSeconds(60))).as(second.output()).isTrue();
        Process again = python(lab, lab.hostNamespace("a"), "tcp_sha_client.py", "127.0.0.1", "9601", file.toString());
        assertThat(again.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as(new String(again.getInputStream().readAllBytes(),
            java.nio.charset.StandardCharsets.UTF_8) + second.output()).isZero();
      } finally {
        second.stop();
      }
    } finally {
      if (forward != null) {
        forward.stop();
      }
      if (expose != null) {
        expose.stop();
      }
      server.destroyForcibly();
    }
  }

  private static String server() {
    return server;
  }
}
