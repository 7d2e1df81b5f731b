package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;

/** {@code turn-credentials}: a registered peer asks for fresh relay credentials. */
public record TurnCredentialsRequest(Object id) implements ClientFrame {

  @Override
  public String type() {
    return SignallingProtocol.TURN_CREDENTIALS;
  }

  @Override
  public JsonObject toJson() {
    return RequestIds.putIfPresent(new JsonObject().put(SignallingProtocol.F_TYPE, type()), id);
  }
}
