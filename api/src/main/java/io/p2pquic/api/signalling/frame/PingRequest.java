package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;

/** {@code ping}: an application round trip; allowed before registration too. */
public record PingRequest(Object id) implements ClientFrame {

  @Override
  public String type() {
    return SignallingProtocol.PING;
  }

  @Override
  public JsonObject toJson() {
    return RequestIds.putIfPresent(new JsonObject().put(SignallingProtocol.F_TYPE, type()), id);
  }
}
