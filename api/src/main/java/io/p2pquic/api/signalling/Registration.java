package io.p2pquic.api.signalling;

import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;

/**
 * The server's {@code registered} reply: the peer id the connection is now bound to and the address
 * the rendezvous saw it connect from (the peer's server-reflexive TCP address).
 */
public final class Registration {

  private final PeerId peerId;
  private final String observedAddress;
  private final String sessionId;
  private final String node;
  private final JsonObject limits;

  public Registration(PeerId peerId, String observedAddress, String sessionId, String node, JsonObject limits) {
    this.peerId = peerId;
    this.observedAddress = observedAddress;
    this.sessionId = sessionId;
    this.node = node;
    this.limits = limits == null ? new JsonObject() : limits;
  }

  public static Registration fromJson(JsonObject json) {
    Object limits = json.getValue("limits");
    return new Registration(PeerId.parse(json.getString("peerId")), json.getString("observedAddress"),
        json.getString("sessionId"), json.getString("node"), limits instanceof JsonObject ? (JsonObject) limits : null);
  }

  public PeerId peerId() {
    return peerId;
  }

  /** {@code ip:port} as seen by the rendezvous. */
  public String observedAddress() {
    return observedAddress;
  }

  /** Server-chosen id of this connection's registration. */
  public String sessionId() {
    return sessionId;
  }

  /** Id of the rendezvous node the connection is on. */
  public String node() {
    return node;
  }

  /** The server's limits: {@code maxMessageBytes}, {@code ratePerSecond}, {@code rateBurst}. */
  public JsonObject limits() {
    return limits;
  }

  @Override
  public String toString() {
    return "Registration[peerId=" + peerId + ", observedAddress=" + observedAddress + ", node=" + node + "]";
  }
}
