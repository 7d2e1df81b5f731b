package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Method tcp on loopback: both peers learn their TCP port from the rendezvous's STUN server over TCP,
 * connect simultaneously at the moment the go message sets, run TLS 1.3 with both peer ids pinned, and
 * serve the same session addresses as QUIC: a 4 MB echo keeps its SHA-256, and closing the session
 * publishes the closed event on both sides.
 */
class TcpSessionLoopbackTest {
  private static Vertx vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static Timeline timeline;
  private static final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))),
        metrics);
    await(vertx.deployVerticle(rendezvous));
    PeerConfig cfg = new PeerConfig().setRendezvous("ws://127.0.0.1:" + rendezvous.httpPort() + "/signal")
        .setGathering(new GatheringOptions().stunServers(List.of(SocketAddresses.format(rendezvous.stunAddress())))
            .includeLoopback(true).ipv6(false));
    timeline = new Timeline();
    timeline.listener(e -> System.out.println(e.format()));
    alice = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false));
    bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true));
    await(vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_EVENTS, m -> events.add(m.body())).completion());
  }

  @AfterAll
  static void down() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void simultaneousOpenThenPinnedTlsCarriesAnEchoIntactAndCloses() throws Exception {
    JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "tcp").put("timeoutMs", 15_000),
            new DeliveryOptions().setSendTimeout(20_000))
        .map(m -> m.body()));
    String id = s.getString("sessionId");
    assertThat(s.getString("method")).isEqualTo("tcp");
    assertThat(s.getString("path")).isEqualTo("direct");
    assertThat(s.getJsonObject("timings").getDouble("handshakeDoneMs"))
        .isGreaterThan(s.getJsonObject("timings").getDouble("checksDoneMs"));
    assertThat(timeline.events()).extracting(e -> e.event())
        .contains("tcp candidates", "tcp rtt", "tcp go", "tcp connected", "tls handshake done");
    EchoTransfer.sendAndVerify(vertx, s, 4 * 1024 * 1024, 16 * 1024, 5, () -> { });
    await(vertx.eventBus().request(Addresses.sessionClose(alice.puncher.peerId(), id), new JsonObject().put("reason", "done")));
    DcutrLoopbackTest.waitFor(() -> events.stream().filter(e -> "closed".equals(e.getString("type"))
        && id.equals(e.getString("sessionId"))).count() == 2, 5_000);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
