package io.p2pquic.rendezvous.signalling;

import static io.p2pquic.rendezvous.signalling.TestSupport.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.rendezvous.signalling.TestSupport.Node;
import io.p2pquic.rendezvous.signalling.TestSupport.RawClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Configurable limits: rate limit, message size, registration timeout. */
@ExtendWith(VertxExtension.class)
class SignallingLimitsTest {

  @BeforeAll
  static void logs() {
    TestSupport.quietLogs();
  }

  @Test
  void rateLimitAnswersWithErrorAndSparesOthers(Vertx vertx) {
    // burst 5, refill one token per 20 s: after the burst every message is over the limit
    Node node = Node.start(vertx, new SignallingConfig().setRateBurst(5).setRatePerSecond(0.05));
    try {
      RawClient flooder = connected(node); // challenge does not cost a token; register does
      flooder.register(io.p2pquic.identity.PeerIdentity.generate());
      RawClient b = RawClient.registered(node);
      RawClient c = RawClient.registered(node);

      for (int i = 0; i < 10; i++) {
        flooder.send(new JsonObject().put("type", "ping").put("id", "f" + i));
      }
      // 1 token went to register, 4 remain
      for (int i = 0; i < 4; i++) {
        assertThat(flooder.next()).isEqualTo(new JsonObject().put("type", "pong").put("id", "f" + i));
      }
      for (int i = 4; i < 10; i++) {
        assertError(flooder.next(), "f" + i, "rate-limited");
      }
      // a relay attempt while limited is dropped, not delivered
      flooder.send(new JsonObject().put("type", "offer").put("id", "x").put("to", b.peerId()));
      assertError(flooder.next(), "x", "rate-limited");
      b.assertNothingWithin(100);
      assertThat(flooder.ws.isClosed()).isFalse();

      // other peers are unaffected (each connection has its own bucket)
      b.send(new JsonObject().put("type", "offer").put("id", "bc").put("to", c.peerId()));
      assertThat(c.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", b.peerId())
          .put("body", new JsonObject()));
      assertThat(b.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "bc"));
      assertThat(node.errors("rate-limited")).isEqualTo(7.0);
      flooder.close();
      b.close();
      c.close();
    } finally {
      node.stop();
    }
  }

  @Test
  void messageSizeLimitIsConfigurable(Vertx vertx) {
    Node node = Node.start(vertx, new SignallingConfig().setMaxMessageBytes(1000).setMaxWebSocketFrameBytes(4096));
    try {
      RawClient a = RawClient.registered(node);
      RawClient b = RawClient.registered(node);
      JsonObject msg = new JsonObject().put("type", "offer").put("id", "s").put("to", b.peerId());
      int overhead = msg.copy().put("body", new JsonObject().put("p", "")).encode().length();
      // exactly at the limit: relayed
      a.send(msg.copy().put("body", new JsonObject().put("p", "y".repeat(1000 - overhead))));
      assertThat(b.next().getString("type")).isEqualTo("offer");
      assertThat(a.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "s"));
      // one byte more: too-large
      a.send(msg.copy().put("body", new JsonObject().put("p", "y".repeat(1001 - overhead))));
      assertError(a.next(), null, "too-large");
      a.assertUsable("ok");
      // beyond the WebSocket frame limit the transport itself drops the connection (Netty closes the
      // channel: the client sees 1006 abnormal closure or 1009 message too big)
      a.sendText("{\"type\":\"ping\",\"pad\":\"" + "z".repeat(5000) + "\"}");
      assertThat(TestSupport.await(Future.fromCompletionStage(a.closed))).isIn((short) 1006, (short) 1009);
      // ...which does not affect b
      b.assertUsable("still");
      b.close();
    } finally {
      node.stop();
    }
  }

  @Test
  void registrationTimeoutClosesSilentConnections(Vertx vertx) {
    Node node = Node.start(vertx, new SignallingConfig().setRegistrationTimeoutMs(300));
    try {
      RawClient idle = connected(node);
      idle.challengeNonce();
      assertError(idle.next(), null, "registration-timeout");
      assertThat(TestSupport.await(Future.fromCompletionStage(idle.closed))).isEqualTo((short) 4002);
      assertThat(node.errors("registration-timeout")).isEqualTo(1.0);

      // a registered connection outlives the timeout
      RawClient ok = RawClient.registered(node);
      SignallingServiceTest.sleep(500);
      ok.assertUsable("alive");
      ok.close();
    } finally {
      node.stop();
    }
  }

  @Test
  void stopClosesConnectionsWithGoingAway(Vertx vertx) {
    Node node = Node.start(vertx, new SignallingConfig());
    RawClient a = RawClient.registered(node);
    node.stop();
    assertThat(TestSupport.await(Future.fromCompletionStage(a.closed))).isEqualTo((short) 1001);
  }

  private static RawClient connected(Node node) {
    return RawClient.connect(node);
  }
}
