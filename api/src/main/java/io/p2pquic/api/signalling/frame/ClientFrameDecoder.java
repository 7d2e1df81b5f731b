package io.p2pquic.api.signalling.frame;

import static io.p2pquic.api.signalling.SignallingProtocol.F_BODY;
import static io.p2pquic.api.signalling.SignallingProtocol.F_ID;
import static io.p2pquic.api.signalling.SignallingProtocol.F_PEER_ID;
import static io.p2pquic.api.signalling.SignallingProtocol.F_PUBLIC_KEY;
import static io.p2pquic.api.signalling.SignallingProtocol.F_SIGNATURE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_TO;
import static io.p2pquic.api.signalling.SignallingProtocol.F_TYPE;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.RelayGrantToken;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.InvalidPeerIdException;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Set;

/**
 * Decodes what a client sends the rendezvous into one {@link ClientFrame}, or refuses it with the error code
 * and the exact text the rendezvous answers with. Pure (no I/O, no event loop, no state) and linear in the
 * size of the frame; for any input it returns a frame or throws {@link SignallingFrameException}, nothing
 * else.
 *
 * <p>The order of the checks is the order of the refusals clients see: size, JSON, {@code id}, {@code type},
 * then the type's own fields. The rendezvous checks the connection's registration state between the type
 * and its fields ({@link SignallingFrameException#frameType()}).
 */
public final class ClientFrameDecoder {

  /** The optional relay grant token of {@code register}. */
  static final String F_GRANT_TOKEN = "grantToken";

  /** Types only the server sends: a client sending them gets unknown-type. */
  private static final Set<String> SERVER_TYPES = Set.of(
      SignallingProtocol.CHALLENGE, SignallingProtocol.REGISTERED, SignallingProtocol.REPLACED,
      SignallingProtocol.PEER, SignallingProtocol.ACK, SignallingProtocol.ERROR, SignallingProtocol.PONG);

  private final int maxMessageBytes;

