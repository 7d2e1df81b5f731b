package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.PuncherVerticle;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.ice.virtual.VirtualNatType;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.p2pquic.puncher.ice.virtual.VirtualStunServer;
import io.p2pquic.quic.session.QuicVerticle;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.List;
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
  private static PuncherVerticle fullCone;
  private static PuncherVerticle portRestricted;
  private static PuncherVerticle symmetric;

  @BeforeAll
  static void up() throws Exception {
    net = new VirtualNetwork(cast.vertx);
    VirtualStunServer.start(net, "198.51.100.1", 3478);
    fullCone = peer("full-cone", "203.0.113.1", "10.0.1.2", VirtualNatType.FULL_CONE);
    portRestricted = peer("port-restricted", "203.0.113.2", "10.0.2.2", VirtualNatType.PORT_RESTRICTED);
    symmetric = peer("symmetric", "203.0.113.3", "10.0.3.2", VirtualNatType.SYMMETRIC);
  }

  /** An echoing peer on virtual host {@code hostIp} behind a NAT of {@code type} with public IP {@code natIp}. */
  private static PuncherVerticle peer(String name, String natIp, String hostIp, VirtualNatType type) throws Exception {
    net.addHost(hostIp, net.addNat(natIp, type));
    PeerConfig config = cast.peerConfig(false)
        .setGathering(new GatheringOptions().setStunServers(List.of("198.51.100.1:3478")).setIpv6(false))
        // Checks give up after 3 s instead of the default, so a pair of NATs without a path fails fast.
        .setIce(new IceAgentOptions().setCheckingTimeoutMillis(3_000));
    PuncherVerticle puncher = new PuncherVerticle(config, PeerIdentity.generate(), cast.metrics, cast.timeline, name)
        .datagramChannels(net.channels(hostIp));
    await(cast.vertx.deployVerticle(puncher));
    await(cast.vertx.deployVerticle(new QuicVerticle(puncher.identity(), config.quic(), true)));
    return puncher;
  }

  private static JsonObject connect(PuncherVerticle from, PuncherVerticle to, String method, long timeoutMs) throws Exception {
    return await(cast.vertx.eventBus().<JsonObject>request(io.p2pquic.api.Addresses.peerConnect(from.peerId()),
            new JsonObject().put("peer", to.peerId().value()).put("method", method).put("timeoutMs", timeoutMs),
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(timeoutMs + 5_000))
        .map(m -> m.body()));
  }

  @Test
  void fullConeAndPortRestrictedConnectDirectWithIceAndEchoOverQuic() throws Exception {
    JsonObject s = connect(fullCone, portRestricted, "ice", 10_000);

    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(s.getJsonObject("selectedPair").getString("remote")).startsWith("203.0.113.2:");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("ping"))).toString()).isEqualTo("ping");
  }

  @Test
  void autoConnectsDirectToo() throws Exception {
    JsonObject s = connect(portRestricted, fullCone, "auto", 10_000);

    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("auto"))).toString()).isEqualTo("auto");
  }

  @Test
  void portRestrictedToSymmetricWithIceFailsWithNoDirectPath() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> connect(portRestricted, symmetric, "ice", 10_000))
        .rootCause().isInstanceOfSatisfying(ReplyException.class,
            e -> assertThat(ConnectFailure.fromCode(e.failureCode())).isEqualTo(ConnectFailure.NO_DIRECT_PATH));
    assertThat(net.drops()).containsKey("filtered");
    assertThat((System.nanoTime() - start) / 1e9).as("seconds: the checks' timeout, not the connect timeout").isLessThan(8);
  }

  @Test
  void anIceRestartFindsAPairAgain() throws Exception {
    JsonObject s = connect(fullCone, portRestricted, "ice", 10_000);

    JsonObject pair = await(cast.vertx.eventBus().<JsonObject>request(io.p2pquic.api.Addresses.peerRestart(fullCone.peerId()),
        new JsonObject().put("sessionId", s.getString("sessionId")).put("reason", "test: network changed")).map(m -> m.body()));

    assertThat(pair.getString("remote")).startsWith("203.0.113.2:");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("after restart"))).toString()).isEqualTo("after restart");
  }

  /** Five per cent of the datagrams crossing a NAT are lost (seeded): STUN, the checks and QUIC retransmit. */
  @Test
  void aLossyNetworkStillConnectsAndEchoes() throws Exception {
    net.loss(0.05, 42);
    try {
      JsonObject s = connect(portRestricted, fullCone, "ice", 10_000);
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
      assertThatThrownBy(() -> connect(fullCone, portRestricted, "ice", 10_000))
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
      assertThatThrownBy(() -> connect(fullCone, portRestricted, "ice", 10_000))
          .rootCause().isInstanceOfSatisfying(ReplyException.class,
              e -> assertThat(ConnectFailure.fromCode(e.failureCode())).isEqualTo(ConnectFailure.NO_DIRECT_PATH));
      assertThat(net.drops()).containsKey("loss");
    } finally {
      net.loss(0, 0);
    }
  }
}
