package io.p2pquic.api.signalling;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.identity.PeerId;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What the rendezvous knows about a peer: the {@code peer} reply to a {@code lookup}, and the reply
 * on {@link io.p2pquic.api.Addresses#RENDEZVOUS_LOOKUP}. When {@code online} is false only
 * {@code peerId} is set.
 */
public final class PeerInfo extends JsonDataObject {

  private final PeerId peerId;
  private final boolean online;
  private final String publicKey;
  private final String observedAddress;
  private final long registeredAt;
  private final String node;

  public PeerInfo(PeerId peerId, boolean online, String publicKey, String observedAddress,
      long registeredAt, String node) {
    this.peerId = Objects.requireNonNull(peerId, "peerId");
    this.online = online;
    this.publicKey = publicKey;
    this.observedAddress = observedAddress;
    this.registeredAt = registeredAt;
    this.node = node;
  }

  public static PeerInfo offline(PeerId peerId) {
    return new PeerInfo(peerId, false, null, null, 0L, null);
  }

  /**
   * Parses the JSON form (fields {@code peerId, online, publicKey, observedAddress, registeredAt,
   * node}).
   *
   * @throws IllegalArgumentException if peerId or online are missing or invalid
   */
  public static PeerInfo fromJson(JsonObject json) {
    Object id = json.getValue("peerId");
    Object online = json.getValue("online");
    if (!(id instanceof String) || !(online instanceof Boolean)) {
      throw new IllegalArgumentException("peer info needs string \"peerId\" and boolean \"online\"");
    }
    Object at = json.getValue("registeredAt");
    return new PeerInfo(PeerId.parse((String) id), (Boolean) online, json.getString("publicKey"),
        json.getString("observedAddress"), at instanceof Number ? ((Number) at).longValue() : 0L,
        json.getString("node"));
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("peerId", peerId.value()).put("online", online);
    if (online) {
      j.put("publicKey", publicKey).put("observedAddress", observedAddress)
          .put("registeredAt", registeredAt).put("node", node);
    }
    return j;
  }

  public PeerId peerId() {
    return peerId;
  }

  public boolean online() {
    return online;
  }

  /** Base64 X.509 SubjectPublicKeyInfo of the peer's key (online only). */
  public String publicKey() {
    return publicKey;
  }

  /** {@code ip:port} (IPv6 as {@code [ip]:port}) the rendezvous saw the peer's connection from. */
  public String observedAddress() {
    return observedAddress;
  }

  /** Epoch milliseconds of the current registration (0 when offline). */
  public long registeredAt() {
    return registeredAt;
  }

  /** Id of the rendezvous node holding the peer's connection. */
  public String node() {
    return node;
  }
}
