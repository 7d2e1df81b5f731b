package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatBehavior;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a NAT that loses its state and maps the peer to a new public port (a router reboot, a CGNAT
 * reassignment) in the middle of a direct transfer. Two port-restricted cone NATs, 20 ms one-way per
 * router, method ice (no relay to fall back on): the transfer goes on over the new mapping and its
 * SHA-256 matches.
 */
class NatRebindingLabTest {
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");
  private static NatLab lab;
  private static LabProcesses.Running rendezvous;
  private static LabProcesses.Running echo;
  private static String echoId;
  private static Path dir;
  private static String server;
  private static Path fastConsent;

  @BeforeAll
  static void up() throws Exception {
    lab = LabTestSupport.start(NatLab.builder()
        .peer("a", NatBehavior.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", NatBehavior.PORT_RESTRICTED, LinkConditions.delayMillis(20)));
    dir = Files.createTempDirectory("p2p-rebind-lab");
    server = lab.serverAddress().getHostAddress();
    rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready", "rendezvous", "--bind", server);
    assertThat(rendezvous.awaitReady(Duration.ofSeconds(60))).as(rendezvous.output()).isTrue();
    fastConsent = dir.resolve("peer.json");
    Files.writeString(fastConsent, new JsonObject().put("ice", new JsonObject()
        .put("consentIntervalMillis", 1000).put("disconnectedTimeoutMillis", 2500))
        // A rebinding kills the signalling connection through that NAT too: notice it within 4 s.
        .put("signalling", new JsonObject().put("heartbeatIntervalMs", 2000).put("heartbeatTimeoutMs", 2000)
            .put("reconnectMaxDelayMs", 2000)).encode());
    echo = new LabProcesses.Running(lab, lab.hostNamespace("b"), "peer id:", "peer", "--echo", "--config",
        fastConsent.toString(), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
        "--identity", dir.resolve("b.json").toString(), "--control-port", "0");
    assertThat(echo.awaitReady(Duration.ofSeconds(60))).as(echo.output()).isTrue();
    Matcher m = PEER_ID.matcher(echo.output());
    assertThat(m.find()).isTrue();
    echoId = m.group(1);
  }

  @AfterAll
  static void down() throws Exception {
    if (echo != null) {
      echo.stop();
    }
    if (rendezvous != null) {
      rendezvous.stop();
    }
    if (lab != null) {
      lab.close();
    }
  }

  private static Path randomFile(String name, int megabytes) throws Exception {
    byte[] b = new byte[megabytes << 20];
    new Random(megabytes).nextBytes(b);
    Path f = dir.resolve(name);
    Files.write(f, b);
    return f;
  }

  private static boolean waitFor(LabProcesses.Running p, String text, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (p.output().contains(text) || !p.process.isAlive()) {
        return p.output().contains(text);
      }
      Thread.sleep(50);
    }
    return false;
  }

  private String transferWhileRebinding(String router) throws Exception {
    Path file = randomFile("rebind-" + router + ".bin", 24);
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("a"), "echo received", "connect",
        echoId, "--config", fastConsent.toString(), "--rendezvous", "ws://" + server + ":8088/signal",
        "--stun", server + ":3478", "--file", file.toString(), "--method", "ice", "--timeout", "60000");
    assertThat(waitFor(connect, "quic handshake done", Duration.ofSeconds(30))).as(connect.output()).isTrue();
    Thread.sleep(700);
    long t0 = System.nanoTime();
    lab.rebindMappings(router);
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    System.out.printf("rebinding %s's router: the transfer ended %.1f s after the rebinding%n%s%n", router,
        (System.nanoTime() - t0) / 1e9, String.join("\n", connect.lines.stream()
            .filter(l -> l.contains(" path ") || l.contains("ice ") || l.contains("echo") || l.contains("error")).toList()));
    assertThat(connect.process.exitValue()).as(out + "\n--- echo:\n" + echo.output()).isZero();
    assertThat(out).contains("identical");
    return out;
  }

  @Test
  void theDialersRouterRebindsMidTransfer() throws Exception {
    transferWhileRebinding("a");
  }

  @Test
  void theAcceptorsRouterRebindsMidTransfer() throws Exception {
    transferWhileRebinding("b");
  }
}
