package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;

/** {@code pong}: the answer to a {@code ping}. */
public record PongReply(Object id) implements ServerReply {

  @Override
  public String type() {
    return SignallingProtocol.PONG;
  }

  /** Always carries {@code id}, null included, as the rendezvous writes it. */
  @Override
  public JsonObject toJson() {
    return new JsonObject().put(SignallingProtocol.F_TYPE, type()).put(SignallingProtocol.F_ID, id);
  }
}
