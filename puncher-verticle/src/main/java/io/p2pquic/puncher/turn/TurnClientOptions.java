package io.p2pquic.puncher.turn;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * One TURN server and how the {@link TurnClient} uses it. A mutable data object with a JSON round trip
 * ({@link #toJson()}, {@link #TurnClientOptions(JsonObject)}); unknown keys and bad values are rejected
 * with an {@link IllegalArgumentException} naming the key.
 *
 * <table>
 * <caption>JSON keys and defaults</caption>
 * <tr><td>{@code host}</td><td>(required)</td><td>IP literal or name (resolved off the event loop)</td></tr>
 * <tr><td>{@code port}</td><td>3478</td><td>the server's UDP port</td></tr>
 * <tr><td>{@code username}, {@code password}</td><td>(required)</td><td>long-term credentials; for
 *     coturn's use-auth-secret, {@code <expiry>:<user>} and base64(HMAC-SHA1(secret, username))
 *     ({@link io.p2pquic.stun.turn.TurnRestCredentials#issue})</td></tr>
 * <tr><td>{@code transport}</td><td>"udp"</td><td>client-to-server transport; only UDP</td></tr>
 * <tr><td>{@code lifetimeSeconds}</td><td>600</td><td>allocation lifetime asked for (the server may
 *     grant another); refreshed at lifetime - 60 s, or half the lifetime when that is under 2 min</td></tr>
 * <tr><td>{@code permissionRefreshMillis}</td><td>240000</td><td>permissions (5 min at the server) of
 *     peers used since the last round are refreshed this often</td></tr>
 * <tr><td>{@code channelRefreshMillis}</td><td>480000</td><td>channel bindings (10 min at the server) of
 *     peers used since the last round are refreshed this often</td></tr>
 * <tr><td>{@code autoChannelBind}</td><td>true</td><td>bind a channel to each peer sent to, so later
 *     packets carry the 4-byte ChannelData header instead of a 36-byte Send indication</td></tr>
 * <tr><td>{@code retransmit}</td><td>RTO 250 ms, Rc 6, Rm 4 (8.75 s)</td><td>per-request STUN
 *     retransmissions ({@link RetransmitPolicy#toJson()})</td></tr>
 * </table>
 */
public final class TurnClientOptions extends JsonDataObject {
  public static final int DEFAULT_PORT = 3478;
  public static final long DEFAULT_LIFETIME_SECONDS = 600;
  public static final long DEFAULT_PERMISSION_REFRESH_MILLIS = 240_000;
  public static final long DEFAULT_CHANNEL_REFRESH_MILLIS = 480_000;
  public static final RetransmitPolicy DEFAULT_RETRANSMIT = RetransmitPolicy.of(250, 6, 4);

  private static final List<String> KNOWN = List.of("host", "port", "username", "password", "transport",
      "lifetimeSeconds", "permissionRefreshMillis", "channelRefreshMillis", "autoChannelBind", "retransmit");

  private String host;
  private int port = DEFAULT_PORT;
  private String username;
  private String password;
  private String transport = "udp";
  private long lifetimeSeconds = DEFAULT_LIFETIME_SECONDS;
  private long permissionRefreshMillis = DEFAULT_PERMISSION_REFRESH_MILLIS;
  private long channelRefreshMillis = DEFAULT_CHANNEL_REFRESH_MILLIS;
  private boolean autoChannelBind = true;
  private RetransmitPolicy retransmit = DEFAULT_RETRANSMIT;

  public TurnClientOptions() {}

  public TurnClientOptions(String host, int port, String username, String password) {
    setHost(host).setPort(port).setUsername(username).setPassword(password);
  }

  public TurnClientOptions(TurnClientOptions other) {
    this(other.toJson());
  }

  /** @throws IllegalArgumentException naming the bad or missing key */
  public TurnClientOptions(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "host" -> setHost(StrictConfig.string(v));
        case "port" -> setPort(StrictConfig.intValue(v));
        case "username" -> setUsername(StrictConfig.string(v));
        case "password" -> setPassword(StrictConfig.string(v));
        case "transport" -> setTransport(StrictConfig.string(v));
        case "lifetimeSeconds" -> setLifetimeSeconds(StrictConfig.longValue(v));
        case "permissionRefreshMillis" -> setPermissionRefreshMillis(StrictConfig.longValue(v));
        case "channelRefreshMillis" -> setChannelRefreshMillis(StrictConfig.longValue(v));
        case "autoChannelBind" -> setAutoChannelBind(StrictConfig.bool(v));
        case "retransmit" -> setRetransmit(RetransmitPolicy.fromJson(StrictConfig.object(v), DEFAULT_RETRANSMIT));
        default -> throw new IllegalStateException(k);
      }
    });
    validate();
  }

  /** @throws IllegalArgumentException when host, username or password is missing */
  public TurnClientOptions validate() {
    // ConfigKeyException (an IllegalArgumentException) so a missing key is named with its full path.
    if (host == null || host.isBlank()) {
      throw new io.p2pquic.api.config.ConfigKeyException("host", "is required (the TURN server's IP or name)");
    }
    if (username == null) {
      throw new io.p2pquic.api.config.ConfigKeyException("username", "is required (TURN uses long-term credentials)");
    }
    if (password == null) {
      throw new io.p2pquic.api.config.ConfigKeyException("password", "is required (TURN uses long-term credentials)");
    }
    return this;
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    if (host != null) {
      j.put("host", host);
    }
    j.put("port", port);
    if (username != null) {
      j.put("username", username);
    }
    if (password != null) {
      j.put("password", password);
    }
    return j.put("transport", transport)
        .put("lifetimeSeconds", lifetimeSeconds)
        .put("permissionRefreshMillis", permissionRefreshMillis)
        .put("channelRefreshMillis", channelRefreshMillis)
        .put("autoChannelBind", autoChannelBind)
        .put("retransmit", retransmit.toJson());
  }

  /** {@code host:port} ({@code [v6]:port}), for messages. */
  public String server() {
    return host != null && host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
  }

  public String host() {
    return host;
  }

  public TurnClientOptions setHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.indexOf(':') >= 0 && !SocketAddresses.isIpLiteral(h)) {
      throw new IllegalArgumentException("host must be an IP or a name without a port: " + host);
    }
    this.host = h;
    return this;
  }

  public int port() {
    return port;
  }

  public TurnClientOptions setPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535: " + port);
    }
    this.port = port;
    return this;
  }

  public String username() {
    return username;
  }

  public TurnClientOptions setUsername(String username) {
    this.username = Objects.requireNonNull(username, "username");
    return this;
  }

  public String password() {
    return password;
  }

  public TurnClientOptions setPassword(String password) {
    this.password = Objects.requireNonNull(password, "password");
    return this;
  }

  public String transport() {
    return transport;
  }

  /** Only "udp" (TURN over TCP/TLS and TCP relaying, RFC 6062, are not implemented). */
  public TurnClientOptions setTransport(String transport) {
    if (!"udp".equalsIgnoreCase(transport)) {
      throw new IllegalArgumentException("transport must be \"udp\" (TURN over TCP/TLS is not supported): " + transport);
    }
    this.transport = "udp";
    return this;
  }

  public long lifetimeSeconds() {
    return lifetimeSeconds;
  }

  public TurnClientOptions setLifetimeSeconds(long seconds) {
    if (seconds < 1 || seconds > 86_400) {
      throw new IllegalArgumentException("lifetimeSeconds must be 1-86400: " + seconds);
    }
    this.lifetimeSeconds = seconds;
    return this;
  }

  public long permissionRefreshMillis() {
    return permissionRefreshMillis;
  }

  /** Below 300 s, the permission lifetime (RFC 8656 section 9). */
  public TurnClientOptions setPermissionRefreshMillis(long millis) {
    if (millis < 10 || millis >= 300_000) {
      throw new IllegalArgumentException("permissionRefreshMillis must be 10-299999 (permissions last 300 s): " + millis);
    }
    this.permissionRefreshMillis = millis;
    return this;
  }

  public long channelRefreshMillis() {
    return channelRefreshMillis;
  }

  /** Below 600 s, the channel binding lifetime (RFC 8656 section 12). */
  public TurnClientOptions setChannelRefreshMillis(long millis) {
    if (millis < 10 || millis >= 600_000) {
      throw new IllegalArgumentException("channelRefreshMillis must be 10-599999 (channel bindings last 600 s): " + millis);
    }
    this.channelRefreshMillis = millis;
    return this;
  }

  public boolean autoChannelBind() {
    return autoChannelBind;
  }

  public TurnClientOptions setAutoChannelBind(boolean autoChannelBind) {
    this.autoChannelBind = autoChannelBind;
    return this;
  }

  public RetransmitPolicy retransmit() {
    return retransmit;
  }

  public TurnClientOptions setRetransmit(RetransmitPolicy retransmit) {
    this.retransmit = Objects.requireNonNull(retransmit, "retransmit");
    return this;
  }
}
