package io.p2pquic.rendezvous.relay;

import static io.p2pquic.testsupport.Await.result;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.p2pquic.rendezvous.turn.TurnTestClient;
import io.p2pquic.stun.StunAttributeType;
import io.p2pquic.stun.StunClass;
import io.p2pquic.stun.StunMessage;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.p2pquic.rendezvous.LoopbackCluster;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Two relay nodes in one JVM, each a clustered Vert.x with its own Hazelcast member (conf/cluster.xml with
 * a unique cluster name and free ports) running the whole RendezvousVerticle with TURN on its own port and
 * the same secret, plus a signalling-only rendezvous (TURN off, secret set) on the first Vert.x.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
class RelayClusterTest {
  static final String SECRET = "cluster-secret";
  static final long ANNOUNCE_MS = 1000; // TTL 3 s; shorter flickers on a loaded two-core machine

  static final LoopbackCluster cluster = new LoopbackCluster();
  static final List<HazelcastClusterManager> managers = cluster.managers;
  static final List<Vertx> vertxes = cluster.vertxes;
  static final List<WebSocketClient> wsClients = new ArrayList<>();
  static RendezvousVerticle node1;
  static RendezvousVerticle node2;
  static RendezvousVerticle signallingOnly;
  static MeterRegistry meters1 = new SimpleMeterRegistry();

