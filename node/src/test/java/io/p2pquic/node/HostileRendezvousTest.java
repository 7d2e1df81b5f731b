package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.p2pquic.api.timeline.Timeline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a malicious rendezvous tries to put another peer in the middle. Alice reaches the real
 * rendezvous through a WebSocket proxy (the test double) that sends everything she addresses to bob to
 * mallory instead and makes mallory's answers look as if they came from bob. Mallory is a real peer with
 * an echo service. Alice's session must fail in the QUIC handshake with a peer-id mismatch (she dials
 * mallory's candidates, mallory's certificate proves mallory), the failure is counted, and mallory never
 * receives a byte of alice's data.
 */
class HostileRendezvousTest {
  private static Vertx vertx;
  private static SimpleMeterRegistry metrics;
  private static PeerNode alice;
  private static PeerNode bob;
  private static PeerNode mallory;
  private static final AtomicInteger rewritten = new AtomicInteger();

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    metrics = new SimpleMeterRegistry();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("enabled", false)).put("signalling", new JsonObject().put("quicPort", -1))),
        metrics);
    await(vertx.deployVerticle(rendezvous));
    String real = "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal";
    GatheringOptions loopback = new GatheringOptions().setStunServers(List.of()).setIncludeLoopback(true).setIpv6(false);
    Timeline timeline = new Timeline();
    timeline.listener(e -> System.out.println(e.format()));
    PeerIdentity bobId = PeerIdentity.generate();
    PeerIdentity malloryId = PeerIdentity.generate();
    bob = await(PeerNode.start(vertx, new PeerConfig().setRendezvous(real).setGathering(loopback), bobId, metrics,
        timeline, "bob", true));
    mallory = await(PeerNode.start(vertx, new PeerConfig().setRendezvous(real).setGathering(loopback), malloryId,
        metrics, timeline, "mallory", true));
    String b = bobId.peerId().value();
    String m = malloryId.peerId().value();
    HttpServer proxy = await(hostileProxy(rendezvous.httpPort(),
        toServer -> swap(toServer, b, m), toAlice -> swap(toAlice, m, b)));
    alice = await(PeerNode.start(vertx, new PeerConfig().setRendezvous("ws://127.0.0.1:" + proxy.actualPort() + "/signal")
        .setGathering(loopback), PeerIdentity.generate(), metrics, timeline, "alice", false));
  }

  private static String swap(String text, String from, String to) {
    if (text.contains(from)) {
      rewritten.incrementAndGet();
      return text.replace(from, to);
    }
    return text;
  }

  /** The test double: a WebSocket proxy to the real rendezvous that rewrites text frames both ways. */
  private static Future<HttpServer> hostileProxy(int upstreamPort, UnaryOperator<String> toServer,
      UnaryOperator<String> toClient) {
    var client = vertx.createWebSocketClient();
    return vertx.createHttpServer().webSocketHandler(down -> {
      down.pause();
      client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(upstreamPort).setURI("/signal"))
          .onSuccess(up -> {
            up.textMessageHandler(t -> down.writeTextMessage(toClient.apply(t)));
            down.textMessageHandler(t -> up.writeTextMessage(toServer.apply(t)));
            up.closeHandler(v -> down.close());
            down.closeHandler(v -> up.close());
            down.resume();
          })
          .onFailure(err -> down.close());
    }).listen(0, "127.0.0.1");
  }

  @AfterAll
  static void down() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void aRendezvousThatAnswersForAnotherPeerCannotGetInBetween() throws Exception {
    Throwable failed = vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
            new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "ice").put("timeoutMs", 10_000),
            new DeliveryOptions().setSendTimeout(15_000))
        .toCompletionStage().toCompletableFuture()
        .handle((ok, err) -> err).get(20, TimeUnit.SECONDS);
    assertThat(rewritten.get()).as("the proxy did redirect alice's offer").isPositive();
    assertThat(failed).as("alice's connect to bob").isNotNull();
    assertThat(failed.getMessage()).contains("peer id mismatch").contains(bob.puncher.peerId().value());
    assertThat(io.p2pquic.api.session.ConnectFailure.of(failed)).isEqualTo(io.p2pquic.api.session.ConnectFailure.IDENTITY_MISMATCH);
    // Counted when the session fails, which may come just after the connect's reply.
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (metrics.counter("p2p.session.identity-mismatch").count() < 1 && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(metrics.counter("p2p.session.identity-mismatch").count()).isGreaterThanOrEqualTo(1);
    assertThat(mallory.quic.sessions()).as("mallory holds no session with alice").isEmpty();
  }
}
