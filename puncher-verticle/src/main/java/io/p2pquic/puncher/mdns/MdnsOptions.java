package io.p2pquic.puncher.mdns;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * mDNS host candidates ({@code session.mdns} in the peer configuration; docs/ice.md, "mDNS host candidates"):
 * offers name a private host address by a random {@code <uuid>.local} name this peer answers for on its LAN
 * (RFC 6762), instead of the address itself. Names from peers are resolved whatever this says. A mutable
 * data object with a JSON round trip; all keys optional:
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code enabled}</td><td>false</td><td>publish private host addresses as {@code .local} names
 *     (peers on another LAN then cannot use them, which costs nothing: they could not reach them anyway;
 *     peers on this LAN need multicast between the two hosts)</td></tr>
 * <tr><td>{@code resolveTimeoutMillis}</td><td>1000</td><td>how long a peer's name may take to resolve</td></tr>
 * <tr><td>{@code ttlSeconds}</td><td>120</td><td>lifetime of our answers in others' caches</td></tr>
 * </table>
 */
public final class MdnsOptions extends JsonDataObject {
  public static final boolean DEFAULT_ENABLED = false;
  public static final long DEFAULT_RESOLVE_TIMEOUT_MILLIS = 1_000;
  public static final long DEFAULT_TTL_SECONDS = 120;
  private static final List<String> KNOWN = List.of("enabled", "resolveTimeoutMillis", "ttlSeconds");

  private boolean enabled = DEFAULT_ENABLED;
  private long resolveTimeoutMillis = DEFAULT_RESOLVE_TIMEOUT_MILLIS;
  private long ttlSeconds = DEFAULT_TTL_SECONDS;

  public MdnsOptions() {}

  public MdnsOptions(MdnsOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public MdnsOptions(JsonObject json) {
    StrictConfig.read("mdns", json, KNOWN, (k, v) -> {
      switch (k) {
        case "enabled" -> setEnabled(StrictConfig.bool(v));
        case "resolveTimeoutMillis" -> setResolveTimeoutMillis(StrictConfig.longValue(v));
        case "ttlSeconds" -> setTtlSeconds(StrictConfig.longValue(v));
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled).put("resolveTimeoutMillis", resolveTimeoutMillis)
        .put("ttlSeconds", ttlSeconds);
  }

  public boolean enabled() {
    return enabled;
  }

  public MdnsOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public long resolveTimeoutMillis() {
    return resolveTimeoutMillis;
  }

  public MdnsOptions setResolveTimeoutMillis(long millis) {
    this.resolveTimeoutMillis = StrictConfig.inRange("resolveTimeoutMillis", millis, 50, 60_000);
    return this;
  }

  public long ttlSeconds() {
    return ttlSeconds;
  }

  public MdnsOptions setTtlSeconds(long seconds) {
    this.ttlSeconds = StrictConfig.inRange("ttlSeconds", seconds, 1, 86_400);
    return this;
  }
}
