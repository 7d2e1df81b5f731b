package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A message for another peer (one of {@link SignallingProtocol#RELAY_TYPES}: offer, answer, candidate, ...).
 * A client-supplied {@code from} is not part of it: the rendezvous sets {@code from} from the connection's
 * registration. An absent {@code body} is the empty object.
 */
public record RelayRequest(String type, PeerId to, Object id, JsonObject body) implements ClientFrame {

  public RelayRequest {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(to, "to");
    body = body == null ? new JsonObject() : body;
  }

  @Override
  public JsonObject toJson() {
    return RequestIds.putIfPresent(new JsonObject().put(SignallingProtocol.F_TYPE, type), id)
        .put(SignallingProtocol.F_TO, to.value())
        .put(SignallingProtocol.F_BODY, body);
  }
}
