package io.p2pquic.api.signalling.frame;

import static io.p2pquic.api.signalling.SignallingProtocol.F_BODY;
import static io.p2pquic.api.signalling.SignallingProtocol.F_CODE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_FROM;
import static io.p2pquic.api.signalling.SignallingProtocol.F_ID;
import static io.p2pquic.api.signalling.SignallingProtocol.F_MESSAGE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_NONCE;
import static io.p2pquic.api.signalling.SignallingProtocol.F_PEER_ID;
import static io.p2pquic.api.signalling.SignallingProtocol.F_TYPE;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.util.Base64;

/**
 * Decodes what the rendezvous sends a peer into one {@link ServerFrame}, or refuses it. Pure (no I/O, no
 * event loop, no state) and linear in the size of the frame; for any input it returns a frame or throws
 * {@link SignallingFrameException}, nothing else. The rendezvous may be hostile or broken: a field of the
 * wrong type is a refusal, never an exception on the peer's event loop.
 *
 * <p>Refusals of a frame whose {@code type} is not a string or not known carry no
 * {@link SignallingFrameException#frameType()} (peers ignore those, as a newer server may send more types);
 * refusals of a known type's fields carry it, and the echoed id when there was one.
 */
public final class ServerFrameDecoder {

  /** Decodes one text frame. */
  public ServerFrame decode(String text) throws SignallingFrameException {
    JsonObject msg = FrameJson.parseObject(text);
    if (msg == null) {
      throw new SignallingFrameException(ErrorCode.MALFORMED, "not a JSON object", null, null);
    }
    try {
      return decodeObject(msg);
    } catch (SignallingFrameException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SignallingFrameException(ErrorCode.MALFORMED, "unreadable frame: " + e, null, null);
    }
  }

  private static ServerFrame decodeObject(JsonObject msg) throws SignallingFrameException {
    if (!(msg.getValue(F_TYPE) instanceof String type)) {
      throw new SignallingFrameException(ErrorCode.MALFORMED, "missing string field \"type\"", null, null);
    }
    boolean known = switch (type) {
      case SignallingProtocol.CHALLENGE, SignallingProtocol.REGISTERED, SignallingProtocol.PEER, SignallingProtocol.ACK,
          SignallingProtocol.ERROR, SignallingProtocol.PONG, SignallingProtocol.REPLACED,
          SignallingProtocol.TURN_CREDENTIALS -> true;
      default -> SignallingProtocol.RELAY_TYPES.contains(type);
    };
    if (!known) {
      throw new SignallingFrameException(ErrorCode.UNKNOWN_TYPE, "unknown type \"" + truncate(type) + "\"", null, null);
    }
    Fields f = new Fields(type, msg);
    return switch (type) {
      case SignallingProtocol.CHALLENGE -> challenge(f);
      case SignallingProtocol.REGISTERED -> registered(f);
      case SignallingProtocol.PEER -> peer(f);
      case SignallingProtocol.ACK -> new AckReply(f.id());
      case SignallingProtocol.PONG -> new PongReply(f.id());
      case SignallingProtocol.ERROR -> new ErrorReply(f.id(), f.stringOr(F_CODE, ErrorCode.INTERNAL.wire()),
          f.stringOr(F_MESSAGE, ""));
      case SignallingProtocol.REPLACED -> new ReplacedNotice(f.stringOr(F_PEER_ID, null), f.stringOr(F_MESSAGE, null));
      case SignallingProtocol.TURN_CREDENTIALS -> new TurnCredentialsReply(f.id(), f.objectOr("turn", true));
      default -> relayed(f);
    };
  }

  private static Challenge challenge(Fields f) throws SignallingFrameException {
    byte[] nonce;
    try {
      nonce = Base64.getDecoder().decode(f.stringOr(F_NONCE, ""));
    } catch (IllegalArgumentException e) {
      nonce = new byte[0];
    }
    if (nonce.length != SignallingProtocol.NONCE_LENGTH) {
      throw f.refused("server challenge has no 32-byte nonce");
    }
    // The version is informational (every server so far speaks 1): an odd value is not worth a refusal.
    Object version = f.msg.getValue("version");
    return new Challenge(nonce, version instanceof Integer v ? v : 0);
  }