  @BeforeAll
  static void startCluster() throws Exception {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("com.hazelcast")).setLevel(Level.WARN);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.netty")).setLevel(Level.WARN);
    String clusterName = "p2p-relays-test-" + UUID.randomUUID();
    int port1 = LoopbackCluster.freePort();
    int port2 = LoopbackCluster.freePort();
    Vertx v1 = cluster.join(clusterName, port1, port1, port2);
    Vertx v2 = cluster.join(clusterName, port2, port1, port2);
    assertThat(managers.get(0).getNodes()).hasSize(2);
    node1 = new RendezvousVerticle(config("node-1", true), meters1);
    node2 = new RendezvousVerticle(config("node-2", true), new SimpleMeterRegistry());
    signallingOnly = new RendezvousVerticle(config("node-3", false), new SimpleMeterRegistry());
    result(v1.deployVerticle(node1), Duration.ofSeconds(30));
    result(v2.deployVerticle(node2), Duration.ofSeconds(30));
    result(v1.deployVerticle(signallingOnly), Duration.ofSeconds(30));
    assertThat(node1.stunAddress().getPort()).isNotEqualTo(node2.stunAddress().getPort());
  }

  static RendezvousConfig config(String nodeId, boolean relay) {
    return RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", 0))
        .put("stun", new JsonObject().put("port", 0))
        .put("signalling", new JsonObject().put("nodeId", nodeId))
        .put("turn", new JsonObject().put("grant", "all-registered").put("enabled", relay).put("authSecret", SECRET)
            .put("allowedPeerRanges", new JsonArray().add("127.0.0.0/8")))
        .put("relays", new JsonObject().put("announceIntervalMs", ANNOUNCE_MS)));
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  @Order(1)
  void peerOnNode1GetsBothRelaysAndAllocatesOnNode2WithThoseCredentials() throws Exception {
    waitFor(() -> node1.relayDirectory().size() == 2, 10_000, "node 1 sees both relays");
    InetSocketAddress relay1 = node1.stunAddress();
    InetSocketAddress relay2 = node2.stunAddress();

    RelayCredentials grant = register(node1);
    // Equal load (none): the local relay first, then the other, each over UDP and TCP on its STUN port.
    assertThat(grant.relays()).containsExactly(
        new RelayCredentials.Relay("127.0.0.1", relay1.getPort(), "udp"),
        new RelayCredentials.Relay("127.0.0.1", relay1.getPort(), "tcp"),
        new RelayCredentials.Relay("127.0.0.1", relay2.getPort(), "udp"),
        new RelayCredentials.Relay("127.0.0.1", relay2.getPort(), "tcp"));
    assertThat(meters1.get(RendezvousVerticle.RELAYS_KNOWN).gauge().value()).isEqualTo(2.0);

    // Credentials issued by node 1 work on node 2's relay: the secret is shared, nonces are stateless.
    try (TurnTestClient client = TurnTestClient.udp(relay2).credentials(grant.username(), grant.password())) {
      StunMessage allocated = client.allocate();
      assertThat(allocated.messageClass()).as("%s", allocated).isEqualTo(StunClass.SUCCESS_RESPONSE);
      assertThat(allocated.address(StunAttributeType.XOR_RELAYED_ADDRESS)).isPresent();
      assertThat(node2.turn().allocationCount()).isEqualTo(1);

      // Node 2's load reaches node 1 with its next announce: node 1's relay (empty) stays first, and a
      // registration on node 2 now lists node 1's relay first too (least loaded beats local).
      waitFor(() -> node2.relayDirectory().live().stream()
          .anyMatch(e -> e.nodeId().equals("node-2") && e.allocations() == 1), 5_000, "node 2 counts its allocation");
      waitFor(() -> node2.relayDirectory().live().stream()
          .anyMatch(e -> e.nodeId().equals("node-1")), 5_000, "node 2 sees node 1");
      RelayCredentials onNode2 = register(node2);
      assertThat(onNode2.relays().get(0).port()).isEqualTo(relay1.getPort());
      assertThat(onNode2.relays()).hasSize(4);
    }
  }

  @Test
  @Order(2)
  void signallingOnlyNodeGrantsTheClustersRelays() throws Exception {
    assertThat(signallingOnly.turn()).isNull();
    waitFor(() -> signallingOnly.relayDirectory().size() == 2, 10_000, "node 3 sees both relays");
    RelayCredentials grant = register(signallingOnly);
    assertThat(grant.relays()).extracting(RelayCredentials.Relay::port)
        .containsExactlyInAnyOrder(node1.stunAddress().getPort(), node1.stunAddress().getPort(),
            node2.stunAddress().getPort(), node2.stunAddress().getPort());
    try (TurnTestClient client = TurnTestClient.udp(node1.stunAddress())
        .credentials(grant.username(), grant.password())) {
      assertThat(client.allocate().messageClass()).isEqualTo(StunClass.SUCCESS_RESPONSE);
    }
  }

  @Test
  @Order(3)
  void aDeadRelayDropsOutOfGrantsWithinTheTtl() throws Exception {
    long ttl = node1.relayDirectory().config().entryTtlMs();
    // Crash node 2's Hazelcast member: nothing removes its entry; it only stops being re-announced.
    long killedAt = System.currentTimeMillis();
    managers.get(1).getHazelcastInstance().getLifecycleService().terminate();

    waitFor(() -> node1.relayDirectory().size() == 1, ttl + 3 * ANNOUNCE_MS + 2000, "node 2 ages out");
    long gone = System.currentTimeMillis() - killedAt;
    System.out.printf("dead relay out of node 1's grants after %d ms (TTL %d ms)%n", gone, ttl);
    RelayCredentials grant = register(node1);
    assertThat(grant.relays()).extracting(RelayCredentials.Relay::port).containsOnly(node1.stunAddress().getPort());
    // The signalling-only node reads on its own period (and its reads may stall while Hazelcast recovers
    // the crashed member's partitions: it keeps its last snapshot meanwhile).
    waitFor(() -> signallingOnly.relayDirectory().size() == 1, ttl + 3 * ANNOUNCE_MS + 10_000, "node 3 drops node 2");
    System.out.printf("dead relay out of node 3's grants after %d ms%n", System.currentTimeMillis() - killedAt);
    assertThat(register(signallingOnly).relays()).extracting(RelayCredentials.Relay::port)
        .containsOnly(node1.stunAddress().getPort());
    assertThat(meters1.get(RendezvousVerticle.RELAYS_KNOWN).gauge().value()).isEqualTo(1.0);

    // And the map entry itself expires (Hazelcast TTL), so no node reads it again.
    var map = result(vertxes.get(0).sharedData().<String, JsonObject>getAsyncMap("p2p.relays"), Duration.ofSeconds(10));
    waitFor(() -> result(map.get("node-2"), Duration.ofSeconds(10)) == null, ttl + 10_000, "node 2's entry expires from the map");
  }

  // ---- helpers -------------------------------------------------------------------------------------

  /** Registers a fresh identity on the node's WebSocket and returns the grant of its reply. */
  static RelayCredentials register(RendezvousVerticle node) throws Exception {
    PeerIdentity id = PeerIdentity.generate();
    BlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
    Vertx vertx = vertxes.get(0);
    WebSocketClient client = vertx.createWebSocketClient();
    wsClients.add(client); // referenced: an unreferenced client is closed by Vert.x
    // The handler is set before connecting: the server sends its challenge at once, and a handler set
    // once the connect future completes can miss it.
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(t -> inbox.add(new JsonObject(t)));
    result(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.httpPort()).setURI("/signal")),
        Duration.ofSeconds(10));
    JsonObject challenge = inbox.poll(10, TimeUnit.SECONDS);
    assertThat(challenge).as("challenge").isNotNull();
    byte[] nonce = Base64.getDecoder().decode(challenge.getString("nonce"));
    result(ws.writeTextMessage(new JsonObject().put("type", "register").put("id", "r")
        .put("peerId", id.peerId().value()).put("publicKey", id.publicKeyBase64())
        .put("signature", Base64.getEncoder().encodeToString(id.sign(SignallingProtocol.registrationPayload(nonce))))
        .encode()), Duration.ofSeconds(10));
    JsonObject registered = inbox.poll(10, TimeUnit.SECONDS);
    assertThat(registered.getString("type")).as("%s", registered).isEqualTo("registered");
    result(ws.close(), Duration.ofSeconds(10));
    RelayCredentials grant = Registration.fromJson(registered).relayCredentials();
    assertThat(grant).as("turn in %s", registered).isNotNull();
    assertThat(grant.username()).endsWith(":" + id.peerId().value());
    return grant;
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void waitFor(Check check, long timeoutMs, String what) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!check.ok()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting until " + what);
      }
      Thread.sleep(50);
    }
  }
}
