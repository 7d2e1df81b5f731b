package io.p2pquic.rendezvous.relay;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.testsupport.TestVertx;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Grants of rendezvous nodes sharing one (local) Vert.x: which relays they list, which secret signs them. */
class RelayGrantsLocalTest {
  @RegisterExtension
  final TestVertx testVertx = TestVertx.perTest();
  final Vertx vertx = testVertx.vertx();

  static RendezvousConfig config(String node, JsonObject turn) {
    return rawConfig(node, turn.copy().put("grant", "all-registered"));
  }

  /** As {@link #config} without opening the relay to every registered peer. */
  static RendezvousConfig rawConfig(String node, JsonObject turn) {
    return RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1")
        .put("http", new JsonObject().put("port", 0))
        .put("stun", new JsonObject().put("port", 0))
        .put("signalling", new JsonObject().put("nodeId", node))
        .put("turn", turn));
  }

  RendezvousVerticle deploy(String node, JsonObject turn) throws Exception {
    RendezvousVerticle v = new RendezvousVerticle(config(node, turn), new SimpleMeterRegistry());
    await(vertx.deployVerticle(v));
    return v;
  }

  /**
   * Issue 15: any fresh key that registered received TURN credentials. The relay is closed unless
   * turn.grant names the peer (or says all-registered), and refusals are counted.
   */
  @Test
  void theRelayIsClosedByDefaultAndServesOnlyThePeersTheOperatorNames() throws Exception {
    String mine = io.p2pquic.identity.PeerIdentity.generate().peerId().value();
    String stranger = io.p2pquic.identity.PeerIdentity.generate().peerId().value();
    SimpleMeterRegistry closedMetrics = new SimpleMeterRegistry();
    RendezvousVerticle closed = new RendezvousVerticle(rawConfig("closed", new JsonObject()), closedMetrics);
    await(vertx.deployVerticle(closed));
    assertThat(closed.relayCredentials(mine)).isNull();
    assertThat(closed.relayCredentials(stranger)).isNull();
    assertThat(closedMetrics.counter("p2p.relay.grants.refused").count()).isEqualTo(2);
    RendezvousVerticle listed = new RendezvousVerticle(rawConfig("listed",
        new JsonObject().put("grant", new io.vertx.core.json.JsonArray().add(mine))), new SimpleMeterRegistry());
    await(vertx.deployVerticle(listed));
    assertThat(listed.relayCredentials(mine)).isNotNull();
    assertThat(listed.relayCredentials(mine).relays()).isNotEmpty();
    assertThat(listed.relayCredentials(stranger)).isNull();
    RendezvousVerticle open = new RendezvousVerticle(rawConfig("open",
        new JsonObject().put("grant", "all-registered")), new SimpleMeterRegistry());
    await(vertx.deployVerticle(open));
    assertThat(open.relayCredentials(stranger)).isNotNull();
  }

  /** An operator admits their own users with signed tokens instead of listing every peer id. */
  @Test
  void aSignedGrantTokenOfATrustedIssuerAdmitsItsPeerOnly() throws Exception {
    io.p2pquic.identity.PeerIdentity operator = io.p2pquic.identity.PeerIdentity.generate();
    io.p2pquic.identity.PeerIdentity rogue = io.p2pquic.identity.PeerIdentity.generate();
    io.p2pquic.identity.PeerId user = io.p2pquic.identity.PeerIdentity.generate().peerId();
    String other = io.p2pquic.identity.PeerIdentity.generate().peerId().value();
    SimpleMeterRegistry m = new SimpleMeterRegistry();
    RendezvousVerticle closed = new RendezvousVerticle(rawConfig("tokens", new JsonObject()
        .put("grantIssuers", new io.vertx.core.json.JsonArray().add(operator.peerId().value()))), m);
    await(vertx.deployVerticle(closed));
    java.time.Instant inADay = java.time.Instant.now().plusSeconds(86_400);
    String token = io.p2pquic.api.signalling.RelayGrantToken.mint(operator, user, inADay);
    assertThat(closed.relayCredentials(user.value(), token)).as("valid token").isNotNull();
    assertThat(closed.relayCredentials(user.value(), null)).as("no token").isNull();
    assertThat(closed.relayCredentials(other, token)).as("someone else's token").isNull();
    assertThat(closed.relayCredentials(user.value(),
        io.p2pquic.api.signalling.RelayGrantToken.mint(rogue, user, inADay))).as("untrusted issuer").isNull();
    assertThat(closed.relayCredentials(user.value(), io.p2pquic.api.signalling.RelayGrantToken.mint(operator, user,
        java.time.Instant.now().minusSeconds(1)))).as("expired").isNull();
    assertThat(m.counter("p2p.relay.grants.token", "outcome", "accepted").count()).isEqualTo(1);
    assertThat(m.counter("p2p.relay.grants.token", "outcome", "refused").count()).isEqualTo(3);
  }

  @Test
  void signallingOnlyNodeListsRelaysWithItsSecretAndNoOthers() throws Exception {
    RendezvousVerticle relay = deploy("relay", new JsonObject().put("authSecret", "shared"));
    RendezvousVerticle random = deploy("random", new JsonObject()); // random secret: only its own grants
    RendezvousVerticle signalling = deploy("signalling", new JsonObject().put("enabled", false).put("authSecret", "shared"));
    RendezvousVerticle none = deploy("none", new JsonObject().put("enabled", false));

    RelayCredentials grant = signalling.relayCredentials("pq1test");
    assertThat(grant).isNotNull();
    assertThat(grant.relays()).extracting(RelayCredentials.Relay::port).containsOnly(relay.stunAddress().getPort());
    assertThat(TurnRestCredentials.verify("shared".getBytes(StandardCharsets.UTF_8), grant.username(),
        grant.password())).isTrue();
    assertThat(random.relayCredentials("pq1test").relays()).extracting(RelayCredentials.Relay::port)
        .containsOnly(random.stunAddress().getPort());
    assertThat(relay.relayCredentials("pq1test").relays()).extracting(RelayCredentials.Relay::port)
        .containsOnly(relay.stunAddress().getPort());
    assertThat(none.relayCredentials("pq1test")).isNull();
    assertThat(none.relayDirectory()).isNull();
    assertThat(signalling.relayDirectory().size()).isEqualTo(2); // both relays, one unusable with its secret
    JsonObject health = await(vertx.createHttpClient()
        .request(HttpMethod.GET, signalling.httpPort(), "127.0.0.1", "/health")
        .compose(req -> req.send().compose(HttpClientResponse::body))).toJsonObject();
    assertThat(health.getString("turn")).isEqualTo("off");
    assertThat(health.getInteger("relays")).isEqualTo(2);
  }
}
