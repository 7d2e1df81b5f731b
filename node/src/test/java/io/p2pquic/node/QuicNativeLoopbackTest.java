package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Method quic-native between two peers in one JVM over loopback, through the documented event-bus API:
 * the session sockets signal over QUIC to the rendezvous, QUIC Initials are the checks, and the session
 * carries data like one of method ice.
 */
class QuicNativeLoopbackTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject().put("signalling", new JsonObject().put("quicPort", 0)));
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static final SimpleMeterRegistry metrics = cast.metrics;

  @BeforeAll
  static void up() throws Exception {
    alice = cast.peer("alice", false);
    bob = cast.peer("bob", true);
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
    // The rendezvous counted the two per-session attachments over QUIC (dialer's offer, listener's answer).
    assertThat(metrics.find("p2p.signalling.attachments").tag("transport", "quic").counter().count()).isGreaterThanOrEqualTo(2);
  }

  /**
   * After a first quic-native session each side keeps a socket attached to the rendezvous (AttachedSocketPool):
   * the next session on both sides takes it, sends its offer or answer without attaching first, and carries data.
   */
  @Test
  void aSecondSessionTakesSocketsAlreadyAttachedOnBothSides() throws Exception {
    double before = attachments();
    double hitsBefore = poolHits();
    await(connect(bob.puncher.peerId(), 15_000)); // wakes both pools (if an earlier test has not)
    // The session attached itself on each side that found no pooled socket; then both pools attach one.
    double expected = before + (2 - (poolHits() - hitsBefore)) + 2;
    io.p2pquic.testsupport.Await.until(() -> attachments() >= expected, java.time.Duration.ofSeconds(10),
        "both pools attached a socket");
    double hits = poolHits();

    JsonObject s = await(connect(bob.puncher.peerId(), 15_000));

    assertThat(poolHits() - hits).as("takes that found an attached socket: dialer and listener").isEqualTo(2);
    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("pooled"))).toString()).isEqualTo("pooled");
  }

  private static double attachments() {
    var c = metrics.find("p2p.signalling.attachments").tag("transport", "quic").counter();
    return c == null ? 0 : c.count();
  }

  private static double poolHits() {
    var c = metrics.find("p2p.session.attached-socket-pool").tag("outcome", "hit").counter();
    return c == null ? 0 : c.count();
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
}
