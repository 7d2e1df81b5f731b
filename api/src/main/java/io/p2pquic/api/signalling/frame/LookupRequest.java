package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/** {@code lookup}: is {@code peerId} registered, and where. */
public record LookupRequest(Object id, PeerId peerId) implements ClientFrame {

  public LookupRequest {
    Objects.requireNonNull(peerId, "peerId");
  }

  @Override
  public String type() {
    return SignallingProtocol.LOOKUP;
  }

  @Override
  public JsonObject toJson() {
    return RequestIds.putIfPresent(new JsonObject().put(SignallingProtocol.F_TYPE, type()), id)
        .put(SignallingProtocol.F_PEER_ID, peerId.value());
  }
}
