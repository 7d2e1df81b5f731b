package io.p2pquic.puncher.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How PeerSessions sorts what the rendezvous relays (no socket: the signalling client never connects): a session
 * message decodes to its SessionSignal or is counted and dropped; anything else is not its business.
 */
class PeerSessionsRoutingTest {
  private static final String SID = "3f2b8c1e-9d4a-4e0b-8f6a-2c1d0e9b7a55";
  private static final String BOB = PeerIdentity.generate().peerId().value();

  private Vertx vertx;
  private SimpleMeterRegistry metrics;
  private Timeline timeline;
  private PeerSessions sessions;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    metrics = new SimpleMeterRegistry();
    timeline = new Timeline();
    SignallingClient signalling = new SignallingClient(vertx, URI.create("ws://127.0.0.1:9/signal"), PeerIdentity.generate(),
        metrics);
    sessions = new PeerSessions(vertx, signalling, PeerConfig.fromJson(new JsonObject()), metrics, timeline, "alice");
  }

  @AfterEach
  void tearDown() {
    vertx.close();
  }

  private double badSignals(String type) {
    var c = metrics.find("p2p.session.bad-signal").tag("type", type).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void notASessionMessage() {
    assertThat(sessions.onSignal(new SignallingMessage("connect", BOB, false, new JsonObject().put("sessionId", SID))))
        .as("DCUtR's").isFalse();
    assertThat(sessions.onSignal(new SignallingMessage("offer", "service:x", true, new JsonObject().put("sessionId", SID))))
        .as("a cluster service's").isFalse();
    assertThat(sessions.onSignal(new SignallingMessage("candidate", BOB, false, new JsonObject().put("sessionId", 7))))
        .as("no string sessionId").isFalse();
    assertThat(sessions.onSignal(new SignallingMessage("bye", BOB, false, null))).as("no body").isFalse();
  }

  @Test
  void aSessionMessageThatDoesNotDecodeIsCountedAndDropped() {
    assertThat(sessions.onSignal(new SignallingMessage("offer", BOB, false, new JsonObject().put("sessionId", SID)
        .put("method", "ice")))).isTrue();
    assertThat(badSignals("offer")).isEqualTo(1);
    assertThat(timeline.events()).anySatisfy(e -> assertThat(e.event()).isEqualTo("bad offer"));
    assertThat(sessions.onSignal(new SignallingMessage("tcp-go", BOB, false, new JsonObject().put("sessionId", SID)
        .put("attempt", "1")))).isTrue();
    assertThat(badSignals("tcp-go")).isEqualTo(1);
  }

  @Test
  void aLateMessageOfAnUnknownSessionIsDropped() {
    assertThat(sessions.onSignal(new SignallingMessage("candidate", BOB, false, new JsonObject().put("sessionId", SID)
        .put("candidate", "candidate:1 1 udp 2130706431 10.0.0.2 40000 typ host")))).isTrue();
    assertThat(sessions.onSignal(new SignallingMessage("bye", BOB, false, new JsonObject().put("sessionId", SID)))).isTrue();
    assertThat(badSignals("candidate") + badSignals("bye")).isZero();
  }
}
