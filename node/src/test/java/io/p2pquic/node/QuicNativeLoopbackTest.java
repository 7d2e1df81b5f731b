package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Method quic-native between two peers in one JVM over loopback, through the documented event-bus API:
 * the session sockets signal over QUIC to the rendezvous, QUIC Initials are the checks, and the session
 * carries data like one of method ice.
 */
class QuicNativeLoopbackTest {
  private static Vertx vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static SimpleMeterRegistry metrics;

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    metrics = new SimpleMeterRegistry();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("signalling", new JsonObject().put("quicPort", 0))),
        metrics);
    await(vertx.deployVerticle(rendezvous));
    PeerConfig cfg = new PeerConfig().setRendezvous("ws://127.0.0.1:" + rendezvous.httpPort() + "/signal")
        .setGathering(new GatheringOptions().stunServers(List.of("127.0.0.1:" + rendezvous.stunAddress().getPort()))
            .includeLoopback(true).ipv6(false));
    Timeline timeline = new Timeline();
    if (Boolean.getBoolean("test.timeline")) {
      timeline.listener(e -> System.out.println("TL " + e));
    }
    alice = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false));
    bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true));
  }

  @AfterAll
  static void down() throws Exception {
    await(vertx.close());
  }

  private static Future<JsonObject> connect(PeerId target, long timeoutMs) {
    return vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", target.value()).put("method", "quic-native").put("timeoutMs", timeoutMs),
            new DeliveryOptions().setSendTimeout(timeoutMs + 5_000))
        .map(m -> m.body());
  }

  @Test
  void quicNativeSessionCarriesAnEchoAndEightMegabytesIntact() throws Exception {
    JsonObject s = await(connect(bob.puncher.peerId(), 15_000));
    assertThat(s.getString("method")).isEqualTo("quic-native");
    assertThat(s.getString("peer")).isEqualTo(bob.puncher.peerId().value());
    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(s.getJsonObject("selectedPair").getString("remote")).matches("127\\.0\\.0\\.1:[0-9]+|[0-9.]+:[0-9]+");
    assertThat(s.getJsonObject("timings").fieldNames()).contains("gatheredMs", "signalledMs", "handshakeDoneMs");
    Buffer echoed = await(PeerNode.echo(vertx, s, Buffer.buffer("ping")));
    assertThat(echoed.toString()).isEqualTo("ping");
    double seconds = EchoTransfer.sendAndVerify(vertx, s, 8 * 1024 * 1024, 64 * 1024, 11, null);
    System.out.printf("quic-native: handshake done at %.1f ms, 8 MB echoed in %.2f s%n",
        s.getJsonObject("timings").getDouble("handshakeDoneMs"), seconds);
    // The rendezvous counted the two per-session attachments over QUIC (dialer's offer, acceptor's answer).
    assertThat(metrics.find("p2p.signalling.attachments").tag("transport", "quic").counter().count()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void anOfflinePeerFailsTheConnectWithTheReasonInBoundedTime() {
    PeerId nobody = PeerIdentity.generate().peerId();
    long start = System.nanoTime();
    assertThatThrownBy(() -> await(connect(nobody, 5_000)))
        .hasRootCauseInstanceOf(ReplyException.class)
        .rootCause().hasMessageContaining("could not be delivered").hasMessageContaining("not registered");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(10);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
