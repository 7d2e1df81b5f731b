package io.p2pquic.api.signalling.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact vectors of every session message body in the form the peers write it (IceSession, IceRestart,
 * QuicNativeSession, TcpSession, PeerSessions, and aioice's order for the interop test): JSON text in, the
 * record, the same JSON text out; and refusals with their text.
 */
class SessionSignalTest {
  private static final String SID = "3f2b8c1e-9d4a-4e0b-8f6a-2c1d0e9b7a55";
  private static final String CAND = "candidate:1 1 udp 2130706431 10.0.0.2 40000 typ host";
  private static final String DESC = "\"ufrag\":\"Xk3f9a2B\",\"pwd\":\"abcdefghijklmnopqrstuv\",\"candidates\":[\"" + CAND
      + "\"],\"complete\":false";

  private static SessionSignal roundTrip(String type, String body) {
    SessionSignal s = SessionSignal.decode(type, new JsonObject(body));
    assertThat(s.type()).isEqualTo(type);
    assertThat(s.sessionId()).isEqualTo(SID);
    assertThat(s.toJson().encode()).isEqualTo(body);
    assertThat(SessionSignal.decode(type, s.toJson())).isEqualTo(s);
    assertThat(SessionSignal.isSessionType(type)).isTrue();
    return s;
  }

  private static void refused(String type, String body, String message) {
    assertThatThrownBy(() -> SessionSignal.decode(type, body == null ? null : new JsonObject(body)))
        .isInstanceOf(SessionSignalException.class).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void offerAndAnswer() {
    SessionSignal.Offer o = (SessionSignal.Offer) roundTrip("offer", "{" + DESC + ",\"sessionId\":\"" + SID
        + "\",\"method\":\"ice\"}");
    assertThat(o.method()).isEqualTo("ice");
    assertThat(o.description()).isEqualTo(new IceDescription("Xk3f9a2B", "abcdefghijklmnopqrstuv", List.of(CAND), false));
    SessionSignal.Answer a = (SessionSignal.Answer) roundTrip("answer", "{" + DESC + ",\"sessionId\":\"" + SID
        + "\",\"method\":\"quic-native\"}");
    assertThat(a.method()).isEqualTo("quic-native");
    assertThat(roundTrip("offer", "{" + DESC + ",\"sessionId\":\"" + SID + "\"}")).as("no method: ice")
        .isEqualTo(new SessionSignal.Offer(SID, null, o.description()));
  }

  @Test
  void aioiceWritesTheSameFieldsInItsOwnOrder() {
    SessionSignal s = SessionSignal.decode("answer", new JsonObject("{\"method\":\"ice\",\"ufrag\":\"Xk3f9a2B\","
        + "\"pwd\":\"abcdefghijklmnopqrstuv\",\"candidates\":[\"" + CAND + "\"],\"complete\":true,\"sessionId\":\"" + SID + "\"}"));
    assertThat(s.toJson().encode()).isEqualTo("{" + DESC.replace("false", "true") + ",\"sessionId\":\"" + SID
        + "\",\"method\":\"ice\"}");
    assertThat(((SessionSignal.Answer) SessionSignal.decode("answer", new JsonObject("{\"ufrag\":\"Xk3f9a2B\","
        + "\"pwd\":\"abcdefghijklmnopqrstuv\",\"candidates\":[],\"sessionId\":\"" + SID + "\"}"))).description().complete())
        .as("complete when absent").isTrue();
  }

  @Test
  void trickle() {
    SessionSignal.Candidate c = (SessionSignal.Candidate) roundTrip("candidate", "{\"sessionId\":\"" + SID
        + "\",\"candidate\":\"" + CAND + "\"}");
    assertThat(c.candidate()).isEqualTo(CAND);
    roundTrip("end-of-candidates", "{\"sessionId\":\"" + SID + "\"}");
  }

  @Test
  void bye() {
    SessionSignal.Bye b = (SessionSignal.Bye) roundTrip("bye", "{\"sessionId\":\"" + SID
        + "\",\"reason\":\"rejected by the peer\",\"failure\":\"rejected\"}");
    assertThat(b.reason()).isEqualTo("rejected by the peer");
    assertThat(b.failure()).isEqualTo("rejected");
    assertThat(roundTrip("bye", "{\"sessionId\":\"" + SID + "\"}")).isEqualTo(new SessionSignal.Bye(SID, null, null));
    assertThat(SessionSignal.decode("bye", new JsonObject().put("sessionId", SID).put("reason", 7).put("failure", false)))
        .as("optional fields of the wrong type are left out").isEqualTo(new SessionSignal.Bye(SID, null, null));
  }

  @Test
  void restarts() {
    SessionSignal.Restart r = (SessionSignal.Restart) roundTrip("restart", "{" + DESC + ",\"sessionId\":\"" + SID
        + "\",\"deadRelays\":[\"198.51.100.7\"]}");
    assertThat(r.deadRelays()).containsExactly("198.51.100.7");
    roundTrip("restart", "{" + DESC + ",\"sessionId\":\"" + SID + "\",\"deadRelays\":[]}");
    roundTrip("restart-answer", "{" + DESC + ",\"sessionId\":\"" + SID + "\"}");
    SessionSignal.RelaysSilent s = (SessionSignal.RelaysSilent) roundTrip("relays-silent", "{\"sessionId\":\"" + SID
        + "\",\"deadRelays\":[\"198.51.100.7\",\"2001:db8::1\"]}");
    assertThat(s.deadRelays()).containsExactly("198.51.100.7", "2001:db8::1");
  }

  @Test
  void natMapping() {
    SessionSignal.NatMapping m = (SessionSignal.NatMapping) roundTrip("nat-mapping", "{\"sessionId\":\"" + SID
        + "\",\"mapping\":\"endpoint-dependent\",\"mapped\":\"203.0.113.9:61234\"}");
    assertThat(m.endpointDependent()).isTrue();
    assertThat(m.mapped()).isEqualTo("203.0.113.9:61234");
    assertThat(((SessionSignal.NatMapping) roundTrip("nat-mapping", "{\"sessionId\":\"" + SID
        + "\",\"mapping\":\"endpoint-independent\",\"mapped\":\"198.51.100.2:4000\"}")).endpointDependent()).isFalse();
  }

  @Test
  void tcp() {
    SessionSignal.TcpOffer o = (SessionSignal.TcpOffer) roundTrip("tcp-offer", "{\"sessionId\":\"" + SID
        + "\",\"candidates\":[\"203.0.113.5:40001\",\"10.0.0.2:40001\"]}");
    assertThat(o.candidates()).containsExactly("203.0.113.5:40001", "10.0.0.2:40001");
    roundTrip("tcp-answer", "{\"sessionId\":\"" + SID + "\",\"candidates\":[\"[2001:db8::2]:5\"]}");
    roundTrip("tcp-ping", "{\"sessionId\":\"" + SID + "\"}");
    roundTrip("tcp-pong", "{\"sessionId\":\"" + SID + "\"}");
    assertThat(((SessionSignal.TcpGo) roundTrip("tcp-go", "{\"sessionId\":\"" + SID + "\",\"attempt\":3}")).attempt())
        .isEqualTo(3);
  }

  @Test
  void everyTypeOfTheRelayIsKnown() {
    assertThat(SessionSignal.TYPES).containsExactlyInAnyOrder("offer", "answer", "candidate", "end-of-candidates", "bye",
        "restart", "restart-answer", "relays-silent", "nat-mapping", "tcp-offer", "tcp-answer", "tcp-ping", "tcp-pong", "tcp-go");
    assertThat(SessionSignal.isSessionType("connect")).as("DCUtR's, over the relayed connection").isFalse();
    assertThat(SessionSignal.isSessionType("sync")).isFalse();
  }

  @Test
  void refusals() {
    refused("candidate", null, "a candidate needs a body");
    refused("candidate", "{\"candidate\":\"" + CAND + "\"}", "sessionId must be a string");
    refused("end-of-candidates", "{\"sessionId\":7}", "sessionId must be a string");
    refused("end-of-candidates", "{\"sessionId\":\"\"}", "sessionId must be 1 to 64 characters");
    refused("end-of-candidates", "{\"sessionId\":\"" + "s".repeat(65) + "\"}", "sessionId must be 1 to 64 characters");
    refused("sync", "{\"sessionId\":\"" + SID + "\"}", "not a session message type: sync");
    refused("candidate", "{\"sessionId\":\"" + SID + "\"}", "candidate must be a string of at most 1024 characters");
    refused("candidate", "{\"sessionId\":\"" + SID + "\",\"candidate\":\"" + "c".repeat(1025) + "\"}",
        "candidate must be a string of at most 1024 characters");
    refused("offer", "{\"sessionId\":\"" + SID + "\",\"ufrag\":\"u\",\"pwd\":\"p\"}",
        "candidates must be an array of at most 256 candidate strings");
    refused("offer", "{\"sessionId\":\"" + SID + "\",\"ufrag\":\"u\",\"pwd\":\"p\",\"candidates\":[1]}",
        "candidates must be strings, found 1");
    refused("answer", "{\"sessionId\":\"" + SID + "\",\"pwd\":\"p\",\"candidates\":[]}", "ufrag and pwd must be strings");
    refused("answer", "{\"sessionId\":\"" + SID + "\",\"ufrag\":\"" + "u".repeat(257) + "\",\"pwd\":\"p\",\"candidates\":[]}",
        "ufrag must be a string of at most 256 characters");
    refused("offer", "{\"sessionId\":\"" + SID + "\",\"ufrag\":\"u\",\"pwd\":\"p\",\"candidates\":[],\"method\":\""
        + "m".repeat(65) + "\"}", "method must be a string of at most 64 characters");
    refused("bye", "{\"sessionId\":\"" + SID + "\",\"reason\":\"" + "r".repeat(1025) + "\"}",
        "reason must be a string of at most 1024 characters");
    refused("relays-silent", "{\"sessionId\":\"" + SID + "\",\"deadRelays\":[null]}",
        "deadRelays must list addresses as strings, found null");
    refused("relays-silent", "{\"sessionId\":\"" + SID + "\",\"deadRelays\":[\"" + "1".repeat(65) + "\"]}",
        "deadRelays must be a string of at most 64 characters");
    refused("tcp-offer", "{\"sessionId\":\"" + SID + "\"}", "candidates must be an array of addresses");
    refused("nat-mapping", "{\"sessionId\":\"" + SID + "\",\"mapping\":\"symmetric\",\"mapped\":\"203.0.113.9:1\"}",
        "mapping must be endpoint-independent or endpoint-dependent");
    refused("nat-mapping", "{\"sessionId\":\"" + SID + "\",\"mapping\":\"endpoint-dependent\"}",
        "mapped must be a string of at most 64 characters");
    refused("tcp-go", "{\"sessionId\":\"" + SID + "\"}", "attempt must be a number from 1 to 1000");
    refused("tcp-go", "{\"sessionId\":\"" + SID + "\",\"attempt\":0}", "attempt must be a number from 1 to 1000");
  }
}
