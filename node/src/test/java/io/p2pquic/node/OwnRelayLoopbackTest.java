package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.timeline.Timeline;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The product path on loopback, with no TURN configured on the peers: the rendezvous's own relay and
 * the credentials it hands out at registration carry a relay-only session; the credentials live only
 * 3 s here, so a session 5 s later works only because the peer renewed them ({@code turn-credentials}).
 */
class OwnRelayLoopbackTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject().put("turn", new JsonObject().put("grant", "all-registered")
        .put("credentialTtlSeconds", 3).put("allowedPeerRanges", new JsonArray(List.of("127.0.0.0/8", "192.0.2.0/24",
            "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")))));
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static final Timeline timeline = cast.timeline;

  @BeforeAll
  static void up() throws Exception {
    alice = cast.peer("alice", false, cast.peerConfig(false));
    bob = cast.peer("bob", true, cast.peerConfig(false));
  }

  private static JsonObject relaySession() throws Exception {
    JsonObject s = cast.connect(alice, bob, "relay", 15_000);
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
}