  /** @param maxMessageBytes longest accepted frame in UTF-8 bytes (the rendezvous's signalling limit) */
  public ClientFrameDecoder(int maxMessageBytes) {
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Decodes one text frame. */
  public ClientFrame decode(String text) throws SignallingFrameException {
    if (text == null) {
      throw refused(null, ErrorCode.MALFORMED, NOT_AN_OBJECT);
    }
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit: count bytes only when that could matter.
    if (text.length() > maxMessageBytes || (text.length() * 3L > maxMessageBytes && utf8Length(text) > maxMessageBytes)) {
      throw refused(null, ErrorCode.TOO_LARGE, "message of " + utf8Length(text) + " bytes exceeds the limit of "
          + maxMessageBytes + " bytes; shorten it (e.g. trickle candidates one per message)");
    }
    JsonObject msg = FrameJson.parseObject(text);
    if (msg == null) {
      throw refused(null, ErrorCode.MALFORMED, NOT_AN_OBJECT);
    }
    return decode(msg);
  }

  /** Decodes a frame that is already a JSON object (no size limit: the caller bounded it). */
  public ClientFrame decode(JsonObject msg) throws SignallingFrameException {
    if (msg == null) {
      throw refused(null, ErrorCode.MALFORMED, NOT_AN_OBJECT);
    }
    try {
      return decodeObject(msg);
    } catch (SignallingFrameException e) {
      throw e;
    } catch (RuntimeException e) {
      // A JsonObject built in code may hold values JSON text cannot (a Map of anything): refuse, never throw.
      throw refused(null, ErrorCode.MALFORMED, NOT_AN_OBJECT);
    }
  }

  /**
   * The request id of a frame, when it has a valid one, else null: a rate-limited client is told which
   * request was dropped without the frame being decoded (nor its size checked).
   */
  public static Object requestIdOf(String text) {
    JsonObject msg = FrameJson.parseObject(text);
    Object id = msg == null ? null : msg.getValue(F_ID);
    return RequestIds.valid(id) ? id : null;
  }

  private static final String NOT_AN_OBJECT = "not a JSON object: send one JSON object per text frame, e.g. "
      + "{\"type\":\"lookup\",\"id\":\"1\",\"peerId\":\"pq1...\"}";

  private static ClientFrame decodeObject(JsonObject msg) throws SignallingFrameException {
    Object id = msg.getValue(F_ID);
    if (id != null && !RequestIds.valid(id)) {
      throw refused(null, ErrorCode.MALFORMED, "\"id\" must be a string of at most "
          + SignallingProtocol.MAX_REQUEST_ID_LENGTH + " characters or an integer");
    }
    Object typeValue = msg.getValue(F_TYPE);
    if (!(typeValue instanceof String type)) {
      throw refused(id, ErrorCode.MALFORMED, "missing string field \"type\"");
    }
    switch (type) {
      case SignallingProtocol.PING:
        return new PingRequest(id);
      case SignallingProtocol.REGISTER:
        return register(id, msg);
      case SignallingProtocol.LOOKUP:
        return lookup(id, msg);
      case SignallingProtocol.TURN_CREDENTIALS:
        return new TurnCredentialsRequest(id);
      case SignallingProtocol.SESSION_REPORT:
        return sessionReport(id, msg);
      default:
        if (SignallingProtocol.RELAY_TYPES.contains(type)) {
          return relay(type, id, msg);
        }
        if (SERVER_TYPES.contains(type)) {
          throw refused(id, ErrorCode.UNKNOWN_TYPE, "\"" + type + "\" is sent by the server, not accepted from clients");
        }
        throw refused(id, ErrorCode.UNKNOWN_TYPE, "unknown type \"" + truncate(type)
            + "\"; known: register, lookup, ping, turn-credentials, session-report, " + String.join(", ", SignallingProtocol.RELAY_TYPES));
    }
  }

  private static RegisterRequest register(Object id, JsonObject msg) throws SignallingFrameException {
    String type = SignallingProtocol.REGISTER;
    Object token = msg.getValue(F_GRANT_TOKEN);
    // An oversized or mistyped token is no token (as before): the registration itself still stands.
    String grantToken = token instanceof String t && t.length() <= RelayGrantToken.MAX_LENGTH ? t : null;
    String idText = FrameJson.string(msg, F_PEER_ID);
    String keyText = FrameJson.string(msg, F_PUBLIC_KEY);
    String sigText = FrameJson.string(msg, F_SIGNATURE);
    if (idText == null || keyText == null || sigText == null) {
      throw refused(id, type, ErrorCode.MALFORMED, "register needs string fields \"peerId\", \"publicKey\" "
          + "(base64 X.509 SubjectPublicKeyInfo) and \"signature\" (base64 Ed25519 signature of "
          + "\"" + SignallingProtocol.REGISTER_DOMAIN_TEXT + "\" || 0x00 || nonce)");
    }
    PeerId claimed = peerId(id, type, F_PEER_ID, idText);
    PublicKey key;
    try {
      key = PeerIdentity.decodePublicKey(keyText);
    } catch (RuntimeException e) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"publicKey\": " + e.getMessage());
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(sigText);
    } catch (IllegalArgumentException e) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"signature\" is not valid base64");
    }
    if (!claimed.matches(key)) {
      throw refused(id, type, ErrorCode.ID_MISMATCH, "\"peerId\" " + claimed + " is not derived from \"publicKey\" "
          + "(which gives " + PeerId.of(key) + "); a peer can only register the id of its own key");
    }
    boolean attach = Boolean.TRUE.equals(msg.getValue(SignallingProtocol.F_ATTACH));
    return new RegisterRequest(id, claimed, key, sig, attach, grantToken);
  }

  private static SessionReport sessionReport(Object id, JsonObject msg) throws SignallingFrameException {
    String type = SignallingProtocol.SESSION_REPORT;
    String sessionId = FrameJson.string(msg, "sessionId");
    if (sessionId == null || !SessionReport.SESSION_ID.matcher(sessionId).matches()) {
      throw refused(id, type, ErrorCode.MALFORMED, "session-report needs string field \"sessionId\" (1-"
          + SessionReport.MAX_SESSION_ID_LENGTH + " characters of A-Z a-z 0-9 . _ : -)");
    }
    String state = FrameJson.string(msg, "state");
    if (state == null || !SessionReport.STATES.contains(state)) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"state\" must be one of connected, path-changed, closed");
    }
    Object path = msg.getValue("path");
    if (path != null && !(path instanceof String p && SessionReport.PATHS.contains(p))) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"path\" must be one of direct, relayed, none (or absent)");
    }
    Object via = msg.getValue("via");
    if (via != null && !(via instanceof String v && SessionReport.VIA.matcher(v).matches())) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"via\" must be 1-" + SessionReport.MAX_VIA_LENGTH
          + " characters of A-Z a-z 0-9 . : [ ] ' _ - and space (or absent)");
    }
    Object rtt = msg.getValue("rttMs");
    Double rttMs = null;
    if (rtt != null) {
      if (!(rtt instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= SessionReport.MAX_RTT_MS)) {
        throw refused(id, type, ErrorCode.MALFORMED, "\"rttMs\" must be a number from 0 to "
            + (long) SessionReport.MAX_RTT_MS + " (or absent)");
      }
      rttMs = n.doubleValue();
    }
    return new SessionReport(id, sessionId, state, (String) path, (String) via, rttMs);
  }

  private static LookupRequest lookup(Object id, JsonObject msg) throws SignallingFrameException {
    String target = FrameJson.string(msg, F_PEER_ID);
    if (target == null) {
      throw refused(id, SignallingProtocol.LOOKUP, ErrorCode.MALFORMED, "lookup needs string field \"peerId\"");
    }
    return new LookupRequest(id, peerId(id, SignallingProtocol.LOOKUP, F_PEER_ID, target));
  }

  private static RelayRequest relay(String type, Object id, JsonObject msg) throws SignallingFrameException {
    String to = FrameJson.string(msg, F_TO);
    if (to == null) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"" + type + "\" needs string field \"to\" (the target peer id)");
    }
    PeerId target = peerId(id, type, F_TO, to);
    Object body = msg.getValue(F_BODY);
    if (body != null && !(body instanceof JsonObject)) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"body\" must be a JSON object");
    }
    if (!FrameJson.finiteNumbers(body)) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"body\" holds a number beyond the range of a double");
    }
    return new RelayRequest(type, target, id, (JsonObject) body);
  }

  private static PeerId peerId(Object id, String type, String field, String text) throws SignallingFrameException {
    try {
      return PeerId.parse(text);
    } catch (InvalidPeerIdException e) {
      throw refused(id, type, ErrorCode.MALFORMED, "\"" + field + "\": " + e.getMessage());
    }
  }

  private static SignallingFrameException refused(Object id, ErrorCode code, String text) {
    return new SignallingFrameException(code, text, id, null);
  }

  private static SignallingFrameException refused(Object id, String type, ErrorCode code, String text) {
    return new SignallingFrameException(code, text, id, type);
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
