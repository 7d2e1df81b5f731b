package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * {@code registered}: the connection is bound to {@code peerId}. A full registration carries the server's
 * {@code limits} and, when it has them, relay credentials ({@code turn}) and its QUIC signalling advert
 * ({@code quicSignalling}); an attachment ({@code attach}) carries neither. The nested objects are kept as
 * sent: an unusable relay grant is no grant, the registration still stands ({@link #registration()}).
 *
 * @param observedAddress {@code ip:port} the rendezvous saw the connection come from, as text
 */
public record RegisteredReply(Object id, PeerId peerId, boolean attach, String observedAddress, String sessionId,
    String node, JsonObject limits, JsonObject turn, JsonObject quicSignalling) implements ServerReply {

  public RegisteredReply {
    Objects.requireNonNull(peerId, "peerId");
  }

  /** The registration as the peer keeps it. */
  public Registration registration() {
    return Registration.fromJson(toJson());
  }

  @Override
  public String type() {
    return SignallingProtocol.REGISTERED;
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put(SignallingProtocol.F_TYPE, type())
        .put(SignallingProtocol.F_ID, id)
        .put(SignallingProtocol.F_PEER_ID, peerId.value());
    if (attach) {
      j.put(SignallingProtocol.F_ATTACH, true);
    }
    j.put("observedAddress", observedAddress).put("sessionId", sessionId).put("node", node);
    if (limits != null) {
      j.put("limits", limits);
    }
    if (turn != null) {
      j.put("turn", turn);
    }
    if (quicSignalling != null) {
      j.put(SignallingProtocol.F_QUIC_SIGNALLING, quicSignalling);
    }
    return j;
  }
}
