package io.p2pquic.rendezvous;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.p2pquic.rendezvous.relay.RelayDirectoryConfig;
import io.p2pquic.rendezvous.signalling.SignallingConfig;
import io.p2pquic.rendezvous.stun.StunServerConfig;
import io.p2pquic.rendezvous.turn.TurnServerConfig;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration of a rendezvous node; {@code conf/rendezvous.json} holds the defaults.
 *
 * <pre>{@code
 * { "bind": "0.0.0.0",
 *   "http": { "port": 8088, "eventLoops": 0, "tls": { "enabled": false, "certFile": ..., "keyFile": ... } },
 *   "admin": { "port": -1, "bind": "127.0.0.1", "allow": [loopback and private ranges] },
 *   "stun": { "port": 3478, "alternateAddress": null, "alternatePort": 0, "tcp": true },
 *   "signalling": { ...see docs/signalling.md... },
 *   "turn": { "enabled": true, "authSecret": [...], ...see docs/turn.md... },
 *   "relays": { "announceIntervalMs": 5000, "maxPerGrant": 3 },
 *   "cluster": false }
 * }</pre>
 *
 * <p>{@code http.eventLoops}: how many event loops serve the HTTP/WebSocket port (0, the default: one per
 * core); each takes its share of the connections and does their socket I/O, JSON decoding and signature
 * checks, while the signalling state stays on one context.
 *
 * <p>{@code bind} applies to every listener unless {@code stun.bind} or {@code http.bind} says
 * otherwise; TURN relay sockets bind to {@code stun.bind} unless {@code turn.relayAddress} is set. Every unknown key
 * and bad value is reported with its full path.
 */
public final class RendezvousConfig extends JsonDataObject {
  public static final String DEFAULT_BIND = "0.0.0.0";
  /** Null: the HTTP listener binds to {@code bind}. */
  public static final String DEFAULT_HTTP_BIND = null;
  public static final int DEFAULT_HTTP_PORT = 8088;
  /** 0: one event loop per core serves the HTTP/WebSocket port. */
  public static final int DEFAULT_HTTP_EVENT_LOOPS = 0;
  public static final boolean DEFAULT_CLUSTER = false;
  private static final List<String> KNOWN =
      List.of("bind", "http", "admin", "stun", "signalling", "turn", "relays", "cluster");

  static final int MAX_HTTP_EVENT_LOOPS = 64;

  private String bind = DEFAULT_BIND;
  private String httpBind = DEFAULT_HTTP_BIND;
  private int httpPort = DEFAULT_HTTP_PORT;
  private int httpEventLoops = DEFAULT_HTTP_EVENT_LOOPS;
  private HttpTlsConfig httpTls = new HttpTlsConfig();
  private AdminConfig admin = new AdminConfig();
  private StunServerConfig stun = new StunServerConfig();
  private SignallingConfig signalling = new SignallingConfig();
  private TurnServerConfig turn = new TurnServerConfig();
  private RelayDirectoryConfig relays = new RelayDirectoryConfig();
  private boolean cluster = DEFAULT_CLUSTER;

  public RendezvousConfig() {}

  public RendezvousConfig(RendezvousConfig other) {
    this(other.toJson());
  }

