package io.p2pquic.node.lab;

import static io.p2pquic.node.lab.LabProcesses.python;
import static io.p2pquic.node.lab.LabProcesses.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.PeerSpec;
import io.p2pquic.natlab.RouterNat;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 6: make-before-break behind routers that forget an idle UDP mapping after 30 s. A
 * port-restricted and a symmetric NAT (random ports), 20 ms one-way each; TCP through forward and expose
 * (method auto): the session starts on the relay and moves to the direct path hard-NAT punching finds.
 * Then the connection idles past the routers' UDP timeout, the direct path is cut, and the next bytes must
 * still arrive: through the relay, whose mappings the relay keepalives held while the session ran direct.
 * Once the direct path is back, the dialer punches again by itself and the session is direct again.
 */
class PathRotationLabTest extends LabCastLifecycle {
  private static final int UDP_TIMEOUT_S = 30;

  @BeforeAll
  static void up() throws Exception {
    cast = LabCast.start(NatLab.builder()
        .peer(PeerSpec.of("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
            .withUdpTimeout(Duration.ofSeconds(UDP_TIMEOUT_S)))
        .peer(PeerSpec.of("b", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
            .withUdpTimeout(Duration.ofSeconds(UDP_TIMEOUT_S)))
        .peer(PeerSpec.of("c", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
            .withUdpTimeout(Duration.ofSeconds(UDP_TIMEOUT_S))), "rotation");
    cast.rendezvous(LabCast.turnConfig(), cast.server, "--alt-address",
        cast.lab.serverAlternateAddress().getHostAddress());
  }

  @Test
  void aDeadPunchedPathFallsBackToTheWarmRelayAndIsPunchedAgain() throws Exception {
    Path conf = cast.dir.resolve("peer-repunch.json");
    Files.writeString(conf, new JsonObject().put("session", new JsonObject().put("repunchMillis", 5_000)).encode());
    Process target = python(cast.lab, cast.lab.hostNamespace("b"), "tcp_echo_server.py", "127.0.0.1", "9559");
    LabProcesses.Running expose = null;
    LabProcesses.Running forward = null;
    try {
      expose = new LabProcesses.Running(cast.lab, cast.lab.hostNamespace("b"), "exposing tcp", "expose", "--tcp", "9559",
          "--config", conf.toString(), "--rendezvous", cast.signal(), "--stun", cast.stun(),
          "--identity", cast.dir.resolve("expose-rot.json").toString(), "--control-port", "0");
      assertThat(expose.awaitReady(Duration.ofSeconds(60))).as(expose.output()).isTrue();
      forward = new LabProcesses.Running(cast.lab, cast.lab.hostNamespace("a"), "forwarding tcp", "forward",
          LabCast.peerId(expose), "--listen", "9612", "--config", conf.toString(), "--rendezvous", cast.signal(),
          "--stun", cast.stun(), "--identity", cast.dir.resolve("forward-rot.json").toString(), "--control-port", "0");
      assertThat(forward.awaitReady(Duration.ofSeconds(60))).as(forward.output()).isTrue();
      // One echo, 50 s of silence (past the routers' 30 s UDP timeout), one more echo.
      Process client = python(cast.lab, cast.lab.hostNamespace("a"), "tcp_idle_client.py", "127.0.0.1", "9612", "50");
      long t0 = System.nanoTime();
      assertThat(waitFor(forward, "hard-NAT punching found a direct path", Duration.ofSeconds(30))).as(forward.output())
          .isTrue();
      // 38 s after the client began: the relay has been idle for more than the routers' UDP timeout.
      Thread.sleep(Math.max(0, 38_000 - (System.nanoTime() - t0) / 1_000_000));
      cast.lab.setDirectPathBlocked("a", "b", true);
      try {
        assertThat(client.waitFor(90, TimeUnit.SECONDS)).isTrue();
      } finally {
        cast.lab.setDirectPathBlocked("a", "b", false);
      }
      String result = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(client.exitValue()).as(result + "\n--- forward:\n" + forward.output() + "\n--- expose:\n" + expose.output())
          .isZero();
      assertThat(result).contains("before=True after=True");
      assertThat(forward.output()).contains("the hard-NAT path went silent");
      // The direct path is back: the dialer punches again by itself and moves the session there.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (count(forward.output(), "hard-NAT punching found a direct path") < 2 && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      System.out.println("rotation run:\n" + String.join("\n", forward.lines.stream()
          .filter(l -> l.contains(" path ") || l.contains("re-punch") || l.contains("hard-nat")).toList()));
      assertThat(forward.output()).contains("re-punch");
      assertThat(count(forward.output(), "hard-NAT punching found a direct path")).as(forward.output()).isGreaterThanOrEqualTo(2);
    } finally {
      LabProcesses.stopAll(target, forward, expose);
    }
  }

  /**
   * The other half of "keep the relay warm": ICE selected a direct pair (two port-restricted NATs), so the
   * relayed pairs carry nothing and have no consent checks of their own; only the relay keepalives hold their
   * mappings through 50 s of silence. When the direct path is cut at 38 s the next bytes still arrive, through
   * the relay, without a new allocation, and the relay answers at once.
   */
  @Test
  void anIceDirectSessionFallsBackToARelayKeptWarmWhileIdle() throws Exception {
    Process target = python(cast.lab, cast.lab.hostNamespace("c"), "tcp_echo_server.py", "127.0.0.1", "9560");
    LabProcesses.Running expose = null;
    LabProcesses.Running forward = null;
    try {
      expose = new LabProcesses.Running(cast.lab, cast.lab.hostNamespace("c"), "exposing tcp", "expose", "--tcp", "9560",
          "--rendezvous", cast.signal(), "--stun", cast.stun(),
          "--identity", cast.dir.resolve("expose-warm.json").toString(), "--control-port", "0");
      assertThat(expose.awaitReady(Duration.ofSeconds(60))).as(expose.output()).isTrue();
      forward = new LabProcesses.Running(cast.lab, cast.lab.hostNamespace("a"), "forwarding tcp", "forward",
          LabCast.peerId(expose), "--listen", "9613", "--rendezvous", cast.signal(),
          "--stun", cast.stun(), "--identity", cast.dir.resolve("forward-warm.json").toString(), "--control-port", "0");
      assertThat(forward.awaitReady(Duration.ofSeconds(60))).as(forward.output()).isTrue();
      Process client = python(cast.lab, cast.lab.hostNamespace("a"), "tcp_idle_client.py", "127.0.0.1", "9613", "50");
      long t0 = System.nanoTime();
      assertThat(waitFor(forward, "ice selected", Duration.ofSeconds(30))).as(forward.output()).isTrue();
      assertThat(forward.lines.stream().filter(l -> l.contains("ice selected")).findFirst().orElseThrow())
          .as("ICE selected a direct pair").doesNotContain("relay");
      Thread.sleep(Math.max(0, 38_000 - (System.nanoTime() - t0) / 1_000_000));
      cast.lab.setDirectPathBlocked("a", "c", true);
      try {
        assertThat(client.waitFor(90, TimeUnit.SECONDS)).isTrue();
      } finally {
        cast.lab.setDirectPathBlocked("a", "c", false);
      }
      String result = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      System.out.println("warm relay run:\n" + String.join("\n", forward.lines.stream()
          .filter(l -> l.contains(" path") || l.contains("relay") || l.contains("consent")).toList()));
      assertThat(client.exitValue()).as(result + "\n--- forward:\n" + forward.output() + "\n--- expose:\n" + expose.output())
          .isZero();
      assertThat(result).contains("before=True after=True");
      // Warm means it answered at once: with the keepalives off (relayKeepaliveMillis 600000) the same run logged
      // "path silent  no packets back on the peer's relay" after the move, the relay's mappings being gone.
      assertThat(forward.output()).contains("back to the relay").doesNotContain("re-allocated")
          .doesNotContain("no packets back on the peer's relay");
    } finally {
      LabProcesses.stopAll(target, forward, expose);
    }
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
