package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatBehavior;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonArray;
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
 * A relay node dies in the middle of a transfer. Three rendezvous processes form a Hazelcast cluster on
 * the lab's server: a signalling-only node (203.0.113.10:8088, no relay, the shared secret) and two
 * relay nodes (203.0.113.11:3478 and 203.0.113.10:3479) that announce themselves in the relay
 * directory. Peers configure no relay: the signalling node's grant lists both. Two symmetric NATs (no
 * direct path); the session runs through one relay; that relay process is killed (SIGKILL); QUIC stops
 * hearing from the path, the dialer moves to the pairs through the other relay, and the transfer
 * completes with its SHA-256 intact.
 */
class RelayFailoverLabTest {
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");
  private static final String SECRET = "failover-secret-" + System.nanoTime();
  private static NatLab lab;
  private static LabProcesses.Running signalling;
  private static LabProcesses.Running relay11;
  private static LabProcesses.Running relay10;
  private static LabProcesses.Running echo;
  private static String echoId;
  private static Path dir;

  @BeforeAll
  static void up() throws Exception {
    lab = LabTestSupport.start(NatLab.builder()
        .peer("c", NatBehavior.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("d", NatBehavior.SYMMETRIC, LinkConditions.delayMillis(20)));
    dir = Files.createTempDirectory("p2p-failover-lab");
    JsonObject directory = new JsonObject().put("announceIntervalMs", 1000);
    Path noRelay = dir.resolve("signalling.json");
    Files.writeString(noRelay, new JsonObject().put("turn", new JsonObject().put("enabled", false)
        .put("authSecret", SECRET)).put("relays", directory).encode());
    Path relayConf = dir.resolve("relay.json");
    Files.writeString(relayConf, new JsonObject().put("turn", new JsonObject()
        .put("authSecret", SECRET)
        .put("allowedPeerRanges", new JsonArray(List.of("203.0.113.0/24", "10.0.0.0/8")))
        .put("bandwidthBytesPerSecond", 200_000_000L)).put("relays", directory).encode());
    // The shipped cluster.xml (TCP-IP join on 127.0.0.1, inside the server's namespace) with a name of
    // this run's own.
    Path clusterXml = dir.resolve("cluster.xml");
    Files.writeString(clusterXml, Files.readString(Path.of("..", "conf", "cluster.xml"))
        .replace("<cluster-name>p2p-quic</cluster-name>", "<cluster-name>failover-" + System.nanoTime() + "</cluster-name>"));
    signalling = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
        "rendezvous", "--config", noRelay.toString(), "--bind", "203.0.113.10",
        "--cluster", "--cluster-config", clusterXml.toString());
    assertThat(signalling.awaitReady(Duration.ofSeconds(90))).as(signalling.output()).isTrue();
    relay11 = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
        "rendezvous", "--config", relayConf.toString(), "--bind", "203.0.113.11",
        "--cluster", "--cluster-config", clusterXml.toString());
    relay10 = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
        "rendezvous", "--config", relayConf.toString(), "--bind", "203.0.113.10", "--stun-port", "3479",
        "--http-port", "8089", "--cluster", "--cluster-config", clusterXml.toString());
    for (LabProcesses.Running r : List.of(relay11, relay10)) {
      assertThat(r.awaitReady(Duration.ofSeconds(90))).as(r.output()).isTrue();
    }
    // The signalling node grants relays from the directory: wait until it knows both.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String health = "";
    while (System.nanoTime() < deadline) {
      health = lab.run(lab.serverNamespace(), Duration.ofSeconds(10),
          List.of("curl", "-s", "http://203.0.113.10:8088/health")).stdout();
      if (health.contains("\"relays\":2")) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(health).as("the signalling node's directory knows both relays").contains("\"relays\":2");
    Path peerConf = peerConfig("peer");
    echo = new LabProcesses.Running(lab, lab.hostNamespace("d"), "peer id:", "peer", "--config", peerConf.toString(),
        "--rendezvous", "ws://203.0.113.10:8088/signal", "--stun", "203.0.113.10:3478",
        "--identity", dir.resolve("d.json").toString());
    assertThat(echo.awaitReady(Duration.ofSeconds(60))).as(echo.output()).isTrue();
    Matcher m = PEER_ID.matcher(echo.output());
    assertThat(m.find()).isTrue();
    echoId = m.group(1);
  }

  /** No relay configured (the grant from the signalling node lists them); fast consent for the test. */
  static Path peerConfig(String user) throws Exception {
    Path f = dir.resolve(user + "-conf.json");
    Files.writeString(f, new JsonObject()
        .put("ice", new JsonObject().put("consentIntervalMillis", 1000).put("disconnectedTimeoutMillis", 2500))
        .encode());
    return f;
  }

  @AfterAll
  static void down() throws Exception {
    for (LabProcesses.Running p : new LabProcesses.Running[] {echo, relay10, relay11, signalling}) {
      if (p != null) {
        p.stop();
      }
    }
    if (lab != null) {
      lab.close();
    }
    if (dir != null) {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void killingTheRelayNodeInUseMovesTheSessionToTheOtherRelayIntact() throws Exception {
    byte[] b = new byte[24 << 20];
    new Random(24).nextBytes(b);
    Path file = dir.resolve("failover.bin");
    Files.write(file, b);
    LabProcesses.Running connect = new LabProcesses.Running(lab, lab.hostNamespace("c"), "echo received", "connect",
        echoId, "--config", peerConfig("connect").toString(), "--rendezvous", "ws://203.0.113.10:8088/signal",
        "--stun", "203.0.113.10:3478", "--file", file.toString(), "--method", "auto", "--timeout", "30000");
    long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    String relayInUse = null;
    while (relayInUse == null && System.nanoTime() < end && connect.process.isAlive()) {
      if (connect.output().contains("quic handshake done")) {
        List<String> paths = connect.lines.stream().filter(l -> l.matches(".*\\bme\\s+path\\s+.*")).toList();
        String last = paths.isEmpty() ? "" : paths.get(paths.size() - 1);
        relayInUse = last.contains("203.0.113.11") ? "11" : last.contains("203.0.113.10") ? "10" : null;
      }
      Thread.sleep(50);
    }
    assertThat(relayInUse).as("the session runs through one of the relays:%n%s", connect.output()).isNotNull();
    LabProcesses.Running victim = relayInUse.equals("11") ? relay11 : relay10;
    victim.process.destroyForcibly(); // a crash: no deallocation, no goodbye
    assertThat(connect.process.waitFor(120, TimeUnit.SECONDS)).as(connect.output()).isTrue();
    String out = connect.output();
    List<String> paths = connect.lines.stream().filter(l -> l.matches(".*\\bme\\s+path\\s+.*")).toList();
    System.out.println("relay 203.0.113." + relayInUse + " killed; paths:\n" + String.join("\n", paths));
    assertThat(connect.process.exitValue()).as(out).isZero();
    assertThat(out).contains("identical");
    String other = relayInUse.equals("11") ? "203.0.113.10:" : "203.0.113.11:";
    assertThat(paths.get(paths.size() - 1)).as("the session ends on the other relay:%n%s", out).contains(other);
  }
}
