package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A relay cluster in the NAT lab, for the tests that kill relay nodes. Three rendezvous processes form
 * a Hazelcast cluster on the lab's server: a signalling-only node (203.0.113.10:8088, no relay, the
 * shared secret) and two relay nodes (203.0.113.11:3478 and 203.0.113.10:3479) that announce themselves
 * in the relay directory. Peers configure no relay: the signalling node's grant lists them. Peers c and d
 * sit behind symmetric NATs (no direct path); d runs an echo peer.
 */
final class RelayClusterLab implements AutoCloseable {
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");
  private final String secret = "relay-lab-secret-" + System.nanoTime();
  final NatLab lab;
  final Path dir;
  LabProcesses.Running signalling;
  LabProcesses.Running relay11;
  LabProcesses.Running relay10;
  LabProcesses.Running echo;
  String echoId;

  /** @param maxPerGrant how many relays the signalling node's grant lists (the directory's {@code maxPerGrant}) */
  RelayClusterLab(int maxPerGrant) throws Exception {
    lab = LabTestSupport.start(NatLab.builder()
        .peer("c", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("d", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20)));
    dir = Files.createTempDirectory("p2p-relay-lab");
    try {
      start(maxPerGrant);
    } catch (Exception | AssertionError e) {
      close();
      throw e;
    }
  }

  private void start(int maxPerGrant) throws Exception {
    JsonObject directory = new JsonObject().put("announceIntervalMs", 1000);
    Path noRelay = dir.resolve("signalling.json");
    Files.writeString(noRelay, new JsonObject().put("turn", new JsonObject().put("grant", "all-registered").put("enabled", false)
        .put("authSecret", secret)).put("relays", directory.copy().put("maxPerGrant", maxPerGrant)).encode());
    Path relayConf = dir.resolve("relay.json");
    Files.writeString(relayConf, new JsonObject().put("turn", new JsonObject().put("grant", "all-registered")
        .put("authSecret", secret)
        .put("allowedPeerRanges", new JsonArray(List.of("203.0.113.0/24", "10.0.0.0/8")))
        .put("bandwidthBytesPerSecond", 200_000_000L)).put("relays", directory).encode());
    // The shipped cluster.xml (TCP-IP join on 127.0.0.1, inside the server's namespace) with a name of
    // this run's own.
    Path clusterXml = dir.resolve("cluster.xml");
    Files.writeString(clusterXml, Files.readString(Path.of("..", "conf", "cluster.xml"))
        .replace("<cluster-name>p2p-quic</cluster-name>", "<cluster-name>relay-lab-" + System.nanoTime() + "</cluster-name>"));
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
    echo = new LabProcesses.Running(lab, lab.hostNamespace("d"), "peer id:", "peer", "--echo", "--config",
        peerConfig("peer").toString(), "--rendezvous", "ws://203.0.113.10:8088/signal", "--stun", "203.0.113.10:3478",
        "--identity", dir.resolve("d.json").toString());
    assertThat(echo.awaitReady(Duration.ofSeconds(60))).as(echo.output()).isTrue();
    Matcher m = PEER_ID.matcher(echo.output());
    assertThat(m.find()).isTrue();
    echoId = m.group(1);
  }

  /** No relay configured (the grant from the signalling node lists them); fast consent for the test. */
  Path peerConfig(String user) throws Exception {
    Path f = dir.resolve(user + "-conf.json");
    Files.writeString(f, new JsonObject()
        .put("ice", new JsonObject().put("consentIntervalMillis", 1000).put("disconnectedTimeoutMillis", 2500))
        .encode());
    return f;
  }

  /** Starts `connect` from host c sending a random file of {@code bytes} to the echo peer, method auto. */
  LabProcesses.Running transfer(int bytes) throws Exception {
    byte[] b = new byte[bytes];
    new Random(bytes).nextBytes(b);
    Path file = dir.resolve("transfer-" + bytes + ".bin");
    Files.write(file, b);
    return new LabProcesses.Running(lab, lab.hostNamespace("c"), "echo received", "connect",
        echoId, "--config", peerConfig("connect").toString(), "--rendezvous", "ws://203.0.113.10:8088/signal",
        "--stun", "203.0.113.10:3478", "--file", file.toString(), "--method", "auto", "--timeout", "30000");
  }

  /** The connecting side's path lines of the timeline ("me path ..."). */
  static List<String> paths(LabProcesses.Running connect) {
    return connect.lines.stream().filter(l -> l.matches(".*\\bme\\s+path\\s+.*")).toList();
  }

  /** Waits until QUIC is up and returns "11" or "10": the relay node the session's current path uses. */
  static String relayInUse(LabProcesses.Running connect, Duration within) throws InterruptedException {
    long end = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < end && connect.process.isAlive()) {
      if (connect.output().contains("quic handshake done")) {
        List<String> paths = paths(connect);
        String last = paths.isEmpty() ? "" : paths.get(paths.size() - 1);
        String relay = last.contains("203.0.113.11:") ? "11" : last.contains("203.0.113.10:") ? "10" : null;
        if (relay != null) {
          return relay;
        }
      }
      Thread.sleep(50);
    }
    return null;
  }

  LabProcesses.Running relay(String which) {
    return which.equals("11") ? relay11 : relay10;
  }

  @Override
  public void close() throws Exception {
    for (LabProcesses.Running p : new LabProcesses.Running[] {echo, relay10, relay11, signalling}) {
      if (p != null) {
        p.stop();
      }
    }
    lab.close();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }
}