  /**
   * Missing keys keep their defaults; {@code stun.bind} defaults to {@code bind}.
   *
   * @throws IllegalArgumentException naming the bad key
   */
  public RendezvousConfig(JsonObject json) {
    JsonObject[] stunJson = {null};
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "bind" -> bind = StrictConfig.string(v);
        case "cluster" -> cluster = StrictConfig.bool(v);
        case "http" -> StrictConfig.read(StrictConfig.object(v), List.of("port", "bind", "tls", "eventLoops"), (hk, hv) -> {
          switch (hk) {
            case "port" -> httpPort = StrictConfig.intValue(hv, 0, 65535);
            case "eventLoops" -> httpEventLoops = StrictConfig.intValue(hv, 0, MAX_HTTP_EVENT_LOOPS);
            case "tls" -> httpTls = HttpTlsConfig.fromJson(StrictConfig.object(hv));
            case "bind" -> httpBind = StrictConfig.optionalString(hv);
            default -> throw new IllegalStateException(hk);
          }
        });
        case "admin" -> admin = AdminConfig.fromJson(StrictConfig.object(v));
        case "stun" -> stunJson[0] = StrictConfig.object(v);
        case "signalling" -> signalling = SignallingConfig.fromJson(StrictConfig.object(v));
        case "turn" -> turn = TurnServerConfig.fromJson(StrictConfig.object(v));
        case "relays" -> relays = RelayDirectoryConfig.fromJson(StrictConfig.object(v));
        default -> throw new IllegalStateException(k);
      }
    });
    if (bind == null || bind.isBlank()) {
      throw new IllegalArgumentException("bind must be an address, e.g. 0.0.0.0");
    }
    JsonObject s = stunJson[0] == null ? new JsonObject() : stunJson[0].copy();
    if (!s.containsKey("bind")) {
      s.put("bind", bind);
    }
    stun = StunServerConfig.fromJson(s);
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("http.port must be 0-65535, is " + httpPort);
    }
  }

  /** Same as {@link #RendezvousConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static RendezvousConfig fromJson(JsonObject json) {
    return new RendezvousConfig(json);
  }

  @Override
  public JsonObject toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bind", bind);
    JsonObject http = new JsonObject().put("port", httpPort).put("eventLoops", httpEventLoops);
    if (httpBind != null) {
      http.put("bind", httpBind);
    }
    http.put("tls", httpTls.toJson());
    m.put("http", http);
    m.put("admin", admin.toJson());
    m.put("stun", stun.toJson());
    m.put("signalling", signalling.toJson());
    m.put("turn", turn.toJson());
    m.put("relays", relays.toJson());
    m.put("cluster", cluster);
    return new JsonObject(m);
  }

  public String bind() {
    return bind;
  }

  public String httpBind() {
    return httpBind != null ? httpBind : bind;
  }

  public int httpPort() {
    return httpPort;
  }

  public RendezvousConfig setHttpPort(int httpPort) {
    this.httpPort = httpPort;
    return this;
  }

  /** Event loops serving the HTTP/WebSocket port ({@code http.eventLoops}; 0: one per core). */
  public int httpEventLoops() {
    return httpEventLoops;
  }

  public RendezvousConfig setHttpEventLoops(int n) {
    if (n < 0 || n > MAX_HTTP_EVENT_LOOPS) {
      throw new IllegalArgumentException("http.eventLoops must be 0-" + MAX_HTTP_EVENT_LOOPS + ", is " + n);
    }
    this.httpEventLoops = n;
    return this;
  }

  /** Who reaches /health and /metrics, and where. */
  public AdminConfig admin() {
    return admin;
  }

  public RendezvousConfig setAdmin(AdminConfig admin) {
    this.admin = admin;
    return this;
  }

  /** TLS of the HTTP listener (wss:// signalling, HTTPS /health and /metrics). */
  public HttpTlsConfig httpTls() {
    return httpTls;
  }

  public RendezvousConfig setHttpTls(HttpTlsConfig httpTls) {
    this.httpTls = httpTls;
    return this;
  }

  public StunServerConfig stun() {
    return stun;
  }

  public RendezvousConfig setStun(StunServerConfig stun) {
    this.stun = stun;
    return this;
  }

  public SignallingConfig signalling() {
    return signalling;
  }

  public TurnServerConfig turn() {
    return turn;
  }

  public RendezvousConfig setTurn(TurnServerConfig turn) {
    this.turn = turn;
    return this;
  }

  /** The cluster-wide relay directory (docs/turn.md, "Clustered relays"). */
  public RelayDirectoryConfig relays() {
    return relays;
  }

  public RendezvousConfig setRelays(RelayDirectoryConfig relays) {
    this.relays = relays;
    return this;
  }

  /**
   * Whether this node hands registered peers relay credentials: when its relay is on, or, with the relay
   * off, when {@code turn.authSecret} is set (a signalling-only node then lists the cluster's relays).
   */
  public boolean issuesRelayGrants() {
    return turn.enabled() || !turn.authSecrets().isEmpty();
  }

  public boolean cluster() {
    return cluster;
  }
}
