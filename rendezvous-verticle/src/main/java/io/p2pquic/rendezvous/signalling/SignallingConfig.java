package io.p2pquic.rendezvous.signalling;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of the signalling service. All keys are optional; {@link #fromJson(JsonObject)} takes
 * the {@code "signalling"} object of the rendezvous configuration and rejects unknown keys and bad
 * values with an IllegalArgumentException naming the key ({@code "signalling.<key> ..."}).
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>path</td><td>/signal</td><td>route of the WebSocket endpoint</td></tr>
 *   <tr><td>maxMessageBytes</td><td>16384</td><td>largest accepted message (UTF-8 bytes); larger
 *       ones are answered with {@code too-large}</td></tr>
 *   <tr><td>maxWebSocketFrameBytes</td><td>65536</td><td>Vert.x frame limit to configure on the
 *       HTTP server ({@link #applyTo(HttpServerOptions)}); must exceed maxMessageBytes so the service
 *       can answer instead of the transport closing the connection</td></tr>
 *   <tr><td>ratePerSecond</td><td>20</td><td>token-bucket refill rate per connection</td></tr>
 *   <tr><td>rateBurst</td><td>40</td><td>token-bucket capacity per connection</td></tr>
 *   <tr><td>registrationTimeoutMs</td><td>10000</td><td>time a new connection has to register</td></tr>
 *   <tr><td>registryTtlMs</td><td>60000</td><td>time-to-live of registry entries; live ones are
 *       refreshed every third of it, so a dead node's entries expire</td></tr>
 *   <tr><td>deliveryTimeoutMs</td><td>5000</td><td>timeout of a cross-node delivery</td></tr>
 *   <tr><td>lookupProbeTimeoutMs</td><td>2000</td><td>timeout of the liveness probe a lookup sends to
 *       the node holding a peer</td></tr>
 *   <tr><td>registryMapName</td><td>p2p.rendezvous.peers</td><td>name of the cluster-wide AsyncMap</td></tr>
 *   <tr><td>nodeId</td><td>(random UUID)</td><td>this node's id in registry entries</td></tr>
 *   <tr><td>idleTimeoutMs</td><td>60000</td><td>an HTTP or WebSocket connection that sends nothing for
 *       this long is closed (peers send a heartbeat every 15 s; a half-sent request is not held)</td></tr>
 *   <tr><td>maxConnections</td><td>10000</td><td>open HTTP/WebSocket connections of this node; more are
 *       closed at once and counted ({@code p2p.signalling.connections.refused})</td></tr>
 *   <tr><td>maxConnectionsPerIp</td><td>64</td><td>the same, per client address (the QUIC transport
 *       has caps of its own with the same values)</td></tr>
 *   <tr><td>quicRetryAboveConnections</td><td>100</td><td>the QUIC transport sends a Retry (address
 *       validation, one more round trip) to new clients once this many connections are open; 0 = always</td></tr>
 *   <tr><td>quicPort</td><td>-1 (off)</td><td>UDP port of the QUIC signalling transport (method
 *       quic-native, {@link QuicSignallingListener}); 0 picks a free port; conf/rendezvous.json uses 8089</td></tr>
 *   <tr><td>maxSessionRecords</td><td>1000</td><td>sessions this node remembers having relayed signalling
 *       for (operator API, {@link RelayedSessions}); beyond it the oldest closed, else the oldest, is dropped</td></tr>
 * </table>
 */
public final class SignallingConfig extends JsonDataObject {

  public static final String DEFAULT_PATH = "/signal";
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;
  public static final int DEFAULT_MAX_WEBSOCKET_FRAME_BYTES = 64 * 1024;
  public static final double DEFAULT_RATE_PER_SECOND = 20;
  public static final int DEFAULT_RATE_BURST = 40;
  public static final long DEFAULT_REGISTRATION_TIMEOUT_MS = 10_000;
  public static final long DEFAULT_REGISTRY_TTL_MS = 60_000;
  public static final long DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_LOOKUP_PROBE_TIMEOUT_MS = 2_000;
  public static final String DEFAULT_REGISTRY_MAP_NAME = "p2p.rendezvous.peers";
  /** Null: the service picks a random UUID. */
  public static final String DEFAULT_NODE_ID = null;
  /** -1: the QUIC signalling transport is off. */
  public static final int DEFAULT_QUIC_PORT = -1;
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 64;
  public static final int DEFAULT_QUIC_RETRY_ABOVE_CONNECTIONS = 100;
  public static final int DEFAULT_MAX_SESSION_RECORDS = 1000;

  private static final String PREFIX = "signalling.";
  private static final List<String> KNOWN = List.of("path", "maxMessageBytes", "maxWebSocketFrameBytes", "ratePerSecond",
      "rateBurst", "registrationTimeoutMs", "registryTtlMs", "deliveryTimeoutMs", "lookupProbeTimeoutMs",
      "registryMapName", "nodeId", "quicPort", "idleTimeoutMs", "maxConnections", "maxConnectionsPerIp",
      "quicRetryAboveConnections", "maxSessionRecords");

  private String path = DEFAULT_PATH;
  private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
  private int maxWebSocketFrameBytes = DEFAULT_MAX_WEBSOCKET_FRAME_BYTES;
  private double ratePerSecond = DEFAULT_RATE_PER_SECOND;
  private int rateBurst = DEFAULT_RATE_BURST;
  private long registrationTimeoutMs = DEFAULT_REGISTRATION_TIMEOUT_MS;
  private long registryTtlMs = DEFAULT_REGISTRY_TTL_MS;
  private long deliveryTimeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS;
  private long lookupProbeTimeoutMs = DEFAULT_LOOKUP_PROBE_TIMEOUT_MS;
  private String registryMapName = DEFAULT_REGISTRY_MAP_NAME;
  private String nodeId = DEFAULT_NODE_ID;
  private int quicPort = DEFAULT_QUIC_PORT;
  private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
  private int maxConnections = DEFAULT_MAX_CONNECTIONS;
  private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
  private int quicRetryAboveConnections = DEFAULT_QUIC_RETRY_ABOVE_CONNECTIONS;
  private int maxSessionRecords = DEFAULT_MAX_SESSION_RECORDS;

  public SignallingConfig() {
  }

  public SignallingConfig(SignallingConfig other) {
    this.path = other.path;
    this.maxMessageBytes = other.maxMessageBytes;
    this.maxWebSocketFrameBytes = other.maxWebSocketFrameBytes;
    this.ratePerSecond = other.ratePerSecond;
    this.rateBurst = other.rateBurst;
    this.registrationTimeoutMs = other.registrationTimeoutMs;
    this.registryTtlMs = other.registryTtlMs;
    this.deliveryTimeoutMs = other.deliveryTimeoutMs;
    this.lookupProbeTimeoutMs = other.lookupProbeTimeoutMs;
    this.registryMapName = other.registryMapName;
    this.nodeId = other.nodeId;
    this.quicPort = other.quicPort;
    this.idleTimeoutMs = other.idleTimeoutMs;
    this.maxConnections = other.maxConnections;
    this.maxConnectionsPerIp = other.maxConnectionsPerIp;
    this.quicRetryAboveConnections = other.quicRetryAboveConnections;
    this.maxSessionRecords = other.maxSessionRecords;
  }

  /**
   * Reads the {@code "signalling"} configuration object (null means all defaults).
   *
   * @throws IllegalArgumentException naming the bad key, e.g. "signalling.maxMessageBytes must be > 0"
   */
  public SignallingConfig(JsonObject json) {
    if (json == null) {
      return;
    }
    StrictConfig.read("signalling", json, KNOWN, (k, v) -> {
      switch (k) {
        case "path":
          setPath(StrictConfig.string(v));
          break;
        case "maxMessageBytes":
          setMaxMessageBytes(StrictConfig.intValue(v));
          break;
        case "maxWebSocketFrameBytes":
          setMaxWebSocketFrameBytes(StrictConfig.intValue(v));
          break;
        case "ratePerSecond":
          setRatePerSecond(StrictConfig.doubleValue(v));
          break;
        case "rateBurst":
          setRateBurst(StrictConfig.intValue(v));
          break;
        case "maxSessionRecords":
          setMaxSessionRecords(StrictConfig.intValue(v));
          break;
        case "registrationTimeoutMs":
          setRegistrationTimeoutMs(StrictConfig.longValue(v));
          break;
        case "registryTtlMs":
          setRegistryTtlMs(StrictConfig.longValue(v));
          break;
        case "deliveryTimeoutMs":
          setDeliveryTimeoutMs(StrictConfig.longValue(v));
          break;
        case "lookupProbeTimeoutMs":
          setLookupProbeTimeoutMs(StrictConfig.longValue(v));
          break;
        case "registryMapName":
          setRegistryMapName(StrictConfig.string(v));
          break;
        case "nodeId":
          setNodeId(v == null ? null : StrictConfig.string(v));
          break;
        case "quicPort":
          setQuicPort(StrictConfig.intValue(v));
          break;
        case "idleTimeoutMs":
          idleTimeoutMs = StrictConfig.positive(PREFIX + "idleTimeoutMs", StrictConfig.longValue(v));
          break;
        case "maxConnections":
          maxConnections = (int) StrictConfig.positive(PREFIX + "maxConnections", StrictConfig.intValue(v));
          break;
        case "maxConnectionsPerIp":
          maxConnectionsPerIp = (int) StrictConfig.positive(PREFIX + "maxConnectionsPerIp", StrictConfig.intValue(v));
          break;
        case "quicRetryAboveConnections":
          setQuicRetryAboveConnections(StrictConfig.intValue(v));
          break;
        default:
          throw new IllegalStateException(k);
      }
    });
    validate();
  }

  /** Same as {@link #SignallingConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static SignallingConfig fromJson(JsonObject json) {
    return new SignallingConfig(json);
  }

  /** All settings as JSON; {@code new SignallingConfig(c.toJson())} equals {@code c}. */
  @Override
  public JsonObject toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", path);
    m.put("maxMessageBytes", maxMessageBytes);
    m.put("maxWebSocketFrameBytes", maxWebSocketFrameBytes);
    m.put("ratePerSecond", ratePerSecond);
    m.put("rateBurst", rateBurst);
    m.put("registrationTimeoutMs", registrationTimeoutMs);
    m.put("registryTtlMs", registryTtlMs);
    m.put("deliveryTimeoutMs", deliveryTimeoutMs);
    m.put("lookupProbeTimeoutMs", lookupProbeTimeoutMs);
    m.put("registryMapName", registryMapName);
    if (nodeId != null) {
      m.put("nodeId", nodeId);
    }
    m.put("quicPort", quicPort);
    m.put("idleTimeoutMs", idleTimeoutMs);
    m.put("maxConnections", maxConnections);
    m.put("maxConnectionsPerIp", maxConnectionsPerIp);
    m.put("quicRetryAboveConnections", quicRetryAboveConnections);
    m.put("maxSessionRecords", maxSessionRecords);
    return new JsonObject(m);
  }

  /**
   * Checks the cross-key constraints (setters check single values).
   *
   * @throws IllegalArgumentException naming the key
   */
  public SignallingConfig validate() {
    if (maxWebSocketFrameBytes <= maxMessageBytes) {
      throw new IllegalArgumentException(PREFIX + "maxWebSocketFrameBytes (" + maxWebSocketFrameBytes
          + ") must be > signalling.maxMessageBytes (" + maxMessageBytes
          + ") so oversized messages get a too-large reply instead of a closed connection");
    }
    return this;
  }

  /**
   * Sets the WebSocket frame and message limits of the HTTP server that serves {@link #path()}
   * above {@link #maxMessageBytes()}, so the service sees oversized messages and answers them.
   */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    // No permessage/perframe-deflate: signalling messages are small JSON, and a 58 KB compressed frame
    // inflated to 60 MB before any size check could see it.
    options.setPerMessageWebSocketCompressionSupported(false);
    options.setPerFrameWebSocketCompressionSupported(false);
    // HTTP/1.1 only: without cleartext HTTP/2 detection a connection exists (and counts against the
    // connection caps) from its first moment, not from its first bytes.
    options.setHttp2ClearTextEnabled(false);
    options.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeoutMs));
    options.setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
    options.setMaxWebSocketFrameSize(maxWebSocketFrameBytes);
    options.setMaxWebSocketMessageSize(Math.max(options.getMaxWebSocketMessageSize(), maxWebSocketFrameBytes));
    return options;
  }

  // ---- accessors -------------------------------------------------------------------------------


  public long idleTimeoutMs() {
    return idleTimeoutMs;
  }

  public SignallingConfig setIdleTimeoutMs(long ms) {
    this.idleTimeoutMs = StrictConfig.positive(PREFIX + "idleTimeoutMs", ms);
    return this;
  }

  public int maxConnections() {
    return maxConnections;
  }

  public SignallingConfig setMaxConnections(int max) {
    this.maxConnections = (int) StrictConfig.positive(PREFIX + "maxConnections", max);
    return this;
  }

  public int quicRetryAboveConnections() {
    return quicRetryAboveConnections;
  }

  public SignallingConfig setQuicRetryAboveConnections(int n) {
    if (n < 0) {
      throw new IllegalArgumentException(PREFIX + "quicRetryAboveConnections must be >= 0, is " + n);
    }
    this.quicRetryAboveConnections = n;
    return this;
  }

  public int maxConnectionsPerIp() {
    return maxConnectionsPerIp;
  }

  public SignallingConfig setMaxConnectionsPerIp(int max) {
    this.maxConnectionsPerIp = (int) StrictConfig.positive(PREFIX + "maxConnectionsPerIp", max);
    return this;
  }

  public String path() {
    return path;
  }

  public SignallingConfig setPath(String path) {
    if (path == null || !path.startsWith("/") || path.length() < 2) {
      throw new IllegalArgumentException(PREFIX + "path must start with '/' and name a route, got " + path);
    }
    this.path = path;
    return this;
  }

  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  public SignallingConfig setMaxMessageBytes(int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(PREFIX + "maxMessageBytes must be > 0, got " + v);
    }
    this.maxMessageBytes = v;
    return this;
  }

  public int maxWebSocketFrameBytes() {
    return maxWebSocketFrameBytes;
  }

  public SignallingConfig setMaxWebSocketFrameBytes(int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(PREFIX + "maxWebSocketFrameBytes must be > 0, got " + v);
    }
    this.maxWebSocketFrameBytes = v;
    return this;
  }

  public double ratePerSecond() {
    return ratePerSecond;
  }

  public SignallingConfig setRatePerSecond(double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(PREFIX + "ratePerSecond must be a finite number > 0, got " + v);
    }
    this.ratePerSecond = v;
    return this;
  }

  public int rateBurst() {
    return rateBurst;
  }

  public SignallingConfig setRateBurst(int v) {
    if (v < 1) {
      throw new IllegalArgumentException(PREFIX + "rateBurst must be >= 1, got " + v);
    }
    this.rateBurst = v;
    return this;
  }

  /** Sessions this node remembers having relayed signalling for (operator API). */
  public int maxSessionRecords() {
    return maxSessionRecords;
  }

  public SignallingConfig setMaxSessionRecords(int v) {
    if (v < 1 || v > 1_000_000) {
      throw new IllegalArgumentException(PREFIX + "maxSessionRecords must be 1-1000000, got " + v);
    }
    this.maxSessionRecords = v;
    return this;
  }

  public long registrationTimeoutMs() {
    return registrationTimeoutMs;
  }

  public SignallingConfig setRegistrationTimeoutMs(long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(PREFIX + "registrationTimeoutMs must be > 0, got " + v);
    }
    this.registrationTimeoutMs = v;
    return this;
  }

  public long registryTtlMs() {
    return registryTtlMs;
  }

  public SignallingConfig setRegistryTtlMs(long v) {
    if (v < 3) {
      throw new IllegalArgumentException(PREFIX + "registryTtlMs must be >= 3, got " + v);
    }
    this.registryTtlMs = v;
    return this;
  }

  public long deliveryTimeoutMs() {
    return deliveryTimeoutMs;
  }

  public SignallingConfig setDeliveryTimeoutMs(long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(PREFIX + "deliveryTimeoutMs must be > 0, got " + v);
    }
    this.deliveryTimeoutMs = v;
    return this;
  }

  public long lookupProbeTimeoutMs() {
    return lookupProbeTimeoutMs;
  }

  public SignallingConfig setLookupProbeTimeoutMs(long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(PREFIX + "lookupProbeTimeoutMs must be > 0, got " + v);
    }
    this.lookupProbeTimeoutMs = v;
    return this;
  }

  public String registryMapName() {
    return registryMapName;
  }

  public SignallingConfig setRegistryMapName(String v) {
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(PREFIX + "registryMapName must be a non-empty string");
    }
    this.registryMapName = v;
    return this;
  }

  /** This node's id, or null to let the service pick a random one. */
  /** UDP port of the QUIC signalling transport; -1 is off, 0 any free port. */
  public int quicPort() {
    return quicPort;
  }

  public SignallingConfig setQuicPort(int v) {
    if (v < -1 || v > 65535) {
      throw new IllegalArgumentException(PREFIX + "quicPort must be -1 (off) or 0-65535, got " + v);
    }
    this.quicPort = v;
    return this;
  }

  public String nodeId() {
    return nodeId;
  }

  public SignallingConfig setNodeId(String v) {
    if (v != null && (v.isBlank() || v.length() > 128)) {
      throw new IllegalArgumentException(PREFIX + "nodeId must be 1-128 characters, got \"" + v + "\"");
    }
    this.nodeId = v;
    return this;
  }
}
