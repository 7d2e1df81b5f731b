package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.puncher.ice.virtual.VirtualNetwork;
import io.p2pquic.testsupport.Await;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The methods that need the rendezvous on the UDP side too (quic-native's QUIC signalling from the session
 * socket, the TURN relay behind relay fallback and dcutr), on a {@link VirtualNetwork}: the real rendezvous's
 * UDP sockets (STUN/TURN port, relay sockets, QUIC signalling) are virtual channels on public virtual hosts,
 * its HTTP signalling stays on loopback TCP. Peers are real PuncherVerticle and QuicVerticle behind virtual
 * NATs, as in {@link VirtualNetworkSessionTest}. No root, no sleeps.
 */
class VirtualNetworkMethodsTest {
  /** The rendezvous's STUN/TURN port and relay sockets: a public host of the virtual internet. */
  private static final String RELAY_IP = "198.51.100.2";
  /**
   * The rendezvous's QUIC signalling listens on its HTTP bind address, and a quic-native session reaches it
   * at the host of the signalling URL: 127.0.0.1, so that is a public host of the virtual internet too.
   */
  private static final String SIGNALLING_IP = "127.0.0.1";
  private static VirtualNetwork net;
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject()
          .put("stun", new JsonObject().put("bind", RELAY_IP).put("tcp", false).put("udpEventLoops", 1))
          .put("signalling", new JsonObject().put("quicPort", 0))
          // The NATs' public addresses are documentation addresses, which a relay refuses unless allowed.
          .put("turn", new JsonObject().put("grant", "all-registered").put("allowedPeerRanges", new JsonArray(List.of("203.0.113.0/24")))))
      .rendezvousUdp(host -> net.channels(host).newChannel(host))
      .recordingEvents();
  private static VirtualNatPeers peers;

  static {
    // Before the extension deploys the rendezvous, whose sockets bind on these hosts.
    net = new VirtualNetwork(cast.vertx);
    net.addHost(RELAY_IP, null);
    net.addHost(SIGNALLING_IP, null);
  }

  @BeforeAll
  static void up() throws Exception {
    peers = VirtualNatPeers.start(cast, net);
  }

  /**
   * quic-native: the session socket attaches to the rendezvous over QUIC across the virtual NAT (which shows
   * it its public address), and the QUIC Initials to the peer's candidates find the direct path.
   */
  @Test
  void quicNativeConnectsDirectBetweenFullConeAndPortRestrictedAndEchoes() throws Exception {
    JsonObject s = cast.connect(peers.fullCone(), peers.portRestricted(), "quic-native", 10_000);

    assertThat(s.getString("method")).isEqualTo("quic-native");
    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(s.getJsonObject("selectedPair").getString("remote")).startsWith("203.0.113.2:");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("native"))).toString()).isEqualTo("native");
  }

  /**
   * Port-restricted to symmetric has no direct path for quic-native either: the dialer gives up when no candidate
   * answered within the configured {@code session.quicNative.probeTimeoutMs}, not the connect timeout.
   */
  @Test
  void quicNativeGivesUpAfterTheConfiguredProbeTimeoutWithNoDirectPath() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> cast.connect(peers.portRestricted(), peers.symmetric(), "quic-native", 15_000))
        .rootCause().isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(ConnectFailure.fromCode(e.failureCode())).isEqualTo(ConnectFailure.NO_DIRECT_PATH);
          assertThat(e.getMessage()).contains("within " + LoopbackCast.VIRTUAL_PROBE_TIMEOUT_MS + " ms");
        });
    assertThat((System.nanoTime() - start) / 1e9).as("seconds: the probe timeout, not the connect timeout").isLessThan(10);
  }

  /**
   * Port-restricted to symmetric has no direct path: auto ends on the rendezvous's TURN relay (on the virtual
   * internet) and the echo crosses it.
   */
  @Test
  void autoFallsBackToTheRelayBetweenPortRestrictedAndSymmetricAndEchoes() throws Exception {
    long relayedBefore = cast.rendezvous.turn().bytesRelayed();

    JsonObject s = cast.connect(peers.portRestricted(), peers.symmetric(), "auto", 15_000);

    assertThat(s.getString("method")).isEqualTo("auto");
    assertThat(s.getString("path")).isEqualTo("relayed");
    JsonObject pair = s.getJsonObject("selectedPair");
    assertThat(List.of(pair.getString("local"), pair.getString("remote"))).as("a relayed address of the rendezvous's TURN")
        .anySatisfy(a -> assertThat(a).startsWith(RELAY_IP + ":"));
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("relayed"))).toString()).isEqualTo("relayed");
    assertThat(cast.rendezvous.turn().bytesRelayed()).as("the echo went through the relay").isGreaterThan(relayedBefore);
  }

  /**
   * Method relay keeps the dialer's addresses private even where a direct path exists (full cone to
   * port-restricted): its only candidate is its allocation on the rendezvous's TURN relay.
   */
  @Test
  void methodRelayUsesOnlyTheDialersAllocationAndEchoes() throws Exception {
    JsonObject s = cast.connect(peers.fullCone(), peers.portRestricted(), "relay", 10_000);

    assertThat(s.getString("method")).isEqualTo("relay");
    assertThat(s.getString("path")).isEqualTo("relayed");
    assertThat(s.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");
    assertThat(s.getJsonObject("selectedPair").getString("local")).startsWith(RELAY_IP + ":");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("private"))).toString()).isEqualTo("private");
  }

  /**
   * dcutr: QUIC comes up on the relay, CONNECT/SYNC cross it, and the simultaneous punch moves the live
   * connection to the direct path between the full-cone and port-restricted NATs; the echo works after.
   */
  @Test
  void dcutrStartsRelayedAndMovesToTheDirectPath() throws Exception {
    JsonObject s = cast.connect(peers.portRestricted(), peers.fullCone(), "dcutr", 10_000);
    String id = s.getString("sessionId");

    assertThat(s.getString("method")).isEqualTo("dcutr");
    assertThat(s.getString("path")).as("DCUtR starts on the relay").isEqualTo("relayed");
    assertThat(s.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");
    assertThat(s.getJsonObject("selectedPair").getString("local")).startsWith(RELAY_IP + ":");
    Await.until(() -> cast.events.stream().anyMatch(e -> "path-changed".equals(e.getString("type"))
        && id.equals(e.getString("sessionId")) && peers.portRestricted().peerId().value().equals(e.getString("localPeer"))
        && "direct".equals(e.getString("path"))), Duration.ofSeconds(10), "the dialer's path changed to direct");
    assertThat(await(PeerNode.echo(cast.vertx, s, Buffer.buffer("upgraded"))).toString()).isEqualTo("upgraded");
  }
}
