package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.quic.session.LiveSession;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
    DcutrLoopbackTest.waitFor(() -> alice.quic.sessions().isEmpty() && bob.quic.sessions().isEmpty(), 5_000);
  }

  /**
   * A tcp session is one of the peer's sessions like a QUIC one: listed by the control endpoint with its
   * method and byte counts, closed with the others when the peer stops (the far side hears the reason's
   * effect as a closed event), and refused by ping, which needs QUIC, with what to use instead.
   */
  @Test
  void tcpSessionsAreListedCountedAndClosedWithThePeer() throws Exception {
    JsonObject s = cast.connect(alice, bob, "tcp", 15_000);
    String id = s.getString("sessionId");
    assertThat(alice.quic.session(id)).isNotNull().matches(LiveSession::isOpen);
    assertThat(alice.quic.session(id).method()).isEqualTo("tcp");
    assertThat(alice.quic.quicSession(id)).as("not a QUIC session").isNull();
    assertThat(bob.quic.session(id)).as("the listener holds it too").isNotNull();
    Buffer payload = Buffer.buffer("status of a tcp session ".repeat(100));
    assertThat(await(PeerNode.echo(vertx, s, payload))).isEqualTo(payload);

    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    io.vertx.core.http.HttpServer control = await(ControlServer.start(vertx, alice, cast.metrics, port));
    try {
      ControlClient client = new ControlClient(port);
      JsonObject status = new JsonObject(client.get("/status"));
      JsonObject listed = status.getJsonArray("sessions").stream().map(JsonObject.class::cast)
          .filter(j -> id.equals(j.getString("sessionId"))).findFirst().orElseThrow(
              () -> new AssertionError("session " + id + " not in " + status.encodePrettily()));
      assertThat(listed.getString("method")).isEqualTo("tcp");
      assertThat(listed.getString("peer")).isEqualTo(bob.puncher.peerId().value());
      assertThat(listed.getLong("bytesSent")).isEqualTo(payload.length());
      assertThat(listed.getLong("bytesReceived")).isEqualTo(payload.length());
      JsonObject ping = new JsonObject(client.lines("/ping?peer=" + bob.puncher.peerId().value() + "&method=tcp")
          .findFirst().orElseThrow());
      assertThat(ping.getString("error")).contains("need QUIC streams", "use auto, ice, relay, dcutr or quic-native");
    } finally {
      await(control.close());
    }

    await(alice.quic.closeSessions("peer stopped"));
    DcutrLoopbackTest.waitFor(() -> events.stream().filter(e -> "closed".equals(e.getString("type"))
        && id.equals(e.getString("sessionId"))).count() == 2, 5_000);
    assertThat(events).filteredOn(e -> "closed".equals(e.getString("type")) && id.equals(e.getString("sessionId"))
        && alice.puncher.peerId().value().equals(e.getString("localPeer")))
        .extracting(e -> e.getString("reason")).containsExactly("peer stopped");
    DcutrLoopbackTest.waitFor(() -> alice.quic.sessions().isEmpty() && bob.quic.sessions().isEmpty(), 5_000);
  }
}
