package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real peers (PuncherVerticle, QuicVerticle, the real session classes, QUIC codec and path layer)
 * whose UDP sockets are channels on a {@link VirtualNetwork}, behind virtual NATs, with STUN on the
 * virtual internet; only signalling runs over loopback TCP to a real rendezvous. No root, no sleeps.
 */
class VirtualNetworkSessionTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass();
  private static VirtualNetwork net;
  private static VirtualNatPeers peers;

  @BeforeAll
  static void up() throws Exception {
    net = new VirtualNetwork(cast.vertx);
    peers = VirtualNatPeers.start(cast, net);
  }

  @Test
  void fullConeAndPortRestrictedConnectDirectWithIceAndEchoOverQuic() throws Exception {
    JsonObject s = cast.connect(peers.fullCone(), peers.portRestricted(), "ice", 10_000);

    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(s.getJsonObject("selectedPair").getString("remote")).startsWith("203.0.113.2:");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("ping"))).toString()).isEqualTo("ping");
  }

  /**
   * Every peer here runs in echo mode, as two `peer --echo` processes would: only the side that accepted
   * the session echoes. The listener's stream receives exactly what the dialer sent; had the dialer echoed
   * the echo, its copy of "first" would reach the listener before "second" (one ordered stream).
   */
  @Test
  void twoEchoingPeersDoNotSendTheSameBytesBackAndForth() throws Exception {
    JsonObject s = cast.connect(peers.fullCone(), peers.portRestricted(), "ice", 10_000);
    PeerId listener = peers.portRestricted().peerId();
    Buffer atListener = Buffer.buffer();
    MessageConsumer<Buffer> consumer = cast.vertx.eventBus().consumer(
        Addresses.sessionData(listener, s.getString("sessionId")), m -> atListener.appendBuffer(m.body()));
    await(consumer.completion());
    try {
      assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("first"))).toString()).isEqualTo("first");
      assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("second"))).toString()).isEqualTo("second");
      assertThat(atListener.toString()).isEqualTo("firstsecond");
    } finally {
      consumer.unregister();
    }
  }

  @Test
  void autoConnectsDirectToo() throws Exception {
    JsonObject s = cast.connect(peers.portRestricted(), peers.fullCone(), "auto", 10_000);

    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("auto"))).toString()).isEqualTo("auto");
  }

  @Test
  void portRestrictedToSymmetricWithIceFailsWithNoDirectPath() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> cast.connect(peers.portRestricted(), peers.symmetric(), "ice", 10_000))
        .rootCause().isInstanceOfSatisfying(ReplyException.class,
            e -> assertThat(ConnectFailure.fromCode(e.failureCode())).isEqualTo(ConnectFailure.NO_DIRECT_PATH));
    assertThat(net.drops()).containsKey("filtered");
    assertThat((System.nanoTime() - start) / 1e9).as("seconds: the checks' timeout, not the connect timeout").isLessThan(8);
  }

  @Test
  void anIceRestartFindsAPairAgain() throws Exception {
    JsonObject s = cast.connect(peers.fullCone(), peers.portRestricted(), "ice", 10_000);

    JsonObject pair = await(cast.vertx.eventBus().<JsonObject>request(io.p2pquic.api.Addresses.peerRestart(peers.fullCone().peerId()),
        new JsonObject().put("sessionId", s.getString("sessionId")).put("reason", "test: network changed")).map(m -> m.body()));

    assertThat(pair.getString("remote")).startsWith("203.0.113.2:");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("after restart"))).toString()).isEqualTo("after restart");
  }

  /** Five per cent of the datagrams crossing a NAT are lost (seeded): STUN, the checks and QUIC retransmit. */
  @Test
  void aLossyNetworkStillConnectsAndEchoes() throws Exception {
    net.loss(0.05, 42);
    try {
      JsonObject s = cast.connect(peers.portRestricted(), peers.fullCone(), "ice", 10_000);
      assertThat(s.getString("path")).isEqualTo("direct");
      assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("lossy"))).toString()).isEqualTo("lossy");
    } finally {
      net.loss(0, 0);
    }
  }

  /** The peer's p2p.peer.incoming consumer says no: the dialer hears "rejected" with its code. */
  @Test
  void aRejectedOfferFailsWithTheRejectedCode() throws Exception {
    var refuse = cast.vertx.eventBus().<JsonObject>localConsumer(io.p2pquic.api.Addresses.PEER_INCOMING,
        m -> m.reply(new JsonObject().put("accept", false)));
    await(refuse.completion());
    try {
      assertThatThrownBy(() -> cast.connect(peers.fullCone(), peers.portRestricted(), "ice", 10_000))
          .rootCause().isInstanceOfSatisfying(ReplyException.class,
              e -> assertThat(ConnectFailure.fromCode(e.failureCode())).isEqualTo(ConnectFailure.REJECTED));
    } finally {
      await(refuse.unregister());
    }
  }

  /** Every datagram across a NAT is lost: the peer answers over signalling but never over UDP. */
  @Test
  void aPeerThatIsNotReachableOverUdpFailsWithNoDirectPath() {
    net.loss(1.0, 1);
    try {
      assertThatThrownBy(() -> cast.connect(peers.fullCone(), peers.portRestricted(), "ice", 10_000))
          .rootCause().isInstanceOfSatisfying(ReplyException.class,
              e -> assertThat(ConnectFailure.fromCode(e.failureCode())).isEqualTo(ConnectFailure.NO_DIRECT_PATH));
      assertThat(net.drops()).containsKey("loss");
    } finally {
      net.loss(0, 0);
    }
  }
}
