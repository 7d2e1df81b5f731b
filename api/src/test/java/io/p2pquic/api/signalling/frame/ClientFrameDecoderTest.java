package io.p2pquic.api.signalling.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact vectors: JSON text in, the record, the same JSON text out; and every refusal with its code and
 * the text the rendezvous answers with (rendezvous tests pin several of these texts too).
 */
class ClientFrameDecoderTest {
  private static final ClientFrameDecoder DECODER = new ClientFrameDecoder(16 * 1024);
  private static final PeerIdentity ME = PeerIdentity.generate();
  private static final String BOB = PeerIdentity.generate().peerId().value();

  private static ClientFrame roundTrip(String text) throws SignallingFrameException {
    ClientFrame frame = DECODER.decode(text);
    assertThat(frame.toJson().encode()).isEqualTo(text);
    assertThat(DECODER.decode(frame.toJson())).isEqualTo(frame);
    return frame;
  }

  private static SignallingFrameException refused(String text, ErrorCode code, String message) {
    SignallingFrameException e = org.junit.jupiter.api.Assertions.assertThrows(SignallingFrameException.class,
        () -> DECODER.decode(text));
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).isEqualTo(message);
    return e;
  }

  private static String register(String extra) {
    byte[] sig = ME.sign(SignallingProtocol.registrationPayload(new byte[32]));
    return "{\"type\":\"register\",\"id\":\"r\",\"peerId\":\"" + ME.peerId().value() + "\",\"publicKey\":\""
        + ME.publicKeyBase64() + "\",\"signature\":\"" + Base64.getEncoder().encodeToString(sig) + "\"" + extra + "}";
  }

  // ---- vectors ----------------------------------------------------------------------------------------

  @Test
  void ping() throws Exception {
    assertThat(roundTrip("{\"type\":\"ping\",\"id\":\"c1\"}")).isEqualTo(new PingRequest("c1"));
    assertThat(roundTrip("{\"type\":\"ping\"}")).isEqualTo(new PingRequest(null));
    assertThat(roundTrip("{\"type\":\"ping\",\"id\":7}")).isEqualTo(new PingRequest(7));
    assertThat(roundTrip("{\"type\":\"ping\",\"id\":1099511627776}")).isEqualTo(new PingRequest(1099511627776L));
  }

  @Test
  void lookup() throws Exception {
    assertThat(roundTrip("{\"type\":\"lookup\",\"id\":\"1\",\"peerId\":\"" + BOB + "\"}"))
        .isEqualTo(new LookupRequest("1", PeerId.parse(BOB)));
  }

  @Test
  void turnCredentials() throws Exception {
    assertThat(roundTrip("{\"type\":\"turn-credentials\",\"id\":\"t\"}")).isEqualTo(new TurnCredentialsRequest("t"));
  }

  @Test
  void register() throws Exception {
    RegisterRequest r = (RegisterRequest) roundTrip(register(""));
    assertThat(r.peerId()).isEqualTo(ME.peerId());
    assertThat(r.attach()).isFalse();
    assertThat(r.grantToken()).isNull();
    assertThat(r).isEqualTo(RegisterRequest.signed(ME, "r", new byte[32], false, null));
    RegisterRequest attach = (RegisterRequest) roundTrip(register(",\"attach\":true"));
    assertThat(attach.attach()).isTrue();
    RegisterRequest granted = (RegisterRequest) roundTrip(register(",\"grantToken\":\"p2pg1.a.b\""));
    assertThat(granted.grantToken()).isEqualTo("p2pg1.a.b");
  }

  @Test
  void registerDropsWhatIsNotPartOfIt() throws Exception {
    // attach other than true, an oversized token: ignored, as the rendezvous always did
    RegisterRequest r = (RegisterRequest) DECODER.decode(register(",\"attach\":\"yes\",\"grantToken\":\""
        + "x".repeat(1025) + "\""));
    assertThat(r.toJson().encode()).isEqualTo(register(""));
  }

  @Test
  void relay() throws Exception {
    RelayRequest r = (RelayRequest) roundTrip("{\"type\":\"offer\",\"id\":\"m1\",\"to\":\"" + BOB
        + "\",\"body\":{\"ufrag\":\"u\",\"candidates\":[1,2.5,null,{\"a\":true}]}}");
    assertThat(r.type()).isEqualTo("offer");
    assertThat(r.to()).isEqualTo(PeerId.parse(BOB));
    assertThat(r.body().getString("ufrag")).isEqualTo("u");
    for (String type : SignallingProtocol.RELAY_TYPES) {
      roundTrip("{\"type\":\"" + type + "\",\"to\":\"" + BOB + "\",\"body\":{}}");
    }
  }

  @Test
  void relayWithoutBodyCarriesTheEmptyObjectAndNoFrom() throws Exception {
    ClientFrame r = DECODER.decode("{\"type\":\"bye\",\"to\":\"" + BOB + "\",\"from\":\"" + BOB + "\"}");
    assertThat(r.toJson().encode()).isEqualTo("{\"type\":\"bye\",\"to\":\"" + BOB + "\",\"body\":{}}");
  }

  // ---- refusals ---------------------------------------------------------------------------------------

  private static final String NOT_AN_OBJECT = "not a JSON object: send one JSON object per text frame, e.g. "
      + "{\"type\":\"lookup\",\"id\":\"1\",\"peerId\":\"pq1...\"}";

  @Test
  void envelopeRefusals() {
    refused("hello", ErrorCode.MALFORMED, NOT_AN_OBJECT);
    refused("[1]", ErrorCode.MALFORMED, NOT_AN_OBJECT);
    refused("", ErrorCode.MALFORMED, NOT_AN_OBJECT);
    refused("[".repeat(5000), ErrorCode.MALFORMED, NOT_AN_OBJECT);
    refused("{\"type\":\"ping\",\"id\":1.5}", ErrorCode.MALFORMED,
        "\"id\" must be a string of at most 64 characters or an integer");
    refused("{\"type\":\"ping\",\"id\":\"" + "x".repeat(65) + "\"}", ErrorCode.MALFORMED,
        "\"id\" must be a string of at most 64 characters or an integer");
    SignallingFrameException noType = refused("{\"id\":\"q\"}", ErrorCode.MALFORMED, "missing string field \"type\"");
    assertThat(noType.requestId()).isEqualTo("q");
    assertThat(noType.frameType()).isNull();
    refused("{\"type\":3}", ErrorCode.MALFORMED, "missing string field \"type\"");
  }

  @Test
  void tooLarge() {
    ClientFrameDecoder small = new ClientFrameDecoder(10);
    SignallingFrameException e = org.junit.jupiter.api.Assertions.assertThrows(SignallingFrameException.class,
        () -> small.decode("{\"type\":\"ping\"}"));
    assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE);
    assertThat(e.getMessage()).isEqualTo("message of 15 bytes exceeds the limit of 10 bytes; shorten it (e.g. trickle"
        + " candidates one per message)");
    // counted in UTF-8 bytes: 4 characters, 12 bytes
    e = org.junit.jupiter.api.Assertions.assertThrows(SignallingFrameException.class, () -> small.decode("€€€€"));
    assertThat(e.getMessage()).startsWith("message of 12 bytes");
  }

  @Test
  void unknownTypes() {
    refused("{\"type\":\"pong\",\"id\":\"1\"}", ErrorCode.UNKNOWN_TYPE,
        "\"pong\" is sent by the server, not accepted from clients");
    refused("{\"type\":\"" + "z".repeat(50) + "\"}", ErrorCode.UNKNOWN_TYPE, "unknown type \"" + "z".repeat(40)
        + "...\"; known: register, lookup, ping, turn-credentials, session-report, " + String.join(", ", SignallingProtocol.RELAY_TYPES));
  }

  @Test
  void sessionReport() throws Exception {
    assertThat(roundTrip("{\"type\":\"session-report\",\"id\":\"c9\",\"sessionId\":\"0b6f3c52-aa\",\"state\":\"connected\","
        + "\"path\":\"direct\",\"rttMs\":12.5}"))
        .isEqualTo(new SessionReport("c9", "0b6f3c52-aa", "connected", "direct", null, 12.5));
    assertThat(roundTrip("{\"type\":\"session-report\",\"sessionId\":\"s\",\"state\":\"closed\"}"))
        .isEqualTo(new SessionReport(null, "s", "closed", null, null, null));
    assertThat(roundTrip("{\"type\":\"session-report\",\"sessionId\":\"s\",\"state\":\"path-changed\","
        + "\"path\":\"relayed\",\"via\":\"[2001:db8::1]:3478\"}"))
        .isEqualTo(new SessionReport(null, "s", "path-changed", "relayed", "[2001:db8::1]:3478", null));
  }

  @Test
  void sessionReportRefusals() {
    String idText = "session-report needs string field \"sessionId\" (1-64 characters of A-Z a-z 0-9 . _ : -)";
    refused("{\"type\":\"session-report\",\"state\":\"closed\"}", ErrorCode.MALFORMED, idText);
    refused("{\"type\":\"session-report\",\"sessionId\":\"" + "a".repeat(65) + "\",\"state\":\"closed\"}",
        ErrorCode.MALFORMED, idText);
    refused("{\"type\":\"session-report\",\"sessionId\":\"a b\",\"state\":\"closed\"}", ErrorCode.MALFORMED, idText);
    refused("{\"type\":\"session-report\",\"sessionId\":\"s\",\"state\":\"up\"}", ErrorCode.MALFORMED,
        "\"state\" must be one of connected, path-changed, closed");
    refused("{\"type\":\"session-report\",\"sessionId\":\"s\",\"state\":\"closed\",\"path\":7}", ErrorCode.MALFORMED,
        "\"path\" must be one of direct, relayed, none (or absent)");
    for (String via : new String[] {"\"\"", "\"" + "a".repeat(65) + "\"", "\"<b>x</b>\"", "7"}) {
      refused("{\"type\":\"session-report\",\"sessionId\":\"s\",\"state\":\"closed\",\"via\":" + via + "}",
          ErrorCode.MALFORMED, "\"via\" must be 1-64 characters of A-Z a-z 0-9 . : [ ] ' _ - and space (or absent)");
    }
    for (String rtt : new String[] {"-1", "600001", "\"5\"", "1e400"}) {
      refused("{\"type\":\"session-report\",\"sessionId\":\"s\",\"state\":\"closed\",\"rttMs\":" + rtt + "}",
          ErrorCode.MALFORMED, "\"rttMs\" must be a number from 0 to 600000 (or absent)");
    }
    SignallingFrameException e = refused("{\"type\":\"session-report\",\"id\":\"r1\",\"state\":\"closed\"}",
        ErrorCode.MALFORMED, idText);
    assertThat(e.frameType()).isEqualTo(SignallingProtocol.SESSION_REPORT);
    assertThat(e.requestId()).isEqualTo("r1");
  }

  @Test
  void registerRefusals() {
    String fields = "register needs string fields \"peerId\", \"publicKey\" (base64 X.509 SubjectPublicKeyInfo) and "
        + "\"signature\" (base64 Ed25519 signature of \"p2p-quic/signalling/register/v1\" || 0x00 || nonce)";
    SignallingFrameException e = refused("{\"type\":\"register\",\"id\":\"r\"}", ErrorCode.MALFORMED, fields);
    assertThat(e.frameType()).isEqualTo("register");
    assertThat(e.requestId()).isEqualTo("r");
    refused(register("").replace(ME.peerId().value(), "pq1x"), ErrorCode.MALFORMED,
        "\"peerId\": " + invalidPeerIdText("pq1x"));
    refused(register("").replace(ME.publicKeyBase64(), "!!"), ErrorCode.MALFORMED,
        "\"publicKey\": " + invalidKeyText("!!"));
    String sig = new JsonObject(register("")).getString("signature");
    refused(register("").replace(sig, "not base64!"), ErrorCode.MALFORMED, "\"signature\" is not valid base64");
    PeerIdentity other = PeerIdentity.generate();
    refused(register("").replace(ME.peerId().value(), other.peerId().value()), ErrorCode.ID_MISMATCH,
        "\"peerId\" " + other.peerId() + " is not derived from \"publicKey\" (which gives " + ME.peerId()
            + "); a peer can only register the id of its own key");
  }

  @Test
  void lookupRefusals() {
    SignallingFrameException e = refused("{\"type\":\"lookup\",\"id\":2}", ErrorCode.MALFORMED,
        "lookup needs string field \"peerId\"");
    assertThat(e.frameType()).isEqualTo("lookup");
    assertThat(e.requestId()).isEqualTo(2);
    refused("{\"type\":\"lookup\",\"peerId\":\"bob\"}", ErrorCode.MALFORMED, "\"peerId\": " + invalidPeerIdText("bob"));
  }

  @Test
  void relayRefusals() {
    refused("{\"type\":\"offer\",\"body\":{}}", ErrorCode.MALFORMED,
        "\"offer\" needs string field \"to\" (the target peer id)");
    refused("{\"type\":\"candidate\",\"to\":\"pq1\"}", ErrorCode.MALFORMED, "\"to\": " + invalidPeerIdText("pq1"));
    refused("{\"type\":\"answer\",\"to\":\"" + BOB + "\",\"body\":[1]}", ErrorCode.MALFORMED,
        "\"body\" must be a JSON object");
    // 1e400 is an infinite double to Jackson and would reach the target as the string "Infinity"
    refused("{\"type\":\"sync\",\"to\":\"" + BOB + "\",\"body\":{\"a\":[{\"b\":1e400}]}}", ErrorCode.MALFORMED,
        "\"body\" holds a number beyond the range of a double");
  }

  @Test
  void requestIdOfAFrameNotDecoded() {
    assertThat(ClientFrameDecoder.requestIdOf("{\"type\":\"nonsense\",\"id\":\"9\"}")).isEqualTo("9");
    assertThat(ClientFrameDecoder.requestIdOf("{\"id\":1.5}")).isNull();
    assertThat(ClientFrameDecoder.requestIdOf("nope")).isNull();
  }

  private static String invalidPeerIdText(String text) {
    try {
      PeerId.parse(text);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError(text);
  }

  private static String invalidKeyText(String text) {
    try {
      PeerIdentity.decodePublicKey(text);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError(text);
  }
}
