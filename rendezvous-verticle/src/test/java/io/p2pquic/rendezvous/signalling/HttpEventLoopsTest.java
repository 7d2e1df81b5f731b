package io.p2pquic.rendezvous.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code http.eventLoops}: the signalling port served by several event loops. Connections land on different
 * loops, each decodes and verifies its own frames before the hop to the one service context; registration
 * (a bad signature included), relaying between connections of different loops and the rate limit behave as
 * on one loop.
 */
class HttpEventLoopsTest {

  @Test
  void peersOnDifferentLoopsRegisterAndReachEachOther() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    int port;
    // Port sharing among the loops needs a fixed port (see RendezvousVerticle.moreHttpLoops): take a free one.
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    try {
      RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
          .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", port).put("eventLoops", 3))
          .put("stun", new JsonObject().put("port", 0)).put("turn", new JsonObject().put("enabled", false))
          .put("signalling", new JsonObject().put("quicPort", -1).put("rateBurst", 5).put("ratePerSecond", 1))),
          new SimpleMeterRegistry());
      vertx.deployVerticle(rendezvous).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(rendezvous.httpEventLoops()).isEqualTo(3);

      List<TestSupport.RawClient> peers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        TestSupport.RawClient c = TestSupport.RawClient.connect(vertx, port);
        c.register(PeerIdentity.generate());
        peers.add(c);
      }
      // Every peer sends one offer to the next: six connections over three loops, so most cross loops.
      for (int i = 0; i < peers.size(); i++) {
        TestSupport.RawClient to = peers.get((i + 1) % peers.size());
        peers.get(i).send(new JsonObject().put("type", "offer").put("id", "o" + i).put("to", to.peerId())
            .put("body", new JsonObject().put("sessionId", "s" + i)));
      }
      for (int i = 0; i < peers.size(); i++) {
        TestSupport.RawClient to = peers.get((i + 1) % peers.size());
        List<JsonObject> got = List.of(to.next(), to.next());
        assertThat(got).as("peer %d gets its ack and the offer of peer %d", (i + 1) % peers.size(), i)
            .anySatisfy(m -> assertThat(m.getString("type")).isEqualTo("offer"))
            .anySatisfy(m -> assertThat(m.getString("type")).isEqualTo("ack"));
        JsonObject offer = got.stream().filter(m -> "offer".equals(m.getString("type"))).findFirst().orElseThrow();
        assertThat(offer.getString("from")).isEqualTo(peers.get(i).peerId());
        assertThat(offer.getJsonObject("body").getString("sessionId")).isEqualTo("s" + i);
      }

      // A register whose signature was made over another nonce fails on whichever loop checked it.
      TestSupport.RawClient liar = TestSupport.RawClient.connect(vertx, port);
      JsonObject first = liar.next();
      assertThat(first.getString("type")).as("first frame %s", first).isEqualTo("challenge");
      liar.send(TestSupport.RawClient.registerMessage(PeerIdentity.generate(), new byte[32]).put("id", "r"));
      assertThat(liar.next().getString("code")).isEqualTo("bad-signature");

      // The rate limit still holds per connection: a burst of 5, then drops.
      TestSupport.RawClient fast = peers.get(0);
      List<String> types = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        fast.send(new JsonObject().put("type", "ping").put("id", "p" + i));
      }
      for (int i = 0; i < 8; i++) {
        types.add(fast.next().getString("type"));
      }
      assertThat(types).contains("pong").contains("error");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