  private static RegisteredReply registered(Fields f) throws SignallingFrameException {
    PeerId peerId = f.peerId(F_PEER_ID);
    return new RegisteredReply(f.id(), peerId, Boolean.TRUE.equals(f.msg.getValue(SignallingProtocol.F_ATTACH)),
        f.stringOr("observedAddress", null), f.stringOr("sessionId", null), f.stringOr("node", null),
        f.objectOr("limits", false), f.objectOr("turn", false), f.objectOr(SignallingProtocol.F_QUIC_SIGNALLING, false));
  }

  private static PeerReply peer(Fields f) throws SignallingFrameException {
    Object id = f.id();
    PeerInfo info;
    try {
      info = PeerInfo.fromJson(f.msg);
    } catch (RuntimeException e) {
      throw f.refused("bad peer reply: " + e.getMessage());
    }
    // An offline peer is only its id: what else the frame said would not survive the peer's JSON form.
    return new PeerReply(id, info.online() ? info : PeerInfo.offline(info.peerId()));
  }

  private static SignallingMessage relayed(Fields f) throws SignallingFrameException {
    if (!(f.msg.getValue(F_FROM) instanceof String)) {
      throw f.refused("relayed message needs string \"from\"");
    }
    Object body = f.msg.getValue(F_BODY);
    if (body != null && !(body instanceof JsonObject)) {
      throw f.refused("\"body\" must be an object");
    }
    if (!FrameJson.finiteNumbers(body)) {
      throw f.refused("\"body\" holds a number beyond the range of a double");
    }
    return SignallingMessage.fromJson(f.msg);
  }

  /** Field access of one frame of a known type; refusals name the type and carry the id. */
  private static final class Fields {
    final String type;
    final JsonObject msg;
    private final Object id;

    Fields(String type, JsonObject msg) throws SignallingFrameException {
      this.type = type;
      this.msg = msg;
      Object raw = msg.getValue(F_ID);
      this.id = raw;
      if (!FrameJson.finiteNumbers(raw)) {
        throw refused("\"id\" holds a number beyond the range of a double");
      }
    }

    /** The echoed id: any JSON value the server chose, compared by peers as text. */
    Object id() {
      return id;
    }

    String stringOr(String key, String absent) throws SignallingFrameException {
      Object v = msg.getValue(key);
      if (v == null) {
        return absent;
      }
      if (!(v instanceof String s)) {
        throw refused("\"" + key + "\" must be a string");
      }
      return s;
    }

    /**
     * The object at {@code key}, null when absent. With {@code strict} another type is refused; otherwise it
     * counts as absent (optional extras a peer can do without).
     */
    JsonObject objectOr(String key, boolean strict) throws SignallingFrameException {
      Object v = msg.getValue(key);
      if (v == null || !(v instanceof JsonObject) && !strict) {
        return null;
      }
      if (!(v instanceof JsonObject o)) {
        throw refused("\"" + key + "\" must be an object");
      }
      if (!FrameJson.finiteNumbers(o)) {
        throw refused("\"" + key + "\" holds a number beyond the range of a double");
      }
      return o;
    }

    PeerId peerId(String key) throws SignallingFrameException {
      Object v = msg.getValue(key);
      if (!(v instanceof String s)) {
        throw refused("needs string field \"" + key + "\"");
      }
      try {
        return PeerId.parse(s);
      } catch (IllegalArgumentException e) {
        throw refused("\"" + key + "\": " + e.getMessage());
      }
    }

    SignallingFrameException refused(String text) {
      return new SignallingFrameException(ErrorCode.MALFORMED, "\"" + type + "\": " + text, id, type);
    }
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
