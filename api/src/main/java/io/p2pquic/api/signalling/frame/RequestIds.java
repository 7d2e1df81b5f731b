package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;

/** The rule for a client's request id, which the server echoes verbatim in its reply. */
final class RequestIds {
  private RequestIds() {
  }

  /** A string of at most {@link SignallingProtocol#MAX_REQUEST_ID_LENGTH} characters, an int or a long. */
  static boolean valid(Object id) {
    return id instanceof String s && s.length() <= SignallingProtocol.MAX_REQUEST_ID_LENGTH
        || id instanceof Integer || id instanceof Long;
  }

  /** Puts {@code id} unless it is null (the client left it out). */
  static JsonObject putIfPresent(JsonObject json, Object id) {
    return id == null ? json : json.put(SignallingProtocol.F_ID, id);
  }
}
