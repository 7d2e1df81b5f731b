package io.p2pquic.puncher;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.signalling.SignallingClientOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration of a peer; {@code conf/peer.json} holds the defaults.
 *
 * <pre>{@code
 * { "rendezvous": "ws://127.0.0.1:8088/signal",
 *   "identity": "p2p-identity.json",
 *   "connectTimeoutMs": 20000, "quicTimeoutMs": 10000, "acceptFrom": ["*"],
 *   "cluster": false,
 *   "ice": { "taMillis": 20, "nominationWaitMillis": 20, ... (docs/ice.md) },
 *   "session": { "restartDeliveryMillis": 30000, "relayProbeMillis": 1500, ... (SessionOptions) },
 *   "gathering": { "stunServers": [default: the rendezvous host, port 3478], "includeLoopback": false,
 *                  "turnServers": [{"host": ..., "port": 3478, "username": ..., "password": ...}], ... },
 *   "quic": { "idleTimeoutMs": 30000, "keepAliveIntervalMs": 10000, ... (docs/quic.md) },
 *   "signalling": { "reconnect": true, "heartbeatIntervalMs": 15000, ... (docs/signalling.md) },
 *   "control": { "port": 8790 },
 *   "bridge": { "port": -1, "bind": "127.0.0.1" } }
 * }</pre>
 * ({@code turnServers}: docs/turn-client.md)
 */
public final class PeerConfig extends JsonDataObject {
  /** The STUN port assumed on the rendezvous host when {@code gathering.stunServers} is not set. */
  public static final int DEFAULT_STUN_PORT = 3478;
  private static final List<String> KNOWN = List.of("rendezvous", "identity", "gathering", "ice", "connectTimeoutMs",
      "quicTimeoutMs", "acceptFrom", "cluster", "signalling", "control", "bridge", "quic", "session");
  /** Default port of a long-running peer's local control endpoint (status, ping, metrics) on 127.0.0.1. */
  public static final int DEFAULT_CONTROL_PORT = 8790;

  /** The TCP event-bus bridge is off unless {@code bridge.port} names a port (docs/bridge.md). */
  public static final int BRIDGE_OFF = -1;
  /** Loopback: the bridge has no authentication of its own, so it listens where only this host reaches it. */
  public static final String DEFAULT_BRIDGE_BIND = "127.0.0.1";

  public static final String DEFAULT_RENDEZVOUS = "ws://127.0.0.1:8088/signal";
  public static final String DEFAULT_IDENTITY = "p2p-identity.json";
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
  public static final long DEFAULT_QUIC_TIMEOUT_MS = 10_000;
  /** Offers from every peer are accepted. */
  public static final List<String> DEFAULT_ACCEPT_FROM = List.of("*");
  public static final int DEFAULT_BRIDGE_PORT = BRIDGE_OFF;
  public static final boolean DEFAULT_CLUSTER = false;

  /** A peer stays registered: it reconnects after any loss of its signalling connection. */
  private static SignallingClientOptions defaultSignalling() {
    return new SignallingClientOptions().setReconnect(true);
  }

  private URI rendezvous = URI.create(DEFAULT_RENDEZVOUS);
  private String identity = DEFAULT_IDENTITY;
  private GatheringOptions gathering = new GatheringOptions();
  private IceAgentOptions ice = defaultIce();
  private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private long quicTimeoutMs = DEFAULT_QUIC_TIMEOUT_MS;
  private List<String> acceptFrom = DEFAULT_ACCEPT_FROM;
  private SignallingClientOptions signalling = defaultSignalling();
  private int controlPort = DEFAULT_CONTROL_PORT;
  private int bridgePort = DEFAULT_BRIDGE_PORT;
  private String bridgeBind = DEFAULT_BRIDGE_BIND;
  private boolean cluster = DEFAULT_CLUSTER;
  private io.p2pquic.quic.QuicOptions quic = new io.p2pquic.quic.QuicOptions();
  private io.p2pquic.puncher.session.SessionOptions session = new io.p2pquic.puncher.session.SessionOptions();

  /**
   * Faster than the RFC defaults where the RFC allows: Ta 20 ms (RFC 8445 14.2 permits a lower Ta for
   * a single data stream) and a short wait for better pairs before nominating, so time to connect is
   * a few round trips after the remote description arrives.
   */
  private static IceAgentOptions defaultIce() {
    return new IceAgentOptions().setTaMillis(20).setNominationWaitMillis(20);
  }

