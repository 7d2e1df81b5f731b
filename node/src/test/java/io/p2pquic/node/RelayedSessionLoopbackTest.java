package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.turn.Coturn;
import io.p2pquic.puncher.turn.TurnClientOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session whose only local candidate is relayed (candidatePolicy "relay") through coturn's real
 * turnserver: ICE checks travel through the TURN allocation, QUIC goes through it via the path layer,
 * and data arrives intact.
 */
class RelayedSessionLoopbackTest {
  private static Coturn coturn;
  /** This test relays through coturn; the rendezvous hands out no relay of its own. */
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject().put("turn", new JsonObject().put("enabled", false)));
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static PeerNode carol;

  @BeforeAll
  static void up() throws Exception {
    coturn = Coturn.start();
    TurnClientOptions turn = coturn.options("alice");
    alice = cast.peer("alice", false, cast.peerConfig(false).setGathering(cast.gathering(false).setTurnServers(List.of(turn)))
        .setIce(new IceAgentOptions().setRelayOnly(true)));
    bob = cast.peer("bob", true, cast.peerConfig(false));
    carol = cast.peer("carol", false, cast.peerConfig(false).setGathering(cast.gathering(false).setTurnServers(List.of(turn))));
  }

  @AfterAll
  static void down() throws Exception {
    if (coturn != null) {
      coturn.close();
    }
  }

  @Test
  void relayOnlySessionCarriesQuicThroughTheTurnServerIntact() throws Exception {
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("timeoutMs", 20_000),
            new DeliveryOptions().setSendTimeout(25_000))
        .map(m -> m.body()));
    assertThat(s.getString("path")).isEqualTo("relayed");
    assertThat(s.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");
    assertThat(s.getJsonObject("selectedPair").getString("local")).isEqualTo("127.0.0.1:"
        + s.getJsonObject("selectedPair").getString("local").split(":")[1]);
    int relayPort = Integer.parseInt(s.getJsonObject("selectedPair").getString("local").split(":")[1]);
    assertThat(relayPort).as("the relayed address is one of coturn's relay ports").isBetween(coturn.minPort, coturn.maxPort);

    EchoTransfer.sendAndVerify(vertx, s, 4 * 1024 * 1024, 32 * 1024, 3, null);
  }

  @Test
  void autoWithARelayAvailableStillEndsOnTheDirectPath() throws Exception {
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(carol.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "auto").put("timeoutMs", 20_000),
            new DeliveryOptions().setSendTimeout(25_000))
        .map(m -> m.body()));
    assertThat(s.getString("method")).isEqualTo("auto");
    assertThat(s.getString("path")).as("a direct pair wins over the relayed one").isEqualTo("direct");
    assertThat(s.getJsonObject("selectedPair").getString("localType")).isEqualTo("host");
    assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("auto"))).toString()).isEqualTo("auto");
  }

  @Test
  void methodIceNeverUsesTheRelayAndRelayWithoutTurnFailsAtOnce() throws Exception {
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(carol.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "ice").put("timeoutMs", 20_000),
            new DeliveryOptions().setSendTimeout(25_000))
        .map(m -> m.body()));
    assertThat(s.getString("method")).isEqualTo("ice");
    assertThat(s.getString("path")).isEqualTo("direct");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(vertx.eventBus().request(
            Addresses.peerConnect(bob.puncher.peerId()),
            new JsonObject().put("peer", carol.puncher.peerId().value()).put("method", "relay"))))
        .rootCause().hasMessageContaining("method relay needs a TURN server");
  }
}
