package io.p2pquic.puncher.ice;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;
import io.p2pquic.puncher.stun.RetransmitPolicy;
import io.p2pquic.puncher.turn.TurnClientOptions;
import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link CandidateGatherer} gathers and how long it may take.
 *
 * <p>JSON keys (all optional): {@code stunServers} (array of {@code HOST:PORT}; names are resolved off
 * the event loop), {@code includeLoopback} (false), {@code ipv4} (true), {@code ipv6} (true), {@code
 * includeLinkLocalIpv6} (false), {@code port} (0: the port {@link CandidateGatherer#openSockets()}
 * binds), {@code component} (1), {@code pruneRedundant} (true: drop a server-reflexive candidate equal
 * to its base, RFC 8445 5.1.3), {@code gatheringTimeoutMillis} (3000: server-reflexive candidates
 * after this are not waited for), {@code relayGatheringTimeoutMillis} (10000: how long a pending TURN
 * allocation is still waited for; on a lossy link an allocation's two transactions need their
 * retransmissions, and a relayed candidate is often the only path), {@code stunRetransmit}
 * ({@link RetransmitPolicy#toJson()}, default {@link RetransmitPolicy#GATHERING}), {@code turnServers}
 * (array of {@link TurnClientOptions} objects: {@code host}, {@code port} (3478), {@code username},
 * {@code password}, and optional timing keys; each gives a relayed candidate per socket of its family;
 * default none).
 */
public final class GatheringOptions extends JsonDataObject {
  /** No STUN server: only host candidates (PeerConfig defaults it to the rendezvous host). */
  public static final List<String> DEFAULT_STUN_SERVERS = List.of();
  public static final boolean DEFAULT_INCLUDE_LOOPBACK = false;
  public static final boolean DEFAULT_IPV4 = true;
  public static final boolean DEFAULT_IPV6 = true;
  public static final boolean DEFAULT_INCLUDE_LINK_LOCAL_IPV6 = false;
  /** 0: the port {@link CandidateGatherer#openSockets()} binds. */
  public static final int DEFAULT_PORT = 0;
  public static final int DEFAULT_COMPONENT = 1;
  public static final boolean DEFAULT_PRUNE_REDUNDANT = true;
  public static final long DEFAULT_GATHERING_TIMEOUT_MILLIS = 3_000;
  public static final long DEFAULT_RELAY_GATHERING_TIMEOUT_MILLIS = 10_000;
  public static final RetransmitPolicy DEFAULT_STUN_RETRANSMIT = RetransmitPolicy.GATHERING;
  private static final List<String> KNOWN = List.of("stunServers", "includeLoopback", "ipv4", "ipv6",
      "includeLinkLocalIpv6", "port", "component", "pruneRedundant", "gatheringTimeoutMillis",
      "relayGatheringTimeoutMillis", "stunRetransmit", "turnServers");

  private List<String> stunServers = new ArrayList<>(DEFAULT_STUN_SERVERS);
  private boolean includeLoopback = DEFAULT_INCLUDE_LOOPBACK;
  private boolean ipv4 = DEFAULT_IPV4;
  private boolean ipv6 = DEFAULT_IPV6;
  private boolean includeLinkLocalIpv6 = DEFAULT_INCLUDE_LINK_LOCAL_IPV6;
  private int port = DEFAULT_PORT;
  private int component = DEFAULT_COMPONENT;
  private boolean pruneRedundant = DEFAULT_PRUNE_REDUNDANT;
  private long gatheringTimeoutMillis = DEFAULT_GATHERING_TIMEOUT_MILLIS;
  private long relayGatheringTimeoutMillis = DEFAULT_RELAY_GATHERING_TIMEOUT_MILLIS;
  private RetransmitPolicy stunRetransmit = DEFAULT_STUN_RETRANSMIT;
  private List<TurnClientOptions> turnServers = new ArrayList<>();

  public GatheringOptions() {}

  public GatheringOptions(GatheringOptions other) {
    this(other.toJson());
  }

  /** Missing keys keep their defaults. @throws io.p2pquic.api.config.ConfigKeyException naming the bad key */
  public GatheringOptions(JsonObject json) {
    StrictConfig.read(json, KNOWN, (k, v) -> {
      switch (k) {
        case "stunServers" -> setStunServers(StrictConfig.strings(v));
        case "includeLoopback" -> includeLoopback = StrictConfig.bool(v);
        case "ipv4" -> ipv4 = StrictConfig.bool(v);
        case "ipv6" -> ipv6 = StrictConfig.bool(v);
        case "includeLinkLocalIpv6" -> includeLinkLocalIpv6 = StrictConfig.bool(v);
        case "port" -> setPort(StrictConfig.intValue(v));
        case "component" -> setComponent(StrictConfig.intValue(v));
        case "pruneRedundant" -> pruneRedundant = StrictConfig.bool(v);
        case "gatheringTimeoutMillis" -> setGatheringTimeoutMillis(StrictConfig.longValue(v));
        case "relayGatheringTimeoutMillis" -> setRelayGatheringTimeoutMillis(StrictConfig.longValue(v));
        case "stunRetransmit" -> stunRetransmit = RetransmitPolicy.fromJson(StrictConfig.object(v), DEFAULT_STUN_RETRANSMIT);
        case "turnServers" -> {
          List<TurnClientOptions> list = new ArrayList<>();
          StrictConfig.readArray(StrictConfig.array(v), (i, t) -> list.add(new TurnClientOptions(StrictConfig.object(t))));
          setTurnServers(list);
        }
        default -> throw new IllegalStateException(k);
      }
    });
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("stunServers", new JsonArray(new ArrayList<>(stunServers)))
        .put("includeLoopback", includeLoopback)
        .put("ipv4", ipv4)
        .put("ipv6", ipv6)
        .put("includeLinkLocalIpv6", includeLinkLocalIpv6)
        .put("port", port)
        .put("component", component)
        .put("pruneRedundant", pruneRedundant)
        .put("gatheringTimeoutMillis", gatheringTimeoutMillis)
        .put("relayGatheringTimeoutMillis", relayGatheringTimeoutMillis)
        .put("stunRetransmit", stunRetransmit.toJson())
        .put("turnServers", new JsonArray(turnServers.stream().map(TurnClientOptions::toJson).toList()));
  }

  /** TURN servers: each gives a relayed candidate (and its allocation) per socket of its address family. */
  public List<TurnClientOptions> turnServers() {
    return turnServers.stream().map(TurnClientOptions::new).toList();
  }

  public GatheringOptions setTurnServers(List<TurnClientOptions> servers) {
    List<TurnClientOptions> copy = new ArrayList<>();
    for (TurnClientOptions t : servers) {
      copy.add(new TurnClientOptions(t.validate()));
    }
    this.turnServers = copy;
    return this;
  }

  public GatheringOptions addTurnServer(TurnClientOptions server) {
    turnServers.add(new TurnClientOptions(server.validate()));
    return this;
  }

  public List<String> stunServers() {
    return List.copyOf(stunServers);
  }

  /** STUN servers as {@code HOST:PORT} (IPv6 as {@code [addr]:port}); checked for syntax now. */
  public GatheringOptions setStunServers(List<String> servers) {
    for (String s : servers) {
      SocketAddresses.parseHostPort(s); // throws IllegalArgumentException naming the bad entry
    }
    this.stunServers = new ArrayList<>(servers);
    return this;
  }

  public GatheringOptions addStunServer(String hostPort) {
    SocketAddresses.parseHostPort(hostPort);
    stunServers.add(hostPort);
    return this;
  }

  public boolean includeLoopback() {
    return includeLoopback;
  }

  public GatheringOptions setIncludeLoopback(boolean v) {
    includeLoopback = v;
    return this;
  }

  public boolean ipv4() {
    return ipv4;
  }

  public GatheringOptions setIpv4(boolean v) {
    ipv4 = v;
    return this;
  }

  public boolean ipv6() {
    return ipv6;
  }

  public GatheringOptions setIpv6(boolean v) {
    ipv6 = v;
    return this;
  }

  public boolean includeLinkLocalIpv6() {
    return includeLinkLocalIpv6;
  }

  public GatheringOptions setIncludeLinkLocalIpv6(boolean v) {
    includeLinkLocalIpv6 = v;
    return this;
  }

  public int port() {
    return port;
  }

  public GatheringOptions setPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535: " + port);
    }
    this.port = port;
    return this;
  }

  public int component() {
    return component;
  }

  public GatheringOptions setComponent(int component) {
    if (component < 1 || component > 256) {
      throw new IllegalArgumentException("component must be 1-256: " + component);
    }
    this.component = component;
    return this;
  }

  public boolean pruneRedundant() {
    return pruneRedundant;
  }

  public GatheringOptions setPruneRedundant(boolean v) {
    pruneRedundant = v;
    return this;
  }

  /**
   * How long after the start of gathering a pending TURN allocation is still waited for (relayed
   * candidates trickle when they come); never shorter than {@link #gatheringTimeoutMillis()}.
   */
  public long relayGatheringTimeoutMillis() {
    return Math.max(relayGatheringTimeoutMillis, gatheringTimeoutMillis);
  }

  public GatheringOptions setRelayGatheringTimeoutMillis(long millis) {
    if (millis <= 0) {
      throw new IllegalArgumentException("relayGatheringTimeoutMillis must be positive: " + millis);
    }
    relayGatheringTimeoutMillis = millis;
    return this;
  }

  public long gatheringTimeoutMillis() {
    return gatheringTimeoutMillis;
  }

  public GatheringOptions setGatheringTimeoutMillis(long millis) {
    if (millis <= 0) {
      throw new IllegalArgumentException("gatheringTimeoutMillis must be positive: " + millis);
    }
    gatheringTimeoutMillis = millis;
    return this;
  }

  public RetransmitPolicy stunRetransmit() {
    return stunRetransmit;
  }

  public GatheringOptions setStunRetransmit(RetransmitPolicy policy) {
    stunRetransmit = Objects.requireNonNull(policy);
    return this;
  }
}
