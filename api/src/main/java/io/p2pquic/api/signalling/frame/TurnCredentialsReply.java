package io.p2pquic.api.signalling.frame;

import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.vertx.core.json.JsonObject;

/**
 * {@code turn-credentials} from the server: fresh relay credentials. The {@code turn} object is kept as
 * sent (null when absent) and read by {@link #relayCredentials()}, so that unusable credentials fail the
 * renewal that asked for them, not the frame.
 */
public record TurnCredentialsReply(Object id, JsonObject turn) implements ServerReply {

  @Override
  public String type() {
    return SignallingProtocol.TURN_CREDENTIALS;
  }

  /**
   * The credentials.
   *
   * @throws IllegalArgumentException when {@code turn} is absent or unusable
   */
  public RelayCredentials relayCredentials() {
    return RelayCredentials.fromJson(turn == null ? new JsonObject() : turn);
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put(SignallingProtocol.F_TYPE, type()).put(SignallingProtocol.F_ID, id);
    return turn == null ? j : j.put("turn", turn);
  }
}
