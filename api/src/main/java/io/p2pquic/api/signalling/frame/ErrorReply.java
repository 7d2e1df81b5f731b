package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code error}: the rendezvous refused a request (or, with a null id, a frame it could not attribute).
 *
 * @param code the wire code, possibly one this version does not know
 */
public record ErrorReply(Object id, String code, String message) implements ServerReply {

  public ErrorReply {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public ErrorReply(Object id, ErrorCode code, String message) {
    this(id, code.wire(), message);
  }

  /** The code, if this version knows it. */
  public Optional<ErrorCode> errorCode() {
    return ErrorCode.fromWire(code);
  }

  @Override
  public String type() {
    return SignallingProtocol.ERROR;
  }

  /** Always carries {@code id}, null included, as the rendezvous writes it. */
  @Override
  public JsonObject toJson() {
    return new JsonObject().put(SignallingProtocol.F_TYPE, type()).put(SignallingProtocol.F_ID, id)
        .put(SignallingProtocol.F_CODE, code).put(SignallingProtocol.F_MESSAGE, message);
  }
}
