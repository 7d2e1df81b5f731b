package io.p2pquic.puncher.portmap;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Port mapping ({@code session.portMapping} in the peer configuration; docs/ice.md, "Port mapping"): each
 * session asks the gateway, by PCP (RFC 6887), NAT-PMP (RFC 6886) or UPnP-IGD, to forward a public port to its
 * socket, and offers the mapped address as a server-reflexive candidate that accepts unsolicited checks,
 * so a peer behind any NAT can reach it. A mutable data object with a JSON round trip; unknown keys and
 * values out of range are refused with the key's path. All keys optional:
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code enabled}</td><td>true</td><td>look for a PCP, NAT-PMP or UPnP-IGD gateway and map each session's port</td></tr>
 * <tr><td>{@code gateway}</td><td>null</td><td>the gateway's IPv4 address; null: the default route's gateway
 *     ({@code /proc/net/route})</td></tr>
 * <tr><td>{@code lifetimeSeconds}</td><td>7200</td><td>lifetime asked for; renewed at half of what the gateway
 *     grants, deleted when the session closes (60-86400)</td></tr>
 * <tr><td>{@code timeoutMillis}</td><td>750</td><td>how long a request waits for the gateway (sent at 0 and
 *     250 ms)</td></tr>
 * <tr><td>{@code recheckMillis}</td><td>300000</td><td>how long "no PCP or NAT-PMP gateway here" is remembered
 *     before asking again</td></tr>
 * </table>
 */
public final class PortMappingOptions extends JsonDataObject {
  public static final boolean DEFAULT_ENABLED = true;
  public static final long DEFAULT_LIFETIME_SECONDS = 7200;
  public static final long DEFAULT_TIMEOUT_MILLIS = 750;
  public static final long DEFAULT_RECHECK_MILLIS = 300_000;
  private static final List<String> KNOWN = List.of("enabled", "gateway", "lifetimeSeconds", "timeoutMillis",
      "recheckMillis");

  private boolean enabled = DEFAULT_ENABLED;
  private String gateway;
  private long lifetimeSeconds = DEFAULT_LIFETIME_SECONDS;
  private long timeoutMillis = DEFAULT_TIMEOUT_MILLIS;
  private long recheckMillis = DEFAULT_RECHECK_MILLIS;

  public PortMappingOptions() {}

  public PortMappingOptions(PortMappingOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public PortMappingOptions(JsonObject json) {
    StrictConfig.read("portMapping", json, KNOWN, (k, v) -> {
      switch (k) {
        case "enabled" -> setEnabled(StrictConfig.bool(v));
        case "gateway" -> setGateway(StrictConfig.optionalString(v));
        case "lifetimeSeconds" -> setLifetimeSeconds(StrictConfig.longValue(v));
        case "timeoutMillis" -> setTimeoutMillis(StrictConfig.longValue(v));
        case "recheckMillis" -> setRecheckMillis(StrictConfig.longValue(v));
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("gateway", gateway)
        .put("lifetimeSeconds", lifetimeSeconds)
        .put("timeoutMillis", timeoutMillis)
        .put("recheckMillis", recheckMillis);
  }

  public boolean enabled() {
    return enabled;
  }

  public PortMappingOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** The gateway's IPv4 literal, or null for the default route's gateway. */
  public String gateway() {
    return gateway;
  }

  public PortMappingOptions setGateway(String gateway) {
    if (gateway != null && !gateway.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      throw new IllegalArgumentException("gateway must be an IPv4 address literal, got '" + gateway + "'");
    }
    this.gateway = gateway;
    return this;
  }

  public long lifetimeSeconds() {
    return lifetimeSeconds;
  }

  public PortMappingOptions setLifetimeSeconds(long seconds) {
    this.lifetimeSeconds = StrictConfig.inRange("lifetimeSeconds", seconds, 60, 86_400);
    return this;
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  public PortMappingOptions setTimeoutMillis(long millis) {
    this.timeoutMillis = StrictConfig.inRange("timeoutMillis", millis, 50, 60_000);
    return this;
  }

  public long recheckMillis() {
    return recheckMillis;
  }

  public PortMappingOptions setRecheckMillis(long millis) {
    this.recheckMillis = StrictConfig.inRange("recheckMillis", millis, 1_000, 86_400_000);
    return this;
  }
}
