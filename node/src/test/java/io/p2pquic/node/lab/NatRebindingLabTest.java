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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a NAT that loses its state and maps the peer to a new public port (a router reboot, a CGNAT
 * reassignment) in the middle of a direct transfer. Two port-restricted cone NATs, 20 ms one-way per
 * router, method ice (no relay to fall back on): the transfer goes on over the new mapping and its
 * SHA-256 matches. A session left idle for longer than the routers' UDP timeout stays up with the
 * default keepalives (ICE consent every ~5 s, QUIC pings after 10 s of quiet). And a 500 ms delay spike
 * on one link mid-transfer (the NAT keeps its state) is ridden out.
 */
class NatRebindingLabTest extends LabCastLifecycle {
  private static NatLab lab;
  private static LabProcesses.Running echo;
  private static String echoId;
  private static Path dir;
  private static String server;
  private static Path fastConsent;
  private static final int UDP_TIMEOUT_S = 15;

  @BeforeAll
  static void up() throws Exception {
    // Routers forget an idle UDP mapping after 15 s (home routers: 30-180 s; the shortest seen ~20 s).
    LabCast c = LabCast.start(NatLab.builder()
        .peer(io.p2pquic.natlab.PeerSpec.of("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
            .withUdpTimeout(Duration.ofSeconds(UDP_TIMEOUT_S)))
        .peer(io.p2pquic.natlab.PeerSpec.of("b", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
            .withUdpTimeout(Duration.ofSeconds(UDP_TIMEOUT_S))), "rebind");
    cast = c;
    lab = c.lab;
    dir = c.dir;
    server = c.server;
    c.rendezvous(null);
    fastConsent = dir.resolve("peer.json");
    Files.writeString(fastConsent, new JsonObject().put("ice", new JsonObject()
        .put("consentIntervalMillis", 1000).put("disconnectedTimeoutMillis", 2500))
        // A rebinding kills the signalling connection through that NAT too: notice it within 4 s.
        .put("signalling", new JsonObject().put("heartbeatIntervalMs", 2000).put("heartbeatTimeoutMs", 2000)
            .put("reconnectMaxDelayMs", 2000)).encode());
    c.echoPeers(List.of("b"), "--config", fastConsent.toString(), "--control-port", "0");
    echo = c.peer("b");
    echoId = c.id("b");
  }

  private String transferWhileRebinding(String router) throws Exception {
    return transferDuring("rebinding " + router + "'s router", () -> lab.rebindMappings(router));
  }

  /** A 24 MiB echo over a direct ice session with {@code fault} done 0.7 s after the QUIC handshake. */
  private String transferDuring(String what, ThrowingRunnable fault) throws Exception {
    Path file = randomFile(dir, "fault-" + what.replaceAll("[^a-z0-9]+", "-") + ".bin", 24);
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "echo received", "connect",
        echoId, "--config", fastConsent.toString(), "--rendezvous", "ws://" + server + ":8088/signal",
        "--stun", server + ":3478", "--file", file.toString(), "--method", "ice", "--timeout", "60000");
    assertThat(waitFor(connect, "quic handshake done", Duration.ofSeconds(30))).as(connect.output()).isTrue();
    Thread.sleep(700);
    long t0 = System.nanoTime();
    fault.run();
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    System.out.printf("%s: the transfer ended %.1f s after the fault began%n%s%n", what,
        (System.nanoTime() - t0) / 1e9, String.join("\n", connect.lines.stream()
            .filter(l -> l.contains(" path ") || l.contains("ice ") || l.contains("echo") || l.contains("error")).toList()));
    assertThat(connect.process.exitValue()).as(out + "\n--- echo:\n" + echo.output()).isZero();
    assertThat(out).contains("identical");
    return out;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * The dialer's link goes from 20 ms to 520 ms each way (a 1 s round trip, as on a congested mobile
   * uplink) for 5 s mid-transfer, then back: the session rides it out (no false "dead path") and the echo
   * is intact.
   */
  @Test
  void aHalfSecondDelaySpikeMidTransfer() throws Exception {
    String out = transferDuring("a 500 ms delay spike on a's link", () -> {
      try {
        lab.setLinkDelay("a", Duration.ofMillis(520), Duration.ZERO);
        Thread.sleep(5_000);
      } finally {
        lab.setLinkDelay("a", Duration.ofMillis(20), Duration.ZERO);
      }
    });
    assertThat(out).contains("identical");
  }

  @Test
  void theDialersRouterRebindsMidTransfer() throws Exception {
    transferWhileRebinding("a");
  }

  @Test
  void theAcceptorsRouterRebindsMidTransfer() throws Exception {
    transferWhileRebinding("b");
  }

  /** Default peer settings: the keepalives alone must hold both routers' mappings through 40 s of quiet. */
  @Test
  void anIdleForwardedConnectionOutlivesTheRoutersUdpTimeout() throws Exception {
    Process target = python(lab, lab.hostNamespace("b"), "tcp_echo_server.py", "127.0.0.1", "9557");
    LabProcesses.Running expose = null;
    LabProcesses.Running forward = null;
    try {
      expose = new LabProcesses.Running(lab, lab.hostNamespace("b"), "exposing tcp", "expose", "--tcp", "9557",
          "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
          "--identity", dir.resolve("expose-idle.json").toString(), "--control-port", "0");
      assertThat(expose.awaitReady(Duration.ofSeconds(60))).as(expose.output()).isTrue();
      forward = new LabProcesses.Running(lab, lab.hostNamespace("a"), "forwarding tcp", "forward", LabCast.peerId(expose),
          "--listen", "9611", "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
          "--identity", dir.resolve("forward-idle.json").toString(), "--control-port", "0");
      assertThat(forward.awaitReady(Duration.ofSeconds(60))).as(forward.output()).isTrue();
      assertThat(waitFor(forward, "quic handshake done", Duration.ofSeconds(30))).as(forward.output()).isTrue();
      Process client = python(lab, lab.hostNamespace("a"), "tcp_idle_client.py", "127.0.0.1", "9611",
          Integer.toString(UDP_TIMEOUT_S * 2 + 10));
      assertThat(client.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String result = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(client.exitValue()).as(result + "\n--- forward:\n" + forward.output()).isZero();
      assertThat(result).contains("before=True after=True");
      assertThat(forward.output()).as("no restart was needed").doesNotContain("ice restart");
    } finally {
      LabProcesses.stopAll(target, forward, expose);
    }
  }

}
