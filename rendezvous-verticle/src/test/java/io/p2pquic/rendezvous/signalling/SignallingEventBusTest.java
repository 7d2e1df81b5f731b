package io.p2pquic.rendezvous.signalling;

import static io.p2pquic.rendezvous.signalling.TestSupport.await;
import static io.p2pquic.testsupport.Await.failure;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingException;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.signalling.TestSupport.Node;
import io.p2pquic.rendezvous.signalling.TestSupport.RawClient;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A service inside the cluster uses the event-bus API to reach WebSocket peers. */
@ExtendWith(VertxExtension.class)
class SignallingEventBusTest {

  Node node;
  Vertx vertx;

  @BeforeAll
  static void logs() {
    TestSupport.quietLogs();
  }

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    node = Node.start(vertx, new SignallingConfig());
  }

  @AfterEach
  void stop() {
    node.stop();
  }

  @Test
  void serviceLooksUpAndRelaysToWebSocketPeer() {
    RawClient peer = RawClient.registered(node);

    Message<JsonObject> reply = await(vertx.eventBus().request(Addresses.RENDEZVOUS_LOOKUP,
        new JsonObject().put("peerId", peer.peerId())));
    JsonObject info = reply.body();
    assertThat(info).isEqualTo(new JsonObject()
        .put("peerId", peer.peerId()).put("online", true)
        .put("publicKey", peer.identity.publicKeyBase64())
        .put("observedAddress", "127.0.0.1:" + peer.localPort())
        .put("registeredAt", info.getLong("registeredAt"))
        .put("node", node.service.nodeId()));
    assertThat(PeerInfo.fromJson(info).online()).isTrue();

    JsonObject body = new JsonObject().put("relay", "turn://127.0.0.1:3478");
    Message<JsonObject> ack = await(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", peer.peerId()).put("type", "connect").put("from", "turn-allocator").put("body", body)));
    assertThat(ack.body()).isEqualTo(new JsonObject().put("type", "ack"));
    assertThat(peer.next()).isEqualTo(new JsonObject().put("type", "connect")
        .put("from", "service:turn-allocator").put("origin", "service").put("body", body));
    assertThat(node.relayed("connect")).isEqualTo(1.0);

    // the peer can reply with its own messages as usual; the service's failures do not touch it
    peer.assertUsable("p");
  }

  @Test
  void eventBusErrorsCarryCodes() {
    String unknown = PeerIdentity.generate().peerId().value();
    RawClient peer = RawClient.registered(node);

    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", unknown).put("type", "offer").put("from", "svc")), ErrorCode.UNKNOWN_TARGET);
    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", peer.peerId()).put("type", "hello").put("from", "svc")), ErrorCode.UNKNOWN_TYPE);
    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", peer.peerId()).put("type", "offer")), ErrorCode.MALFORMED); // no from
    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", peer.peerId()).put("type", "offer").put("from", "a b")), ErrorCode.MALFORMED);
    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", "nope").put("type", "offer").put("from", "svc")), ErrorCode.MALFORMED);
    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_RELAY, new JsonObject()
        .put("to", peer.peerId()).put("type", "offer").put("from", "svc")
        .put("body", new JsonObject().put("x", "y".repeat(20_000)))), ErrorCode.TOO_LARGE);
    assertBusError(vertx.eventBus().request(Addresses.RENDEZVOUS_LOOKUP, new JsonObject().put("peerId", 5)),
        ErrorCode.MALFORMED);

    assertThat(await(vertx.eventBus().<JsonObject>request(Addresses.RENDEZVOUS_LOOKUP,
        new JsonObject().put("peerId", unknown))).body())
        .isEqualTo(new JsonObject().put("peerId", unknown).put("online", false));

    peer.assertNothingWithin(100);
    peer.assertUsable("p");
    assertThat(node.errors("malformed")).isEqualTo(4.0);
    assertThat(node.errors("unknown-target")).isEqualTo(1.0);
  }

  @Test
  void staleEntryOfDeadNodeIsReportedOfflineAndRemoved() {
    // An entry written by a node that no longer exists (no consumer of p2p.signal.<id> anywhere).
    PeerIdentity ghost = PeerIdentity.generate();
    JsonObject entry = new JsonObject().put("peerId", ghost.peerId().value()).put("node", "dead-node")
        .put("sessionId", "s").put("publicKey", ghost.publicKeyBase64())
        .put("observedAddress", "192.0.2.7:4000").put("registeredAt", 1L);
    var map = await(vertx.sharedData().<String, JsonObject>getAsyncMap(SignallingConfig.DEFAULT_REGISTRY_MAP_NAME));
    await(map.put(ghost.peerId().value(), entry));

    RawClient asker = RawClient.registered(node);
    asker.send(new JsonObject().put("type", "lookup").put("id", "g").put("peerId", ghost.peerId().value()));
    assertThat(asker.next()).isEqualTo(new JsonObject().put("type", "peer").put("id", "g")
        .put("peerId", ghost.peerId().value()).put("online", false));
    assertThat(await(map.get(ghost.peerId().value()))).isNull();
    assertThat(node.meters.find("p2p.signalling.registry.stale").counter().count()).isEqualTo(1.0);

    // sends to it fail cleanly
    asker.send(new JsonObject().put("type", "offer").put("id", "o").put("to", ghost.peerId().value()));
    TestSupport.assertError(asker.next(), "o", "unknown-target");
  }

  @Test
  void registryHoldsEntryWhileConnectedAndDropsItOnClose() {
    var map = await(vertx.sharedData().<String, JsonObject>getAsyncMap(SignallingConfig.DEFAULT_REGISTRY_MAP_NAME));
    RawClient peer = RawClient.registered(node);
    JsonObject entry = await(map.get(peer.peerId()));
    assertThat(entry.getString("node")).isEqualTo(node.service.nodeId());
    assertThat(entry.getString("publicKey")).isEqualTo(peer.identity.publicKeyBase64());
    assertThat(entry.getString("observedAddress")).isEqualTo("127.0.0.1:" + peer.localPort());
    assertThat(entry.fieldNames()).containsExactlyInAnyOrder(
        "peerId", "node", "sessionId", "publicKey", "observedAddress", "registeredAt");
    peer.close();
    for (int i = 0; i < 100 && await(map.get(peer.peerId())) != null; i++) {
      SignallingServiceTest.sleep(20);
    }
    assertThat(await(map.get(peer.peerId()))).isNull();
  }

  private static void assertBusError(io.vertx.core.Future<?> f, ErrorCode code) {
    Throwable t = failure(f, TestSupport.TIMEOUT);
    assertThat(t).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) t).failureCode()).isEqualTo(code.status());
    assertThat(t.getMessage()).isEqualTo(code.wire());
    assertThat(SignallingException.fromEventBus(t).code()).isEqualTo(code.wire());
  }
}
