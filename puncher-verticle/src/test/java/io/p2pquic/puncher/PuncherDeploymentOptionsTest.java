package io.p2pquic.puncher;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peers deployed the way Vert.x users expect: the puncher and the quic-verticle by class name, each with its
 * part of a {@code conf/peer.json} as the {@link DeploymentOptions} config and one key file between them.
 * Two such peers connect and echo through the documented event-bus API.
 */
class PuncherDeploymentOptionsTest {
  @TempDir
  Path dir;
  private Vertx vertx;
  private RendezvousVerticle rendezvous;

  @BeforeEach
  void up() throws Exception {
    vertx = Vertx.vertx();
    rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject().put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("turn", new JsonObject().put("enabled", false)).put("signalling", new JsonObject().put("quicPort", -1))),
        new SimpleMeterRegistry());
    await(vertx.deployVerticle(rendezvous));
  }

  @AfterEach
  void down() throws Exception {
    await(vertx.close());
  }

  /** A peer.json for a loopback peer with its own key file. */
  private JsonObject peerJson(String name) {
    return new JsonObject()
        .put("rendezvous", "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal")
        .put("identity", dir.resolve(name + "-identity.json").toString())
        .put("gathering", new JsonObject()
            .put("stunServers", new JsonArray().add("127.0.0.1:" + rendezvous.stunAddress().getPort()))
            .put("includeLoopback", true).put("ipv6", false));
  }

  /** Puncher first (it creates the key file), then the quic-verticle on the same file. */
  private PeerId deployPeer(String name, boolean echo) throws Exception {
    JsonObject peer = peerJson(name);
    await(vertx.deployVerticle("io.p2pquic.puncher.PuncherVerticle", new DeploymentOptions().setConfig(peer)));
    await(vertx.deployVerticle("io.p2pquic.quic.session.QuicVerticle", new DeploymentOptions().setConfig(
        new JsonObject().put("identity", peer.getString("identity")).put("echo", echo))));
    return PeerIdentity.load(Path.of(peer.getString("identity"))).peerId();
  }

  @Test
  void twoPeersDeployedByClassNameConnectAndEcho() throws Exception {
    PeerId alice = deployPeer("alice", false);
    PeerId bob = deployPeer("bob", true);

    JsonObject session = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice),
            new JsonObject().put("peer", bob.value()).put("method", "ice").put("timeoutMs", 15_000),
            new DeliveryOptions().setSendTimeout(20_000)).map(m -> m.body()));
    String id = session.getString("sessionId");
    assertThat(session.getString("peer")).isEqualTo(bob.value());

    Promise<Buffer> echoed = Promise.promise();
    var data = vertx.eventBus().<Buffer>consumer(Addresses.sessionData(alice, id), m -> echoed.tryComplete(m.body()));
    await(data.completion());
    await(vertx.eventBus().request(Addresses.sessionSend(alice, id), Buffer.buffer("hello")));
    assertThat(await(echoed.future()).toString()).isEqualTo("hello");
  }

  @Test
  void theNoArgConstructorReadsTheDeploymentConfig() throws Exception {
    PuncherVerticle puncher = new PuncherVerticle();
    await(vertx.deployVerticle(puncher, new DeploymentOptions().setConfig(peerJson("carol"))));
    assertThat(puncher.peerId()).isEqualTo(PeerIdentity.load(dir.resolve("carol-identity.json")).peerId());
    assertThat(await(puncher.registered()).peerId()).isEqualTo(puncher.peerId());
  }

  @Test
  void anUnknownKeyFailsTheDeploymentNamingIt() {
    JsonObject peer = peerJson("dave");
    peer.getJsonObject("gathering").put("includeLoopbak", true);
    assertThatThrownBy(() -> await(vertx.deployVerticle("io.p2pquic.puncher.PuncherVerticle",
            new DeploymentOptions().setConfig(peer))))
        .hasMessageContaining("gathering.includeLoopbak is not a known key");
    assertThat(dir.resolve("dave-identity.json")).as("nothing made before the config was read").doesNotExist();
  }
}
