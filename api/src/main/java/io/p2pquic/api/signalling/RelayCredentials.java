package io.p2pquic.api.signalling;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Time-limited TURN credentials the rendezvous hands a registered peer in its {@code registered} reply
 * (field {@code "turn"}; docs/signalling.md, docs/turn.md): the relays to use and a username/password in
 * the use-auth-secret scheme, valid until {@code expiresAt}.
 */
public final class RelayCredentials {

  /** One way to reach a relay: its host (an IP literal), port and the transport to the client. */
  public record Relay(String host, int port, String transport) {
    public Relay {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(transport, "transport");
    }

    /** RFC 7065 form, e.g. {@code turn:203.0.113.10:3478?transport=udp}. */
    public String uri() {
      String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
      return "turn:" + h + ":" + port + "?transport=" + transport;
    }

    public JsonObject toJson() {
      return new JsonObject().put("host", host).put("port", port).put("transport", transport).put("uri", uri());
    }
  }

  private final String username;
  private final String password;
  private final String realm;
  private final long ttlSeconds;
  private final long expiresAt;
  private final List<Relay> relays;
  private long bandwidthBytesPerSecond;

  public RelayCredentials(String username, String password, String realm, long ttlSeconds, long expiresAt,
      List<Relay> relays) {
    this.username = Objects.requireNonNull(username, "username");
    this.password = Objects.requireNonNull(password, "password");
    this.realm = realm;
    this.ttlSeconds = ttlSeconds;
    this.expiresAt = expiresAt;
    this.relays = List.copyOf(relays);
  }

  /** @throws IllegalArgumentException if username, password or relays are missing or mistyped */
  public static RelayCredentials fromJson(JsonObject json) {
    try {
      List<Relay> relays = new ArrayList<>();
      for (Object o : json.getJsonArray("relays")) {
        JsonObject r = (JsonObject) o;
        relays.add(new Relay(r.getString("host"), r.getInteger("port"), r.getString("transport")));
      }
      return new RelayCredentials(json.getString("username"), json.getString("password"), json.getString("realm"),
          json.getLong("ttl", 0L), json.getLong("expiresAt", 0L), relays)
          .bandwidthBytesPerSecond(json.getLong("bandwidthBytesPerSecond", 0L));
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("\"turn\" needs string username and password and a relays array", e);
    }
  }

  public JsonObject toJson() {
    JsonArray r = new JsonArray();
    JsonArray uris = new JsonArray();
    for (Relay relay : relays) {
      r.add(relay.toJson());
      uris.add(relay.uri());
    }
    return new JsonObject()
        .put("username", username)
        .put("password", password)
        .put("realm", realm)
        .put("ttl", ttlSeconds)
        .put("expiresAt", expiresAt)
        .put("uris", uris)
        .put("relays", r)
        .put("bandwidthBytesPerSecond", bandwidthBytesPerSecond);
  }

  /**
   * What each relayed allocation may carry (turn.bandwidthBytesPerSecond of the issuing node; 0 = not
   * limited or unknown): a session that stays relayed is told so by name instead of merely slowing down.
   */
  public long bandwidthBytesPerSecond() {
    return bandwidthBytesPerSecond;
  }

  public RelayCredentials bandwidthBytesPerSecond(long bytesPerSecond) {
    this.bandwidthBytesPerSecond = Math.max(0, bytesPerSecond);
    return this;
  }

  /** {@code <unix expiry>:<peer id>}. */
  public String username() {
    return username;
  }

  /** base64(HMAC-SHA1(shared secret, username)). */
  public String password() {
    return password;
  }

  public String realm() {
    return realm;
  }

  /** Lifetime granted at issue, in seconds. */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** Epoch seconds after which the relay refuses the username. */
  public long expiresAt() {
    return expiresAt;
  }

  public List<Relay> relays() {
    return relays;
  }

  @Override
  public String toString() {
    return "RelayCredentials[username=" + username + ", relays=" + relays + "]";
  }
}