  /** Defaults: {@code conf/peer.json} without its keys; no STUN server ({@link #PeerConfig(JsonObject)} adds one). */
  public PeerConfig() {}

  public PeerConfig(PeerConfig other) {
    this(other.toJson());
  }

  /**
   * Missing keys keep their defaults; without {@code gathering.stunServers} the STUN server is the
   * rendezvous host on {@link #DEFAULT_STUN_PORT}.
   *
   * @throws IllegalArgumentException naming the bad key
   */
  public PeerConfig(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "rendezvous" -> setRendezvous(StrictConfig.string(v));
        case "identity" -> identity = StrictConfig.string(v);
        case "gathering" -> gathering = new GatheringOptions(StrictConfig.object(v));
        case "ice" -> ice = new IceAgentOptions(defaultIce().toJson().mergeIn(StrictConfig.object(v)));
        case "session" -> session = new io.p2pquic.puncher.session.SessionOptions(StrictConfig.object(v));
        case "connectTimeoutMs" -> connectTimeoutMs = StrictConfig.longValue(v);
        case "quicTimeoutMs" -> quicTimeoutMs = StrictConfig.longValue(v);
        case "acceptFrom" -> acceptFrom = StrictConfig.strings(v);
        case "cluster" -> cluster = StrictConfig.bool(v);
        case "control" -> StrictConfig.read(StrictConfig.object(v), List.of("port"),
            (ck, cv) -> controlPort = StrictConfig.intValue(cv, 0, 65535));
        case "bridge" -> StrictConfig.read(StrictConfig.object(v), List.of("port", "bind"), (bk, bv) -> {
          switch (bk) {
            case "port" -> bridgePort = bridgePort(StrictConfig.intValue(bv, BRIDGE_OFF, 65535));
            case "bind" -> bridgeBind = bridgeBind(StrictConfig.string(bv));
            default -> throw new IllegalStateException(bk);
          }
        });
        case "quic" -> quic = new io.p2pquic.quic.QuicOptions(StrictConfig.object(v));
        case "signalling" -> signalling =
            new SignallingClientOptions(defaultSignalling().toJson().mergeIn(StrictConfig.object(v)));
        default -> throw new IllegalStateException(k);
      }
    });
    JsonObject gatheringJson = json != null && json.getValue("gathering") instanceof JsonObject g ? g : new JsonObject();
    if (!gatheringJson.containsKey("stunServers")) {
      // The rendezvous answers STUN on its STUN port (3478 by default): a peer given only --rendezvous
      // gets server-reflexive candidates from the same host instead of from a loopback default.
      gathering.setStunServers(List.of(rendezvous.getHost() + ":" + DEFAULT_STUN_PORT));
    }
    if (connectTimeoutMs <= 0) {
      throw new IllegalArgumentException("connectTimeoutMs must be > 0, is " + connectTimeoutMs);
    }
    if (quicTimeoutMs <= 0) {
      throw new IllegalArgumentException("quicTimeoutMs must be > 0, is " + quicTimeoutMs);
    }
    if (identity == null || identity.isBlank()) {
      throw new IllegalArgumentException("identity must name a file");
    }
  }

  /** Same as {@link #PeerConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static PeerConfig fromJson(JsonObject json) {
    return new PeerConfig(json);
  }

  @Override
  public JsonObject toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rendezvous", rendezvous.toString());
    m.put("identity", identity);
    m.put("gathering", gathering.toJson());
    m.put("ice", ice.toJson());
    m.put("connectTimeoutMs", connectTimeoutMs);
    m.put("quicTimeoutMs", quicTimeoutMs);
    m.put("acceptFrom", new io.vertx.core.json.JsonArray(acceptFrom));
    m.put("cluster", cluster);
    m.put("signalling", signalling.toJson());
    m.put("control", new JsonObject().put("port", controlPort));
    m.put("bridge", new JsonObject().put("port", bridgePort).put("bind", bridgeBind));
    m.put("quic", quic.toJson());
    m.put("session", session.toJson());
    return new JsonObject(m);
  }

  /** Timings of ICE sessions above the agent: restart delivery, relay upkeep ({@code session}). */
  public io.p2pquic.puncher.session.SessionOptions session() {
    return session;
  }

  public PeerConfig setSession(io.p2pquic.puncher.session.SessionOptions session) {
    this.session = new io.p2pquic.puncher.session.SessionOptions(session);
    return this;
  }

  /** Transport options of the peer's QUIC sessions (idle timeout, keepalive, windows: docs/quic.md). */
  public io.p2pquic.quic.QuicOptions quic() {
    return quic;
  }

  /** Port of the local control endpoint (HTTP on 127.0.0.1 only; 0 = off). */
  public int controlPort() {
    return controlPort;
  }

  public PeerConfig setControlPort(int port) {
    this.controlPort = port;
    return this;
  }

  /**
   * Port of the TCP event-bus bridge (docs/bridge.md), {@link #BRIDGE_OFF} when off (the default). Never 0:
   * the bridge cannot tell which port it got, and a client must know where to connect.
   */
  public int bridgePort() {
    return bridgePort;
  }

  /** @throws IllegalArgumentException for 0 or a port outside -1..65535 */
  public PeerConfig setBridgePort(int port) {
    this.bridgePort = bridgePort(port);
    return this;
  }

  private static int bridgePort(int port) {
    if (port == 0 || port < BRIDGE_OFF || port > 65535) {
      throw new IllegalArgumentException("must be -1 (off) or a port 1-65535, is " + port
          + " (0, any free port, is not offered: a client could not learn which one)");
    }
    return port;
  }

  private static String bridgeBind(String bind) {
    if (bind.isBlank()) {
      throw new IllegalArgumentException("must name an address (default 127.0.0.1)");
    }
    return bind;
  }

  /** Address the bridge listens on: loopback by default; anything else exposes the bridge (no authentication). */
  public String bridgeBind() {
    return bridgeBind;
  }

  public PeerConfig setBridgeBind(String bind) {
    this.bridgeBind = bridgeBind(bind);
    return this;
  }

  /** Signalling client timeouts, reconnect backoff and heartbeat (docs/signalling.md, "Staying registered"). */
  public SignallingClientOptions signalling() {
    return signalling;
  }

  public PeerConfig setSignalling(SignallingClientOptions signalling) {
    this.signalling = signalling;
    return this;
  }

  public URI rendezvous() {
    return rendezvous;
  }

  public PeerConfig setRendezvous(String uri) {
    URI u;
    try {
      u = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("rendezvous is not a URI: " + uri);
    }
    if (!"ws".equals(u.getScheme()) && !"wss".equals(u.getScheme()) || u.getHost() == null) {
      throw new IllegalArgumentException("rendezvous must look like ws://HOST:PORT/signal or "
          + "wss://HOST:PORT/signal#sha256=PIN, is " + uri);
    }
    if (u.getRawFragment() != null) {
      if (!"wss".equals(u.getScheme())) {
        throw new IllegalArgumentException("rendezvous " + uri + ": a #sha256= pin needs wss://");
      }
      io.p2pquic.api.tls.CertificatePin.parse(u.getRawFragment()); // says what is wrong with it
    }
    this.rendezvous = u;
    return this;
  }

  public String identity() {
    return identity;
  }

  public PeerConfig setIdentity(String identity) {
    this.identity = identity;
    return this;
  }

  public IceAgentOptions ice() {
    return ice;
  }

  public PeerConfig setIce(IceAgentOptions ice) {
    this.ice = ice;
    return this;
  }

  public long connectTimeoutMs() {
    return connectTimeoutMs;
  }

  public long quicTimeoutMs() {
    return quicTimeoutMs;
  }

  /** Whether an offer from {@code peer} is accepted when no service answers p2p.peer.incoming. */
  /** Peer ids whose offers are accepted ({@code "*"}: all). */
  public List<String> acceptFrom() {
    return acceptFrom;
  }

  public boolean accepts(io.p2pquic.identity.PeerId peer) {
    return acceptFrom.contains("*") || acceptFrom.contains(peer.value());
  }

  public GatheringOptions gathering() {
    return gathering;
  }

  public PeerConfig setGathering(GatheringOptions gathering) {
    this.gathering = gathering;
    return this;
  }

  /**
   * Whether the launcher joins the Hazelcast cluster ({@code p2p-node peer --cluster}): the peer's
   * scoped addresses and its sessions then serve services on other nodes (docs/api.md).
   */
  public boolean cluster() {
    return cluster;
  }

  public PeerConfig setCluster(boolean cluster) {
    this.cluster = cluster;
    return this;
  }
}
