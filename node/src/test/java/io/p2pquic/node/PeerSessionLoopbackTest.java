package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two peers in one JVM over loopback, driven only through the documented event-bus API
 * (p2p.peer.connect, p2p.session.*): connect, echo, a 100 MB transfer checked by SHA-256, rejection.
 */
class PeerSessionLoopbackTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass();
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;

  @BeforeAll
  static void up() throws Exception {
    alice = cast.peer("alice", false);
    bob = cast.peer("bob", true);
  }

  private static Future<JsonObject> connect(PeerId target) {
    return vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", target.value()).put("method", "ice").put("timeoutMs", 15_000),
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(20_000))
        .map(m -> m.body());
  }

  /** Alice runs without --echo: an echo over her session fails with a hint instead of waiting for its timeout. */
  @Test
  void anEchoFromAPeerThatDoesNotEchoFailsSoonWithAHint() throws Exception {
    JsonObject s = cast.connect(bob, alice, "ice", 15_000);
    long t0 = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(bob.echoOverStream(vertx, s, Buffer.buffer("hello?"), null, 1_500)))
        .hasMessageContaining("does not echo").hasMessageContaining("p2p-node peer --echo");
    assertThat((System.nanoTime() - t0) / 1e9).as("seconds until the failure").isLessThan(10);
  }

  /**
   * This rendezvous runs no QUIC signalling (signalling.quicPort is off by default): a quic-native connect
   * fails at once with the signalling code and says what to set, instead of waiting out its timeout with
   * a message that blames the peer.
   */
  @Test
  void quicNativeWithoutQuicSignallingFailsAtOnceSayingWhatToSet() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> cast.connect(alice, bob, "quic-native", 15_000))
        .rootCause().isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(io.p2pquic.api.session.ConnectFailure.fromCode(e.failureCode()))
              .isEqualTo(io.p2pquic.api.session.ConnectFailure.SIGNALLING);
          assertThat(e.getMessage()).contains("signalling.quicPort").contains("method ice or auto");
        });
    assertThat((System.nanoTime() - t0) / 1e9).as("seconds until the failure, not the 15 s timeout").isLessThan(5);
  }

  @Test
  void connectReturnsADirectSessionAndTheEchoComesBack() throws Exception {
    JsonObject s = await(connect(bob.puncher.peerId()));
    assertThat(s.getString("peer")).isEqualTo(bob.puncher.peerId().value());
    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(s.getJsonObject("selectedPair").getString("remoteType")).isEqualTo("host");
    // checksDoneMs only when ICE's nomination ended before QUIC was up (it usually ends after: docs/api.md)
    assertThat(s.getJsonObject("timings").fieldNames()).contains("signalledMs", "handshakeDoneMs", "gatheredMs");
    Buffer echoed = await(PeerNode.echo(vertx, s, Buffer.buffer("ping")));
    assertThat(echoed.toString()).isEqualTo("ping");
  }

  @Test
  void hundredMegabytesArriveIntact() throws Exception {
    JsonObject s = await(connect(bob.puncher.peerId()));
    double seconds = EchoTransfer.sendAndVerify(vertx, s, 100 * 1024 * 1024, 256 * 1024, 100, null);
    System.out.printf("100 MB echoed over the punched QUIC session in %.2f s (%.1f MB/s each way)%n", seconds, 100 / seconds);
  }

  @Test
  void iceRestartInTheMiddleOfATransferKeepsEveryByte() throws Exception {
    JsonObject s = await(connect(bob.puncher.peerId()));
    String id = s.getString("sessionId");
    Future<JsonObject>[] restarted = new Future[1];
    EchoTransfer.sendAndVerify(vertx, s, 8 * 1024 * 1024, 64 * 1024, 7, () ->
        restarted[0] = vertx.eventBus().<JsonObject>request(Addresses.peerRestart(alice.puncher.peerId()),
            new JsonObject().put("sessionId", id).put("reason", "test: network changed")).map(m -> m.body()));
    JsonObject pair = await(restarted[0]);
    assertThat(pair.getString("remote")).matches("[0-9.]+:[0-9]+");
    assertThat(pair.getString("remoteType")).isEqualTo("host");

    assertThatThrownBy(() -> await(vertx.eventBus().request(Addresses.peerRestart(alice.puncher.peerId()),
            new JsonObject().put("sessionId", "no-such-session"))))
        .hasRootCauseInstanceOf(ReplyException.class).hasMessageContaining("no session no-such-session");
  }

  @Test
  void unknownPeerFailsWithAReasonInBoundedTime() {
    PeerId nobody = PeerIdentity.generate().peerId();
    long start = System.nanoTime();
    assertThatThrownBy(() -> await(vertx.eventBus().request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", nobody.value()).put("timeoutMs", 3_000))))
        .hasRootCauseInstanceOf(ReplyException.class)
        .rootCause().hasMessageContaining("could not be delivered")
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode())
            .isEqualTo(io.p2pquic.api.session.ConnectFailure.SIGNALLING.code()));
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(10);
  }

  /** The peer's p2p.peer.incoming consumer says no: the dialer hears "rejected" at once, with its code. */
  @Test
  void aRejectedOfferFailsWithTheRejectedCode() throws Exception {
    var refuse = vertx.eventBus().<JsonObject>localConsumer(Addresses.PEER_INCOMING,
        m -> m.reply(new JsonObject().put("accept", false)));
    await(refuse.completion());
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> await(vertx.eventBus().request(Addresses.peerConnect(alice.puncher.peerId()),
              new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "ice").put("timeoutMs", 10_000))))
          .rootCause().hasMessageContaining("rejected by the peer")
          .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(io.p2pquic.api.session.ConnectFailure
              .fromCode(e.failureCode())).isEqualTo(io.p2pquic.api.session.ConnectFailure.REJECTED));
      assertThat((System.nanoTime() - start) / 1e9).as("seconds: a bye, not the timeout").isLessThan(5);
    } finally {
      await(refuse.unregister());
    }
  }

  @Test
  void badRequestsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> await(vertx.eventBus().request(Addresses.peerConnect(alice.puncher.peerId()),
        new JsonObject().put("peer", "x"))))
        .rootCause().hasMessageContaining("\"peer\" must be a peer id")
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
    assertThatThrownBy(() -> await(vertx.eventBus().request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "carrier-pigeon"))))
        .rootCause().hasMessageContaining("supported: auto, ice, relay");
  }
}
