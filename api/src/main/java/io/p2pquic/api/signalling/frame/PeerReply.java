package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.PeerInfo;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/** {@code peer}: the answer to a {@code lookup}, the peer's {@link PeerInfo} fields beside type and id. */
public record PeerReply(Object id, PeerInfo info) implements ServerReply {

  public PeerReply {
    Objects.requireNonNull(info, "info");
  }

  @Override
  public String type() {
    return SignallingProtocol.PEER;
  }

  @Override
  public JsonObject toJson() {
    JsonObject out = new JsonObject().put(SignallingProtocol.F_TYPE, type()).put(SignallingProtocol.F_ID, id);
    info.toJson().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }
}
