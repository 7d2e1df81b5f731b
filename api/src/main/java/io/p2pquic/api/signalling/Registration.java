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
  private final RelayCredentials relayCredentials;
  /** The {@code quicSignalling} advert of a full registration ({@code port}, {@code peerId}), or null. */
  private JsonObject quicSignalling;

  public Registration(PeerId peerId, String observedAddress, String sessionId, String node, JsonObject limits) {
    this(peerId, observedAddress, sessionId, node, limits, null);
  }

  public Registration(PeerId peerId, String observedAddress, String sessionId, String node, JsonObject limits,
      RelayCredentials relayCredentials) {
    this.relayCredentials = relayCredentials;
    this.peerId = peerId;
    this.observedAddress = observedAddress;
    this.sessionId = sessionId;
    this.node = node;
    this.limits = limits == null ? new JsonObject() : limits;
  }

  public static Registration fromJson(JsonObject json) {
    Object limits = json.getValue("limits");
    Object turn = json.getValue("turn");
    RelayCredentials relay = null;
    if (turn instanceof JsonObject) {
      try {
        relay = RelayCredentials.fromJson((JsonObject) turn);
      } catch (IllegalArgumentException e) {
        relay = null; // an unusable grant is no grant; registration itself still stands
      }
    }
    Registration r = new Registration(PeerId.parse(json.getString("peerId")), json.getString("observedAddress"),
        json.getString("sessionId"), json.getString("node"), limits instanceof JsonObject ? (JsonObject) limits : null,
        relay);
    Object quic = json.getValue(SignallingProtocol.F_QUIC_SIGNALLING);
    r.quicSignalling = quic instanceof JsonObject ? (JsonObject) quic : null;
    return r;
  }

  /**
   * Where the rendezvous's QUIC signalling transport listens (method quic-native): {@code {"port": N,
   * "peerId": "pq1..."}}, null when the rendezvous runs none.
   */
  public JsonObject quicSignalling() {
    return quicSignalling;
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

  /** TURN relays and credentials the rendezvous issued, or null when it runs no relay (older servers too). */
  public RelayCredentials relayCredentials() {
    return relayCredentials;
  }

  @Override
  public String toString() {
    return "Registration[peerId=" + peerId + ", observedAddress=" + observedAddress + ", node=" + node + "]";
  }
}
