package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;

/**
 * {@code replaced}: the same peer id registered on another connection, which now holds it; the rendezvous
 * closes this one. The peer id is kept as text: the notice is final whatever it names.
 */
public record ReplacedNotice(String peerId, String message) implements ServerFrame {

  @Override
  public String type() {
    return SignallingProtocol.REPLACED;
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put(SignallingProtocol.F_TYPE, type());
    if (peerId != null) {
      j.put(SignallingProtocol.F_PEER_ID, peerId);
    }
    if (message != null) {
      j.put(SignallingProtocol.F_MESSAGE, message);
    }
    return j;
  }
}
