package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Method tcp on loopback: both peers learn their TCP port from the rendezvous's STUN server over TCP,
 * connect simultaneously at the moment the go message sets, run TLS 1.3 with both peer ids pinned, and
 * serve the same session addresses as QUIC: a 4 MB echo keeps its SHA-256, and closing the session
 * publishes the closed event on both sides.
 */
class TcpSessionLoopbackTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass().recordingEvents();
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static final Timeline timeline = cast.timeline;
  private static final List<JsonObject> events = cast.events;

  @BeforeAll
  static void up() throws Exception {
    alice = cast.peer("alice", false);
    bob = cast.peer("bob", true);
  }

  @Test
  void simultaneousOpenThenPinnedTlsCarriesAnEchoIntactAndCloses() throws Exception {
    JsonObject s = cast.connect(alice, bob, "tcp", 15_000);
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
}
