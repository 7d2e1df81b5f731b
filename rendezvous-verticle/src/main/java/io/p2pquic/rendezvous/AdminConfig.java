package io.p2pquic.rendezvous;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.p2pquic.rendezvous.turn.Cidr;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.List;

/**
 * Who reaches {@code /health}, {@code /metrics}, the operator API ({@code /api/v1/...}) and the dashboard
 * ({@code /dashboard/}) ({@code "admin"}).
 *
 * <pre>{@code "admin": { "port": -1, "bind": "127.0.0.1", "allow": ["127.0.0.0/8", "::1", "10.0.0.0/8", ...],
 *   "token": "" }}</pre>
 *
 * <p>{@code port} -1 (default): served on the public HTTP port, but only to clients in {@code allow}
 * (loopback and private ranges by default) and to the host itself through any of its addresses; others
 * get 403. {@code port} 0 or N: served only on a listener of their own at {@code bind}:{@code port} (0
 * picks a free port), to anyone who can reach it, and not on the public port.
 *
 * <p>{@code token} (default empty: none): when set ({@value #MIN_TOKEN_LENGTH}-256 characters of
 * {@code A-Z a-z 0-9 . _ ~ + / = -}), the
 * operator API and the dashboard also want it, as {@code Authorization: Bearer TOKEN}, a {@code ?token=}
 * query parameter or the cookie the dashboard gets from that parameter; others get 401. {@code /health}
 * and {@code /metrics} stay without it, for probes and scrapers.
 */
public final class AdminConfig extends JsonDataObject {
  public static final List<String> DEFAULT_ALLOW = List.of("127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12",
      "192.168.0.0/16", "fc00::/7");
  private static final List<String> KNOWN = List.of("port", "bind", "allow", "token");
  /** A shorter token would be guessable by anyone allowed to try (admin.allow). */
  public static final int MIN_TOKEN_LENGTH = 16;
  /** -1: served on the public HTTP port, to {@link #DEFAULT_ALLOW} clients only. */
  public static final int DEFAULT_PORT = -1;
  public static final String DEFAULT_BIND = "127.0.0.1";
  /** Null: the operator API and dashboard need no token. */
  public static final String DEFAULT_TOKEN = null;

  private int port = DEFAULT_PORT;
  private String bind = DEFAULT_BIND;
  private List<String> allow = DEFAULT_ALLOW;
  private String token = DEFAULT_TOKEN;
  private List<Cidr> allowCidrs = DEFAULT_ALLOW.stream().map(Cidr::parse).toList();

  public AdminConfig() {}

  public AdminConfig(AdminConfig other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws IllegalArgumentException naming the bad key */
  public AdminConfig(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "port" -> port = StrictConfig.intValue(v, -1, 65535);
        case "bind" -> bind = StrictConfig.string(v);
        case "allow" -> setAllow(StrictConfig.strings(v));
        case "token" -> setToken(StrictConfig.string(v));
        default -> throw new IllegalStateException(k);
      }
    });
  }

  /** Same as {@link #AdminConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static AdminConfig fromJson(JsonObject json) {
    return new AdminConfig(json);
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("port", port).put("bind", bind).put("allow", new JsonArray(allow));
    return token == null ? j : j.put("token", token);
  }

  /** The operator API's and dashboard's bearer token, or null when they need none. */
  public String token() {
    return token;
  }

  /** Null or empty: no token. */
  public AdminConfig setToken(String token) {
    if (token == null || token.isEmpty()) {
      this.token = null;
      return this;
    }
    // Letters, digits and the few signs a cookie value, a header and a URL query all carry unchanged
    // (hex, base64 and base64url tokens fit).
    if (token.length() < MIN_TOKEN_LENGTH || token.length() > 256 || !token.matches("[A-Za-z0-9._~+/=-]+")) {
      throw new IllegalArgumentException("token must be " + MIN_TOKEN_LENGTH + "-256 characters of A-Z a-z 0-9 . _ ~ + / = - "
          + "(e.g. openssl rand -hex 24), or empty for none");
    }
    this.token = token;
    return this;
  }

  /** -1: on the public HTTP port for {@link #allows} clients; otherwise a listener of their own. */
  public int port() {
    return port;
  }

  public AdminConfig setPort(int port) {
    if (port < -1 || port > 65535) {
      throw new IllegalArgumentException("admin.port must be -1 (on the HTTP port), 0 (any) or a port, is " + port);
    }
    this.port = port;
    return this;
  }

  public String bind() {
    return bind;
  }

  public AdminConfig setBind(String bind) {
    this.bind = bind;
    return this;
  }

  public List<String> allow() {
    return allow;
  }

  public AdminConfig setAllow(List<String> prefixes) {
    List<Cidr> parsed = prefixes.stream().map(Cidr::parse).toList(); // names the bad entry
    this.allow = List.copyOf(prefixes);
    this.allowCidrs = parsed;
    return this;
  }

  /** Whether a client at {@code remote} on a connection to our {@code local} address may read them. */
  public boolean allows(InetAddress remote, InetAddress local) {
    if (remote == null) {
      return false;
    }
    if (remote.equals(local)) {
      return true; // the host itself, through one of its public addresses
    }
    return allowCidrs.stream().anyMatch(c -> c.contains(remote));
  }
}
