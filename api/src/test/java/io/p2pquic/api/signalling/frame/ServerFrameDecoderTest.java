package io.p2pquic.api.signalling.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact vectors of every server frame in the form the rendezvous writes it (Session): JSON text in,
 * the record, the same JSON text out; and refusals with their code and text.
 */
class ServerFrameDecoderTest {
  private static final ServerFrameDecoder DECODER = new ServerFrameDecoder();
  private static final String ME = PeerIdentity.generate().peerId().value();
  private static final String NONCE = Base64.getEncoder().encodeToString(new byte[32]);

  private static ServerFrame roundTrip(String text) throws SignallingFrameException {
    ServerFrame frame = DECODER.decode(text);
    assertThat(frame.toJson().encode()).isEqualTo(text);
    assertThat(DECODER.decode(frame.toJson().encode())).isEqualTo(frame);
    return frame;
  }

  private static SignallingFrameException refused(String text, ErrorCode code, String message, String frameType) {
    SignallingFrameException e = Assertions.assertThrows(SignallingFrameException.class, () -> DECODER.decode(text));
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).isEqualTo(message);
    assertThat(e.frameType()).isEqualTo(frameType);
    return e;
  }

  @Test
  void challenge() throws Exception {
    Challenge c = (Challenge) roundTrip("{\"type\":\"challenge\",\"nonce\":\"" + NONCE + "\",\"version\":1}");
    assertThat(c.nonce()).hasSize(32);
    assertThat(c.version()).isEqualTo(1);
  }

  @Test
  void registered() throws Exception {
    String full = "{\"type\":\"registered\",\"id\":\"register\",\"peerId\":\"" + ME + "\",\"observedAddress\":"
        + "\"127.0.0.1:50000\",\"sessionId\":\"s-1\",\"node\":\"n1\",\"limits\":{\"maxMessageBytes\":16384,"
        + "\"ratePerSecond\":20,\"rateBurst\":40},\"turn\":{\"username\":\"u\",\"password\":\"p\",\"relays\":[]},"
        + "\"quicSignalling\":{\"port\":8443,\"peerId\":\"" + ME + "\"}}";
    RegisteredReply r = (RegisteredReply) roundTrip(full);
    assertThat(r.peerId()).isEqualTo(PeerId.parse(ME));
    assertThat(r.attach()).isFalse();
    assertThat(r.registration().observedAddress()).isEqualTo("127.0.0.1:50000");
    assertThat(r.registration().limits().getInteger("maxMessageBytes")).isEqualTo(16384);
    assertThat(r.registration().relayCredentials().username()).isEqualTo("u");
    assertThat(r.registration().quicSignalling().getInteger("port")).isEqualTo(8443);
    RegisteredReply attach = (RegisteredReply) roundTrip("{\"type\":\"registered\",\"id\":\"attach\",\"peerId\":\"" + ME
        + "\",\"attach\":true,\"observedAddress\":\"[2001:db8::1]:4\",\"sessionId\":\"s-2\",\"node\":\"n1\"}");
    assertThat(attach.attach()).isTrue();
    assertThat(attach.limits()).isNull();
  }

  @Test
  void registeredIgnoresOptionalExtrasOfTheWrongType() throws Exception {
    ServerFrame r = DECODER.decode("{\"type\":\"registered\",\"id\":1,\"peerId\":\"" + ME
        + "\",\"observedAddress\":\"1.2.3.4:5\",\"limits\":7,\"turn\":\"x\",\"attach\":1}");
    assertThat(r.toJson().encode()).isEqualTo("{\"type\":\"registered\",\"id\":1,\"peerId\":\"" + ME
        + "\",\"observedAddress\":\"1.2.3.4:5\",\"sessionId\":null,\"node\":null}");
  }

  @Test
  void peer() throws Exception {
    PeerReply online = (PeerReply) roundTrip("{\"type\":\"peer\",\"id\":\"c3\",\"peerId\":\"" + ME + "\",\"online\":true,"
        + "\"publicKey\":\"k\",\"observedAddress\":\"10.0.0.1:1\",\"registeredAt\":1700000000000,\"node\":\"n2\"}");
    assertThat(online.info().online()).isTrue();
    assertThat(online.info().registeredAt()).isEqualTo(1700000000000L);
    PeerReply offline = (PeerReply) roundTrip("{\"type\":\"peer\",\"id\":\"c4\",\"peerId\":\"" + ME + "\",\"online\":false}");
    assertThat(offline.info()).isEqualTo(PeerInfo.offline(PeerId.parse(ME)));
  }

  @Test
  void repliesWithoutFields() throws Exception {
    assertThat(roundTrip("{\"type\":\"ack\",\"id\":\"m1\"}")).isEqualTo(new AckReply("m1"));
    assertThat(roundTrip("{\"type\":\"pong\",\"id\":null}")).isEqualTo(new PongReply(null));
    assertThat(roundTrip("{\"type\":\"pong\",\"id\":[1]}")).isInstanceOf(PongReply.class);
  }

  @Test
  void error() throws Exception {
    ErrorReply e = (ErrorReply) roundTrip("{\"type\":\"error\",\"id\":null,\"code\":\"unknown-target\",\"message\":\"gone\"}");
    assertThat(e.errorCode()).contains(ErrorCode.UNKNOWN_TARGET);
    ErrorReply future = (ErrorReply) roundTrip("{\"type\":\"error\",\"id\":\"x\",\"code\":\"new-code\",\"message\":\"\"}");
    assertThat(future.errorCode()).isEmpty();
    // a bare error is an internal one without words, as peers always read it
    assertThat(DECODER.decode("{\"type\":\"error\"}").toJson().encode())
        .isEqualTo("{\"type\":\"error\",\"id\":null,\"code\":\"internal\",\"message\":\"\"}");
  }

  @Test
  void replaced() throws Exception {
    roundTrip("{\"type\":\"replaced\",\"peerId\":\"" + ME + "\",\"message\":\"peer id registered again\"}");
  }

  @Test
  void turnCredentials() throws Exception {
    TurnCredentialsReply t = (TurnCredentialsReply) roundTrip("{\"type\":\"turn-credentials\",\"id\":\"c9\",\"turn\":"
        + "{\"username\":\"1:pq1\",\"password\":\"pw\",\"relays\":[{\"host\":\"192.0.2.1\",\"port\":3478,"
        + "\"transport\":\"udp\"}]}}");
    assertThat(t.relayCredentials().relays()).hasSize(1);
    Assertions.assertThrows(IllegalArgumentException.class,
        () -> ((TurnCredentialsReply) DECODER.decode("{\"type\":\"turn-credentials\",\"id\":\"c\"}")).relayCredentials());
  }

  @Test
  void relayed() throws Exception {
    SignallingMessage m = (SignallingMessage) roundTrip("{\"type\":\"offer\",\"from\":\"" + ME
        + "\",\"body\":{\"ufrag\":\"u\"}}");
    assertThat(m.fromPeer()).isEqualTo(PeerId.parse(ME));
    SignallingMessage service = (SignallingMessage) roundTrip("{\"type\":\"connect\",\"from\":\"service:probe\","
        + "\"origin\":\"service\",\"body\":{}}");
    assertThat(service.isFromService()).isTrue();
    for (String type : SignallingProtocol.RELAY_TYPES) {
      roundTrip("{\"type\":\"" + type + "\",\"from\":\"" + ME + "\",\"body\":{}}");
    }
  }

  @Test
  void envelopeRefusalsNameNoType() {
    refused("<html>", ErrorCode.MALFORMED, "not a JSON object", null);
    refused("{\"type\":7}", ErrorCode.MALFORMED, "missing string field \"type\"", null);
    refused("{\"type\":\"register\"}", ErrorCode.UNKNOWN_TYPE, "unknown type \"register\"", null);
    refused("{\"type\":\"" + "q".repeat(41) + "\"}", ErrorCode.UNKNOWN_TYPE, "unknown type \"" + "q".repeat(40) + "...\"", null);
  }

  @Test
  void fieldRefusalsNameTheType() {
    refused("{\"type\":\"challenge\",\"nonce\":{\"a\":[1]}}", ErrorCode.MALFORMED,
        "\"challenge\": \"nonce\" must be a string", "challenge");
    refused("{\"type\":\"challenge\",\"nonce\":\"AAAA\"}", ErrorCode.MALFORMED,
        "\"challenge\": server challenge has no 32-byte nonce", "challenge");
    refused("{\"type\":\"challenge\",\"nonce\":\"**\"}", ErrorCode.MALFORMED,
        "\"challenge\": server challenge has no 32-byte nonce", "challenge");
    SignallingFrameException e = refused("{\"type\":\"registered\",\"id\":\"register\"}", ErrorCode.MALFORMED,
        "\"registered\": needs string field \"peerId\"", "registered");
    assertThat(e.requestId()).isEqualTo("register");
    refused("{\"type\":\"registered\",\"peerId\":\"" + ME + "\",\"observedAddress\":5}", ErrorCode.MALFORMED,
        "\"registered\": \"observedAddress\" must be a string", "registered");
    refused("{\"type\":\"peer\",\"id\":\"c\",\"online\":true}", ErrorCode.MALFORMED,
        "\"peer\": bad peer reply: peer info needs string \"peerId\" and boolean \"online\"", "peer");
    refused("{\"type\":\"error\",\"code\":404}", ErrorCode.MALFORMED, "\"error\": \"code\" must be a string", "error");
    refused("{\"type\":\"turn-credentials\",\"turn\":[]}", ErrorCode.MALFORMED,
        "\"turn-credentials\": \"turn\" must be an object", "turn-credentials");
    refused("{\"type\":\"offer\",\"body\":{}}", ErrorCode.MALFORMED,
        "\"offer\": relayed message needs string \"from\"", "offer");
    refused("{\"type\":\"offer\",\"from\":\"x\",\"body\":1}", ErrorCode.MALFORMED,
        "\"offer\": \"body\" must be an object", "offer");
    refused("{\"type\":\"offer\",\"from\":\"x\",\"body\":{\"n\":-1e999}}", ErrorCode.MALFORMED,
        "\"offer\": \"body\" holds a number beyond the range of a double", "offer");
    refused("{\"type\":\"ack\",\"id\":1e400}", ErrorCode.MALFORMED,
        "\"ack\": \"id\" holds a number beyond the range of a double", "ack");
  }

  @Test
  void recordsWriteWhatTheRendezvousWrites() {
    // Session writes these field orders; a record built in code must produce the same bytes.
    assertThat(new ErrorReply(null, ErrorCode.MALFORMED, "m").toJson().encode())
        .isEqualTo("{\"type\":\"error\",\"id\":null,\"code\":\"malformed\",\"message\":\"m\"}");
    assertThat(new AckReply("7").toJson().encode()).isEqualTo("{\"type\":\"ack\",\"id\":\"7\"}");
    assertThat(new Challenge(new byte[32], 1).toJson().encode())
        .isEqualTo("{\"type\":\"challenge\",\"nonce\":\"" + NONCE + "\",\"version\":1}");
    assertThat(new TurnCredentialsReply(1, new JsonObject()).toJson().encode())
        .isEqualTo("{\"type\":\"turn-credentials\",\"id\":1,\"turn\":{}}");
  }
}
