package io.p2pquic.puncher.signalling;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Timeouts, limits, reconnect backoff and heartbeat of a {@link SignallingClient}; the {@code signalling}
 * section of {@code conf/peer.json}.
 *
 * <p>JSON keys (all optional): {@code connectTimeoutMs} (10000: WebSocket up and registered),
 * {@code requestTimeoutMs} (10000), {@code maxFrameBytes} (262144), {@code reconnect} (true in a peer:
 * register again after any loss of the connection but "replaced"), {@code reconnectInitialDelayMs} (500),
 * {@code reconnectMaxDelayMs} (30000: the backoff doubles up to this cap, with full jitter),
 * {@code heartbeatIntervalMs} (15000: an application ping this often; 0 = off), {@code heartbeatTimeoutMs}
 * (10000: no pong within this = the connection is dead, e.g. after a NAT forgot its state).
 */
public final class SignallingClientOptions extends JsonDataObject {
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
  public static final int DEFAULT_MAX_FRAME_BYTES = 256 * 1024;
  public static final long DEFAULT_RECONNECT_INITIAL_DELAY_MS = 500;
  public static final long DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;
  public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
  public static final long DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;
  private static final List<String> KNOWN = List.of("connectTimeoutMs", "requestTimeoutMs", "maxFrameBytes",
      "reconnect", "reconnectInitialDelayMs", "reconnectMaxDelayMs", "heartbeatIntervalMs", "heartbeatTimeoutMs",
      "grantToken");

  private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private boolean reconnect;
  private long reconnectInitialDelayMs = DEFAULT_RECONNECT_INITIAL_DELAY_MS;
  private long reconnectMaxDelayMs = DEFAULT_RECONNECT_MAX_DELAY_MS;
  private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  private long heartbeatTimeoutMs = DEFAULT_HEARTBEAT_TIMEOUT_MS;
  private String grantToken;

  public SignallingClientOptions() {}

  public SignallingClientOptions(SignallingClientOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws io.p2pquic.api.config.ConfigKeyException naming the bad key */
  public SignallingClientOptions(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "connectTimeoutMs" -> setConnectTimeoutMs(StrictConfig.longValue(v));
        case "requestTimeoutMs" -> setRequestTimeoutMs(StrictConfig.longValue(v));
        case "maxFrameBytes" -> setMaxFrameBytes(StrictConfig.intValue(v));
        case "reconnect" -> setReconnect(StrictConfig.bool(v));
        case "reconnectInitialDelayMs" -> setReconnectInitialDelayMs(StrictConfig.longValue(v));
        case "reconnectMaxDelayMs" -> setReconnectMaxDelayMs(StrictConfig.longValue(v));
        case "heartbeatIntervalMs" -> setHeartbeatIntervalMs(StrictConfig.longValue(v));
        case "heartbeatTimeoutMs" -> setHeartbeatTimeoutMs(StrictConfig.longValue(v));
        case "grantToken" -> setGrantToken(StrictConfig.optionalString(v));
        default -> throw new IllegalStateException(k);
      }
    });
    if (reconnectMaxDelayMs < reconnectInitialDelayMs) {
      throw new IllegalArgumentException("reconnectMaxDelayMs (" + reconnectMaxDelayMs
          + ") must be >= reconnectInitialDelayMs (" + reconnectInitialDelayMs + ")");
    }
  }

  @Override
  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("connectTimeoutMs", connectTimeoutMs)
        .put("requestTimeoutMs", requestTimeoutMs)
        .put("maxFrameBytes", maxFrameBytes)
        .put("reconnect", reconnect)
        .put("reconnectInitialDelayMs", reconnectInitialDelayMs)
        .put("reconnectMaxDelayMs", reconnectMaxDelayMs)
        .put("heartbeatIntervalMs", heartbeatIntervalMs)
        .put("heartbeatTimeoutMs", heartbeatTimeoutMs);
    if (grantToken != null) {
      j.put("grantToken", grantToken);
    }
    return j;
  }


  public long connectTimeoutMs() {
    return connectTimeoutMs;
  }

  public SignallingClientOptions setConnectTimeoutMs(long v) {
    connectTimeoutMs = StrictConfig.positive("connectTimeoutMs", v);
    return this;
  }

  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  public SignallingClientOptions setRequestTimeoutMs(long v) {
    requestTimeoutMs = StrictConfig.positive("requestTimeoutMs", v);
    return this;
  }

  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  public SignallingClientOptions setMaxFrameBytes(int v) {
    maxFrameBytes = (int) StrictConfig.positive("maxFrameBytes", v);
    return this;
  }

  /** Whether the client registers again by itself after losing its connection (not after "replaced"). */
  public boolean reconnect() {
    return reconnect;
  }

  public SignallingClientOptions setReconnect(boolean v) {
    reconnect = v;
    return this;
  }

  public long reconnectInitialDelayMs() {
    return reconnectInitialDelayMs;
  }

  public SignallingClientOptions setReconnectInitialDelayMs(long v) {
    reconnectInitialDelayMs = StrictConfig.positive("reconnectInitialDelayMs", v);
    return this;
  }

  public long reconnectMaxDelayMs() {
    return reconnectMaxDelayMs;
  }

  public SignallingClientOptions setReconnectMaxDelayMs(long v) {
    reconnectMaxDelayMs = StrictConfig.positive("reconnectMaxDelayMs", v);
    return this;
  }

  /** 0 turns the heartbeat off. */
  public long heartbeatIntervalMs() {
    return heartbeatIntervalMs;
  }

  public SignallingClientOptions setHeartbeatIntervalMs(long v) {
    if (v < 0) {
      throw new IllegalArgumentException("heartbeatIntervalMs must be >= 0 (0 = off), is " + v);
    }
    heartbeatIntervalMs = v;
    return this;
  }

  public long heartbeatTimeoutMs() {
    return heartbeatTimeoutMs;
  }

  public SignallingClientOptions setHeartbeatTimeoutMs(long v) {
    heartbeatTimeoutMs = StrictConfig.positive("heartbeatTimeoutMs", v);
    return this;
  }

  /** The delay before reconnect attempt {@code attempt} (1-based): full jitter over a capped doubling. */
  long backoffMs(int attempt, java.util.function.DoubleSupplier random) {
    double cap = Math.min(reconnectMaxDelayMs, reconnectInitialDelayMs * Math.pow(2, Math.min(30, attempt - 1)));
    return Math.max(50, Math.round(cap * random.getAsDouble()));
  }

  /**
   * A relay grant token from the rendezvous operator ({@code p2p-node relay-token}), sent with the
   * registration: a closed relay gives relay credentials to the peer it names. Null: none.
   */
  public String grantToken() {
    return grantToken;
  }

  public SignallingClientOptions setGrantToken(String token) {
    if (token != null && (token.length() > io.p2pquic.api.signalling.RelayGrantToken.MAX_LENGTH
        || !token.startsWith(io.p2pquic.api.signalling.RelayGrantToken.PREFIX))) {
      throw new IllegalArgumentException("grantToken must be a relay grant token (p2pg1...., from p2p-node relay-token)");
    }
    this.grantToken = token;
    return this;
  }
}
