package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.api.Addresses;
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
 * Method dcutr on loopback through the rendezvous's own relay: QUIC comes up relayed, CONNECT/SYNC
 * cross the relayed connection as QUIC datagrams, and the live connection moves to the direct path
 * while a transfer runs; the echo's SHA-256 proves no byte was lost or reordered.
 */
class DcutrLoopbackTest {
  @RegisterExtension
  static final LoopbackCast cast = LoopbackCast.forClass(new JsonObject().put("turn", new JsonObject().put("grant", "all-registered")
        .put("allowedPeerRanges", new JsonArray(List.of("127.0.0.0/8"))))).recordingEvents();
  private static final Vertx vertx = cast.vertx;
  private static PeerNode alice;
  private static PeerNode bob;
  private static final Timeline timeline = cast.timeline;
  private static final SimpleMeterRegistry metrics = cast.metrics;
  private static final List<JsonObject> events = cast.events;

  @BeforeAll
  static void up() throws Exception {
    alice = cast.peer("alice", false, cast.peerConfig(false));
    bob = cast.peer("bob", true, cast.peerConfig(false));
  }

  @Test
  void relayedSessionUpgradesToTheDirectPathUnderATransferIntact() throws Exception {
    JsonObject s = cast.connect(alice, bob, "dcutr", 15_000);
    String id = s.getString("sessionId");
    assertThat(s.getString("method")).isEqualTo("dcutr");
    assertThat(s.getString("path")).as("DCUtR starts on the relay").isEqualTo("relayed");
    assertThat(s.getJsonObject("selectedPair").getString("localType")).isEqualTo("relay");
    assertThat(timeline.events()).as("only relayed candidates go through the rendezvous")
        .filteredOn(e -> e.event().equals("candidate") || e.event().equals("remote candidate"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.detail()).contains("typ relay"));

    EchoTransfer.sendAndVerify(vertx, s, 4 * 1024 * 1024, 16 * 1024, 11, () -> {
      // Half the bytes are out: the second half crosses the upgrade (or follows it closely).
      waitFor(() -> events.stream().anyMatch(e -> isPathChangedToDirect(e, id, alice)), 15_000);
    });

    assertThat(events).anySatisfy(e -> assertThat(isPathChangedToDirect(e, id, alice)).isTrue());
    JsonObject done = events.stream().filter(e -> "dcutr".equals(e.getString("type")) && id.equals(e.getString("sessionId"))
        && alice.puncher.peerId().value().equals(e.getString("localPeer"))).findFirst().orElseThrow();
    assertThat(done.getString("path")).isEqualTo("direct");
    assertThat(done.getInteger("attempts")).isEqualTo(1);
    assertThat(done.getDouble("upgradeMs")).isGreaterThan(s.getJsonObject("timings").getDouble("handshakeDoneMs"));
    waitFor(() -> events.stream().anyMatch(e -> "dcutr".equals(e.getString("type")) && id.equals(e.getString("sessionId"))
        && bob.puncher.peerId().value().equals(e.getString("localPeer")) && "direct".equals(e.getString("path"))), 10_000);
    assertThat(timeline.events()).extracting(e -> e.event())
        .containsSubsequence("dcutr connect", "dcutr connect", "dcutr sync", "dcutr dial", "dcutr direct");
  }

  @Test
  void garbledControlDatagramsAreCountedAndDroppedAndTheSessionKeepsWorking() throws Exception {
    JsonObject s = cast.connect(alice, bob, "dcutr", 15_000);
    String id = s.getString("sessionId");
    // The dialer is up one round trip after its Initial, the listener half a round trip later: wait for bob's side
    // (a first garbled datagram, bad magic, goes through once it has a control address).
    double probed = metrics.counter("p2p.dcutr.dropped", "reason", "garbled").count();
    io.p2pquic.testsupport.Await.until(() -> {
      try {
        await(vertx.eventBus().request(Addresses.sessionControl(bob.puncher.peerId(), id), Buffer.buffer(new byte[] {0x01, 0x02})));
        return true;
      } catch (Exception e) {
        return false; // no handlers yet
      }
    }, java.time.Duration.ofSeconds(5), "bob's session up");
    waitFor(() -> metrics.counter("p2p.dcutr.dropped", "reason", "garbled").count() >= probed + 1, 5_000);
    double before = metrics.counter("p2p.dcutr.dropped", "reason", "garbled").count();
    // Real QUIC datagrams from bob's end to alice's: bad magic, truncated CONNECT, unknown type, trailing bytes.
    for (byte[] junk : List.of(new byte[] {0x01, 0x02}, new byte[] {(byte) 0xDC, 0x01, 0x01, 0x08, 'a'},
        new byte[] {(byte) 0xDC, 0x07, 0x01}, new byte[] {(byte) 0xDC, 0x02, 0x01, 0x00})) {
      await(vertx.eventBus().request(Addresses.sessionControl(bob.puncher.peerId(), id), Buffer.buffer(junk)));
    }
    waitFor(() -> metrics.counter("p2p.dcutr.dropped", "reason", "garbled").count() >= before + 4, 5_000);
    assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("still here"))).toString()).isEqualTo("still here");
  }

  private static boolean isPathChangedToDirect(JsonObject e, String id, PeerNode who) {
    return "path-changed".equals(e.getString("type")) && id.equals(e.getString("sessionId"))
        && who.puncher.peerId().value().equals(e.getString("localPeer")) && "direct".equals(e.getString("path"));
  }

  interface Condition {
    boolean holds();
  }

  static void waitFor(Condition c, long ms) throws InterruptedException {
    io.p2pquic.testsupport.Await.until(c::holds, java.time.Duration.ofMillis(ms), "the condition");
  }
}
