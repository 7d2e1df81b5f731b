package io.p2pquic.node.bridge;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bridge of one peer over a real TCP socket: what its permissions let through and what they refuse,
 * and the JSON facade's send (with its limits) and data. The peer's services are stood in for by plain
 * consumers on their addresses, so the test is about the bridge alone; PythonBridgeClientTest runs it with
 * real peers.
 */
class EventBusBridgePermissionsTest {
  private static final String SESSION = "0b7f3a52-3c1e-4e55-9a4e-1f0d8c2b7a11";
  private static Vertx vertx;
  private static PeerId me;
  private static PeerId other;
  private static int port;
  private static final List<Buffer> written = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    me = PeerIdentity.generate().peerId();
    other = PeerIdentity.generate().peerId();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // Stand-ins for the services the bridge leads to: each answers, so a refusal can only be the bridge's.
    for (String address : List.of(Addresses.peerConnect(me), Addresses.peerConnect(other), Addresses.quicAdopt(me),
        Addresses.sessionClose(me, SESSION), Addresses.sessionClose(other, SESSION),
        Addresses.sessionControl(me, SESSION), Addresses.RENDEZVOUS_LOOKUP)) {
      vertx.eventBus().consumer(address, m -> m.reply(new JsonObject().put("served", address)));
    }
    vertx.eventBus().<Buffer>consumer(Addresses.sessionSend(me, SESSION), m -> {
      written.add(m.body());
      m.reply(new JsonObject());
    });
    await(vertx.deployVerticle(new EventBusBridgeVerticle(me, "127.0.0.1", port, List::of)));
    // The session comes up: the facade serves its JSON twins from this event on.
    vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "connected")
        .put("sessionId", SESSION).put("localPeer", me.value()).put("peer", other.value()));
  }

  @AfterAll
  static void down() throws Exception {
    await(vertx.close());
  }

  @Test
  void onlyThisPeersConnectAndCloseAddressesGoIn() throws Exception {
    try (BridgeFrameClient c = new BridgeFrameClient(port)) {
      assertThat(c.request(Addresses.peerConnect(me), new JsonObject()).getJsonObject("body"))
          .isEqualTo(new JsonObject().put("served", Addresses.peerConnect(me)));
      assertThat(c.request(Addresses.sessionClose(me, SESSION), new JsonObject()).getString("type")).isEqualTo("message");
      for (String refused : List.of(Addresses.peerConnect(other), Addresses.quicAdopt(me),
          Addresses.sessionClose(other, SESSION), Addresses.sessionSend(me, SESSION),
          Addresses.sessionControl(me, SESSION), Addresses.RENDEZVOUS_LOOKUP,
          "p2p.session." + me.value() + "." + SESSION + ".close.x")) {
        JsonObject answer = c.request(refused, new JsonObject());
        assertThat(answer.getString("type")).as(refused).isEqualTo("err");
        assertThat(answer.getString("message")).as(refused).isEqualTo("access_denied");
      }
      // publish needs an inbound permission as well
      c.write(new JsonObject().put("type", "publish").put("address", Addresses.RENDEZVOUS_LOOKUP).put("body", new JsonObject()));
      assertThat(c.read().getString("message")).isEqualTo("access_denied");
    }
  }

  @Test
  void onlyTheJsonDataAndTheSessionEventsComeOut() throws Exception {
    try (BridgeFrameClient c = new BridgeFrameClient(port)) {
      for (String refused : List.of(Addresses.sessionData(me, SESSION), Addresses.bridgeSessionData(other, SESSION),
          Addresses.sessionControlIn(me, SESSION), Addresses.signal(me))) {
        c.register(refused);
        JsonObject answer = c.read();
        assertThat(answer.getString("type")).as(refused).isEqualTo("err");
        assertThat(answer.getString("message")).as(refused).isEqualTo("access_denied");
      }
      c.register(Addresses.bridgeSessionData(me, SESSION));
      c.register(Addresses.SESSION_EVENTS);
      assertThat(c.ping().getString("type")).isEqualTo("pong");

      byte[] bytes = new byte[70_000]; // more than one piece: split into 65536 + 4464
      new java.util.Random(7).nextBytes(bytes);
      vertx.eventBus().publish(Addresses.sessionData(me, SESSION), Buffer.buffer(bytes),
          new DeliveryOptions().addHeader("stream", "4"));
      JsonObject first = c.read();
      JsonObject second = c.read();
      assertThat(first.getString("address")).isEqualTo(Addresses.bridgeSessionData(me, SESSION));
      assertThat(first.getJsonObject("body").getLong("stream")).isEqualTo(4L);
      Buffer joined = Buffer.buffer(Base64.getDecoder().decode(first.getJsonObject("body").getString("data")))
          .appendBytes(Base64.getDecoder().decode(second.getJsonObject("body").getString("data")));
      assertThat(joined.getBytes()).isEqualTo(bytes);

      vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "path-changed")
          .put("sessionId", SESSION).put("localPeer", me.value()));
      assertThat(c.read().getJsonObject("body").getString("type")).isEqualTo("path-changed");
    }
  }

  @Test
  void theJsonSendWritesBytesAndRefusesOversizeOrMalformedBodies() throws Exception {
    try (BridgeFrameClient c = new BridgeFrameClient(port)) {
      String send = Addresses.bridgeSessionSend(me, SESSION);
      JsonObject ok = c.request(send, new JsonObject().put("data", Base64.getEncoder().encodeToString("hello".getBytes())));
      assertThat(ok.getJsonObject("body")).isEqualTo(new JsonObject().put("bytes", 5));
      assertThat(written).extracting(Buffer::toString).contains("hello");

      JsonObject big = c.request(send, new JsonObject()
          .put("data", Base64.getEncoder().encodeToString(new byte[BridgeDataFacade.MAX_SEND_BYTES + 1])));
      assertThat(big.getString("type")).isEqualTo("err");
      assertThat(big.getInteger("failureCode")).isEqualTo(413);
      assertThat(big.getString("message")).contains("too large").contains("65536");

      JsonObject limit = c.request(send, new JsonObject()
          .put("data", Base64.getEncoder().encodeToString(new byte[BridgeDataFacade.MAX_SEND_BYTES])));
      assertThat(limit.getJsonObject("body")).isEqualTo(new JsonObject().put("bytes", BridgeDataFacade.MAX_SEND_BYTES));

      JsonObject notBase64 = c.request(send, new JsonObject().put("data", "not base64!"));
      assertThat(notBase64.getInteger("failureCode")).isEqualTo(400);
      JsonObject noData = c.request(send, "hello");
      assertThat(noData.getInteger("failureCode")).isEqualTo(400);
      assertThat(noData.getString("message")).contains("{\"data\"");

      JsonObject otherPeers = c.request(Addresses.bridgeSessionSend(other, SESSION), new JsonObject().put("data", ""));
      assertThat(otherPeers.getString("message")).isEqualTo("access_denied");
    }
  }

  /**
   * Held by another process (here a plain socket): the start fails, naming the key and the flag. Not a second
   * bridge in this Vert.x: Vert.x shares a host:port among its own servers and would deal connections out in
   * turn (docs/bridge.md).
   */
  @Test
  void aTakenPortFailsTheStartNamingTheKeyAndTheFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(vertx.deployVerticle(
              new EventBusBridgeVerticle(me, "127.0.0.1", taken.getLocalPort(), List::of))))
          .hasMessageContaining("event-bus bridge not started on 127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("bridge.port / --bridge-port");
    }
  }
}
