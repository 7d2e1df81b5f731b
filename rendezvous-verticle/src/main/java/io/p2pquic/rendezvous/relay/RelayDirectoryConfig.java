package io.p2pquic.rendezvous.relay;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import java.util.List;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster-wide relay directory ({@code "relays"} object of the rendezvous configuration; docs/turn.md,
 * "Clustered relays").
 *
 * <p>JSON keys (all optional): {@code announceIntervalMs} (default 5000: each relay node re-announces
 * itself and re-reads the directory this often; entries live three intervals), {@code maxPerGrant}
 * (default 3: relays listed in a peer's credentials), {@code mapName} (default {@code p2p.relays}).
 */
public final class RelayDirectoryConfig extends JsonDataObject {
  public static final long DEFAULT_ANNOUNCE_INTERVAL_MS = 5000;
  public static final int DEFAULT_MAX_PER_GRANT = 3;
  public static final String DEFAULT_MAP_NAME = "p2p.relays";
  private static final String PREFIX = "relays.";
  private static final List<String> KNOWN = List.of("announceIntervalMs", "maxPerGrant", "mapName");

  private long announceIntervalMs = DEFAULT_ANNOUNCE_INTERVAL_MS;
  private int maxPerGrant = DEFAULT_MAX_PER_GRANT;
  private String mapName = DEFAULT_MAP_NAME;

  public RelayDirectoryConfig() {}

  public RelayDirectoryConfig(RelayDirectoryConfig other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults (null: all defaults). @throws IllegalArgumentException naming the bad key */
  public RelayDirectoryConfig(JsonObject json) {
    if (json == null) {
      return;
    }
    StrictConfig.read("relays", json, KNOWN, (k, v) -> {
      switch (k) {
        case "announceIntervalMs" -> announceIntervalMs = StrictConfig.longValue(v);
        case "maxPerGrant" -> maxPerGrant = StrictConfig.intValue(v);
        case "mapName" -> mapName = StrictConfig.string(v);
        default -> throw new IllegalStateException(k);
      }
    });
    validate();
  }

  /** Same as {@link #RelayDirectoryConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static RelayDirectoryConfig fromJson(JsonObject json) {
    return new RelayDirectoryConfig(json);
  }

  @Override
  public JsonObject toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("announceIntervalMs", announceIntervalMs);
    m.put("maxPerGrant", maxPerGrant);
    m.put("mapName", mapName);
    return new JsonObject(m);
  }

  public RelayDirectoryConfig validate() {
    if (announceIntervalMs < 100) {
      throw new IllegalArgumentException(PREFIX + "announceIntervalMs must be >= 100, is " + announceIntervalMs);
    }
    if (maxPerGrant < 1) {
      throw new IllegalArgumentException(PREFIX + "maxPerGrant must be >= 1, is " + maxPerGrant);
    }
    if (mapName == null || mapName.isBlank()) {
      throw new IllegalArgumentException(PREFIX + "mapName must not be empty");
    }
    return this;
  }

  public long announceIntervalMs() {
    return announceIntervalMs;
  }

  public RelayDirectoryConfig setAnnounceIntervalMs(long ms) {
    this.announceIntervalMs = ms;
    return this;
  }

  /** Lifetime of an entry in the map, and the age after which a snapshot entry counts as dead: 3 intervals. */
  public long entryTtlMs() {
    return 3 * announceIntervalMs;
  }

  public int maxPerGrant() {
    return maxPerGrant;
  }

  public RelayDirectoryConfig setMaxPerGrant(int n) {
    this.maxPerGrant = n;
    return this;
  }

  public String mapName() {
    return mapName;
  }

  public RelayDirectoryConfig setMapName(String name) {
    this.mapName = name;
    return this;
  }
}
