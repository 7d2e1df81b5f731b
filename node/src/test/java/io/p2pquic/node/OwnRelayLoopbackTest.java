package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The product path on loopback, with no TURN configured on the peers: the rendezvous's own relay and
 * the credentials it hands out at registration carry a relay-only session; the credentials live only
 * 3 s here, so a session 5 s later works only because the peer renewed them ({@code turn-credentials}).
 */
class OwnRelayLoopbackTest {
  private static Vertx vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static Timeline timeline;

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("grant", "all-registered").put("credentialTtlSeconds", 3)
            .put("allowedPeerRanges", new JsonArray(List.of("127.0.0.0/8", "192.0.2.0/24", "10.0.0.0/8",
                "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))))), metrics);
    await(vertx.deployVerticle(rendezvous));
    PeerConfig cfg = new PeerConfig().setRendezvous("ws://127.0.0.1:" + rendezvous.httpPort() + "/signal")
        .setGathering(new GatheringOptions().stunServers(List.of()).includeLoopback(true).ipv6(false));
    timeline = new Timeline();
    alice = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false));
    bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true));
  }

  @AfterAll
  static void down() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  private static JsonObject relaySession() throws Exception {
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "relay").put("timeoutMs", 15_000),
            new DeliveryOptions().setSendTimeout(20_000))
        .map(m -> m.body()));
    assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("via our relay"))).toString()).isEqualTo("via our relay");
    return s;
  }

  @Test
  void relayOnlySessionsRunThroughTheRendezvousRelayAlsoAfterTheCredentialsExpired() throws Exception {
    JsonObject first = relaySession();
    assertThat(first.getString("path")).isEqualTo("relayed");
    assertThat(first.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");

    Thread.sleep(5_000); // the registration's credentials (3 s) have expired by now
    assertThat(timeline.events()).anySatisfy(e -> assertThat(e.event()).isEqualTo("relay credentials renewed"));
    JsonObject second = relaySession();
    assertThat(second.getString("path")).isEqualTo("relayed");
    assertThat(second.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
