package io.p2pquic.rendezvous.signalling;

import static io.p2pquic.rendezvous.signalling.TestSupport.assertError;
import static io.p2pquic.rendezvous.signalling.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.signalling.TestSupport.Node;
import io.p2pquic.rendezvous.signalling.TestSupport.RawClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SignallingServiceTest {

  Node node;
  final List<RawClient> clients = new ArrayList<>();

  @BeforeAll
  static void logs() {
    TestSupport.quietLogs();
  }

  @BeforeEach
  void start(Vertx vertx) {
    node = Node.start(vertx, new SignallingConfig());
  }

  @AfterEach
  void stop() {
    clients.forEach(c -> {
      try {
        c.close();
      } catch (AssertionError ignored) {
        // already closed by the server
      }
    });
    node.stop();
  }

  RawClient registered() {
    RawClient c = RawClient.registered(node);
    clients.add(c);
    return c;
  }

  RawClient connected() {
    RawClient c = RawClient.connect(node);
    clients.add(c);
    return c;
  }

  @Test
  void registerLookupAndRelayOfferAnswer() {
    RawClient a = connected();
    PeerIdentity ida = PeerIdentity.generate();
    JsonObject reg = a.register(ida);
    assertThat(reg.getString("type")).isEqualTo("registered");
    assertThat(reg.getString("id")).isEqualTo("reg");
    assertThat(reg.getString("peerId")).isEqualTo(ida.peerId().value());
    assertThat(reg.getString("observedAddress")).isEqualTo("127.0.0.1:" + a.localPort());
    assertThat(reg.getString("node")).isEqualTo(node.service.nodeId());
    assertThat(reg.getString("sessionId")).isNotBlank();
    assertThat(reg.getJsonObject("limits")).isEqualTo(new JsonObject()
        .put("maxMessageBytes", 16384).put("ratePerSecond", 20.0).put("rateBurst", 40));
    assertThat(reg.fieldNames()).containsExactlyInAnyOrder(
        "type", "id", "peerId", "observedAddress", "sessionId", "node", "limits");

    RawClient b = registered();

    // lookup B from A: exact fields
    a.send(new JsonObject().put("type", "lookup").put("id", "l1").put("peerId", b.peerId()));
    JsonObject peer = a.next();
    long registeredAt = peer.getLong("registeredAt");
    assertThat(registeredAt).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
    assertThat(peer).isEqualTo(new JsonObject()
        .put("type", "peer").put("id", "l1").put("peerId", b.peerId()).put("online", true)
        .put("publicKey", b.identity.publicKeyBase64())
        .put("observedAddress", "127.0.0.1:" + b.localPort())
        .put("registeredAt", registeredAt)
        .put("node", node.service.nodeId()));

    // offer A -> B
    JsonObject offerBody = new JsonObject().put("ufrag", "abcd").put("pwd", "secret")
        .put("candidates", new JsonArray().add("host 192.0.2.1 4000"));
    a.send(new JsonObject().put("type", "offer").put("id", "r1").put("to", b.peerId()).put("body", offerBody));
    assertThat(b.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", a.peerId()).put("body", offerBody));
    assertThat(a.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "r1"));

    // answer B -> A, then trickled candidates and end-of-candidates
    JsonObject answerBody = new JsonObject().put("ufrag", "efgh");
    b.send(new JsonObject().put("type", "answer").put("id", "r2").put("to", a.peerId()).put("body", answerBody));
    assertThat(a.next()).isEqualTo(new JsonObject().put("type", "answer").put("from", b.peerId()).put("body", answerBody));
    assertThat(b.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "r2"));

    for (String type : List.of("candidate", "end-of-candidates", "connect", "sync", "bye")) {
      a.send(new JsonObject().put("type", type).put("id", 7).put("to", b.peerId()));
      assertThat(b.next()).isEqualTo(new JsonObject().put("type", type).put("from", a.peerId()).put("body", new JsonObject()));
      assertThat(a.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", 7));
    }

    // lookup of a peer that never registered
    String nobody = PeerIdentity.generate().peerId().value();
    a.send(new JsonObject().put("type", "lookup").put("id", "l2").put("peerId", nobody));
    assertThat(a.next()).isEqualTo(new JsonObject()
        .put("type", "peer").put("id", "l2").put("peerId", nobody).put("online", false));

    assertThat(node.relayed("offer")).isEqualTo(1.0);
    assertThat(node.relayed("answer")).isEqualTo(1.0);
    assertThat(node.relayed("candidate")).isEqualTo(1.0);
    assertThat(node.meters.find("p2p.signalling.registrations").counter().count()).isEqualTo(2.0);
    assertThat(node.meters.find("p2p.signalling.peers").gauge().value()).isEqualTo(2.0);

    // disconnect: B goes offline
    b.close();
    clients.remove(b);
    awaitOffline(a, b.peerId());
    assertThat(node.meters.find("p2p.signalling.peers").gauge().value()).isEqualTo(1.0);
  }

  static void awaitOffline(RawClient asker, String peerId) {
    for (int i = 0; i < 100; i++) {
      asker.send(new JsonObject().put("type", "lookup").put("id", "w" + i).put("peerId", peerId));
      if (!asker.next().getBoolean("online")) {
        return;
      }
      sleep(50);
    }
    throw new AssertionError(peerId + " still online");
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void wrongSignatureIsRejectedAndNotRegistered() {
    RawClient observer = registered();
    RawClient c = connected();
    PeerIdentity id = PeerIdentity.generate();
    byte[] nonce = c.challengeNonce();
    JsonObject reg = RawClient.registerMessage(id, nonce).put("id", "x1");
    byte[] sig = Base64.getDecoder().decode(reg.getString("signature"));
    sig[0] ^= 1;
    c.send(reg.copy().put("signature", Base64.getEncoder().encodeToString(sig)));
    assertError(c.next(), "x1", "bad-signature");

    // signature made by another key (the claimed id's key is right, the signer is not)
    PeerIdentity other = PeerIdentity.generate();
    c.send(reg.copy().put("id", "x2").put("signature",
        RawClient.registerMessage(other, nonce).getString("signature")));
    assertError(c.next(), "x2", "bad-signature");

    // signature over the nonce without the domain prefix
    c.send(reg.copy().put("id", "x3").put("signature", Base64.getEncoder().encodeToString(id.sign(nonce))));
    assertError(c.next(), "x3", "bad-signature");

    // still unauthenticated: cannot look up or send
    c.send(new JsonObject().put("type", "lookup").put("id", "x4").put("peerId", observer.peerId()));
    assertError(c.next(), "x4", "unauthenticated");
    // and nobody sees it online
    observer.send(new JsonObject().put("type", "lookup").put("id", "o1").put("peerId", id.peerId().value()));
    assertThat(observer.next().getBoolean("online")).isFalse();
    assertThat(node.errors("bad-signature")).isEqualTo(3.0);

    // the same connection can still register properly afterwards
    c.send(RawClient.registerMessage(id, nonce).put("id", "x5"));
    JsonObject ok = c.next();
    assertThat(ok.getString("type")).isEqualTo("registered");
    assertThat(ok.getString("peerId")).isEqualTo(id.peerId().value());
  }

  /**
   * Issue 15: the identity point (a small-order key) with a forged signature (R = identity, S = 0)
   * registered a peer id without any private key. The key is refused before the signature is checked.
   */
  @Test
  void aSmallOrderKeyWithAForgedSignatureDoesNotRegister() {
    RawClient observer = registered();
    RawClient c = connected();
    c.challengeNonce();
    byte[] identityPoint = new byte[32];
    identityPoint[0] = 1;
    byte[] spki = java.util.HexFormat.of().parseHex("302a300506032b6570032100");
    byte[] key = java.util.Arrays.copyOf(spki, 44);
    System.arraycopy(identityPoint, 0, key, 12, 32);
    byte[] forged = new byte[64];
    forged[0] = 1;
    String claimed = io.p2pquic.identity.PeerId.ofRawPublicKey(identityPoint).value();
    c.send(new JsonObject().put("type", "register").put("id", "so1").put("peerId", claimed)
        .put("publicKey", Base64.getEncoder().encodeToString(key))
        .put("signature", Base64.getEncoder().encodeToString(forged)));
    JsonObject error = c.next();
    assertError(error, "so1", "malformed");
    assertThat(error.getString("message")).contains("small order");
    observer.send(new JsonObject().put("type", "lookup").put("id", "o1").put("peerId", claimed));
    assertThat(observer.next().getBoolean("online")).isFalse();
  }

  @Test
  void signatureForAnotherConnectionsNonceIsRejected() {
    RawClient first = connected();
    RawClient second = connected();
    PeerIdentity id = PeerIdentity.generate();
    byte[] nonce1 = first.challengeNonce();
    second.challengeNonce();
    // replay: a registration signed for first's challenge sent on second
    second.send(RawClient.registerMessage(id, nonce1).put("id", "replay"));
    assertError(second.next(), "replay", "bad-signature");
  }

  @Test
  void keyNotMatchingIdIsRejected() {
    RawClient victim = registered();
    RawClient c = connected();
    PeerIdentity attacker = PeerIdentity.generate();
    byte[] nonce = c.challengeNonce();
    // claims the victim's id with its own (validly signing) key
    c.send(RawClient.registerMessage(attacker, nonce).put("id", "m1").put("peerId", victim.peerId()));
    assertError(c.next(), "m1", "id-mismatch");
    // claims the victim's id and key but can only sign with its own key
    c.send(RawClient.registerMessage(attacker, nonce).put("id", "m2").put("peerId", victim.peerId())
        .put("publicKey", victim.identity.publicKeyBase64()));
    assertError(c.next(), "m2", "bad-signature");
    assertThat(node.errors("id-mismatch")).isEqualTo(1.0);

    // the victim's session is untouched: it still receives messages and nobody got "replaced"
    RawClient other = registered();
    other.send(new JsonObject().put("type", "offer").put("id", "o").put("to", victim.peerId()));
    assertThat(victim.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", other.peerId())
        .put("body", new JsonObject()));
    assertThat(other.next().getString("type")).isEqualTo("ack");
  }

  @Test
  void spoofedFromIsIgnored() {
    RawClient a = registered();
    RawClient b = registered();
    RawClient c = registered();
    a.send(new JsonObject().put("type", "offer").put("id", "s1").put("to", b.peerId())
        .put("from", c.peerId()).put("origin", "service").put("body", new JsonObject().put("k", 1)));
    assertThat(b.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", a.peerId())
        .put("body", new JsonObject().put("k", 1)));
    assertThat(a.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "s1"));
    c.assertNothingWithin(100);
  }

  @Test
  void unauthenticatedRequestsRejected() {
    RawClient target = registered();
    RawClient c = connected();
    c.challengeNonce();
    c.send(new JsonObject().put("type", "offer").put("id", "u1").put("to", target.peerId()).put("body", new JsonObject()));
    assertError(c.next(), "u1", "unauthenticated");
    c.send(new JsonObject().put("type", "lookup").put("id", "u2").put("peerId", target.peerId()));
    assertError(c.next(), "u2", "unauthenticated");
    c.assertUsable("p");
    target.assertNothingWithin(100);
    assertThat(node.errors("unauthenticated")).isEqualTo(2.0);
  }

  @Test
  void secondRegisterOnSameConnectionRejected() {
    RawClient a = registered();
    a.send(RawClient.registerMessage(PeerIdentity.generate(), new byte[32]).put("id", "again"));
    assertError(a.next(), "again", "already-registered");
    a.assertUsable("p");
  }

  @Test
  void badInputGetsErrorRepliesAndHarmsNobody() {
    RawClient a = registered();
    RawClient b = registered();
    RawClient c = registered();
    RawClient d = registered();
    String unknown = PeerIdentity.generate().peerId().value();

    a.sendText("{not json");
    assertError(a.next(), null, "malformed");
    a.assertUsable("p1");

    a.sendText("[1,2,3]");
    assertError(a.next(), null, "malformed");

    a.sendText("");
    assertError(a.next(), null, "malformed");

    a.send(new JsonObject().put("id", "t0").put("to", b.peerId()));
    assertError(a.next(), "t0", "malformed");

    a.send(new JsonObject().put("type", 42).put("id", "t1"));
    assertError(a.next(), "t1", "malformed");

    a.send(new JsonObject().put("type", "shout").put("id", "t2"));
    assertError(a.next(), "t2", "unknown-type");

    a.send(new JsonObject().put("type", "registered").put("id", "t3"));
    assertError(a.next(), "t3", "unknown-type");

    a.send(new JsonObject().put("type", "offer").put("id", "t4").put("body", new JsonObject()));
    assertError(a.next(), "t4", "malformed");

    a.send(new JsonObject().put("type", "offer").put("id", "t5").put("to", "pq1nope"));
    assertError(a.next(), "t5", "malformed");

    a.send(new JsonObject().put("type", "offer").put("id", "t6").put("to", b.peerId()).put("body", "sdp as string"));
    assertError(a.next(), "t6", "malformed");

    a.send(new JsonObject().put("type", "lookup").put("id", "t7"));
    assertError(a.next(), "t7", "malformed");

    a.send(new JsonObject().put("type", "offer").put("id", new JsonObject()).put("to", b.peerId()));
    assertError(a.next(), null, "malformed");

    a.send(new JsonObject().put("type", "offer").put("id", "t8").put("to", unknown).put("body", new JsonObject()));
    assertError(a.next(), "t8", "unknown-target");
    a.assertUsable("p2");

    // oversized: just above the 16 KiB application limit (well below the WebSocket frame limit)
    String big = "x".repeat(16 * 1024);
    a.send(new JsonObject().put("type", "offer").put("id", "t9").put("to", b.peerId()).put("body",
        new JsonObject().put("sdp", big)));
    assertError(a.next(), null, "too-large");
    // multi-byte characters count as UTF-8 bytes: 6000 chars x 3 bytes > 16 KiB
    a.send(new JsonObject().put("type", "offer").put("id", "t10").put("to", b.peerId()).put("body",
        new JsonObject().put("sdp", "\u20ac".repeat(6000))));
    assertError(a.next(), null, "too-large");

    // binary frames are not part of the protocol
    await(a.ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(new byte[] {1, 2, 3})));
    assertError(a.next(), null, "malformed");
    a.assertUsable("p3");

    // nothing leaked to B, and other peers' sessions work
    b.assertNothingWithin(100);
    c.send(new JsonObject().put("type", "offer").put("id", "cd").put("to", d.peerId()).put("body", new JsonObject().put("n", 1)));
    assertThat(d.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", c.peerId())
        .put("body", new JsonObject().put("n", 1)));
    assertThat(c.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "cd"));
    // and A itself still relays
    a.send(new JsonObject().put("type", "offer").put("id", "ab").put("to", b.peerId()));
    assertThat(b.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", a.peerId()).put("body", new JsonObject()));
    assertThat(a.next()).isEqualTo(new JsonObject().put("type", "ack").put("id", "ab"));

    assertThat(node.errors("malformed")).isEqualTo(11.0);
    assertThat(node.errors("unknown-type")).isEqualTo(2.0);
    assertThat(node.errors("unknown-target")).isEqualTo(1.0);
    assertThat(node.errors("too-large")).isEqualTo(2.0);
  }

  @Test
  void plainHttpRequestGets426(Vertx vertx) {
    var client = vertx.createHttpClient();
    HttpClientResponse resp = await(client.request(HttpMethod.GET, node.port(), "127.0.0.1", "/signal")
        .compose(req -> req.send()));
    assertThat(resp.statusCode()).isEqualTo(426);
    await(client.close());
  }

  @Test
  void reRegistrationReplacesOldConnection() {
    PeerIdentity id = PeerIdentity.generate();
    RawClient old = connected();
    old.register(id);
    RawClient sender = registered();

    RawClient fresh = connected();
    JsonObject reg = fresh.register(id);
    assertThat(reg.getString("peerId")).isEqualTo(id.peerId().value());

    JsonObject notice = old.next();
    assertThat(notice.getString("type")).isEqualTo("replaced");
    assertThat(notice.getString("peerId")).isEqualTo(id.peerId().value());
    assertThat(notice.getString("message")).isNotBlank();
    assertThat(TestSupport.await(io.vertx.core.Future.fromCompletionStage(old.closed))).isEqualTo((short) 4001);

    // messages now reach the new connection, and lookup reports it
    sender.send(new JsonObject().put("type", "offer").put("id", "1").put("to", id.peerId().value()));
    assertThat(fresh.next()).isEqualTo(new JsonObject().put("type", "offer").put("from", sender.peerId())
        .put("body", new JsonObject()));
    assertThat(sender.next().getString("type")).isEqualTo("ack");
    sender.send(new JsonObject().put("type", "lookup").put("id", "2").put("peerId", id.peerId().value()));
    JsonObject info = sender.next();
    assertThat(info.getBoolean("online")).isTrue();
    assertThat(info.getString("observedAddress")).isEqualTo("127.0.0.1:" + fresh.localPort());

    // the old connection closing must not unregister the new one
    sleep(100);
    sender.send(new JsonObject().put("type", "lookup").put("id", "3").put("peerId", id.peerId().value()));
    assertThat(sender.next().getBoolean("online")).isTrue();
  }
}
