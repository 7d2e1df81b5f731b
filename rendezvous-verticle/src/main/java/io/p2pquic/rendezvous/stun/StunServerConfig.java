package io.p2pquic.rendezvous.stun;

import io.p2pquic.api.config.JsonDataObject;
import io.p2pquic.api.config.StrictConfig;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where the STUN server listens. With an {@code alternateAddress} it becomes an RFC 5780 server: it
 * listens on both addresses and both ports, honours CHANGE-REQUEST and reports OTHER-ADDRESS.
 *
 * <p>JSON keys (all optional): {@code bind}, {@code port}, {@code alternateAddress},
 * {@code alternatePort}, {@code tcp}, {@code software}, {@code tcpIdleTimeoutSeconds} (30: a TCP
 * connection that holds no TURN allocation is closed after this long without a complete message),
 * {@code tcpMaxConnections} (4096) and {@code tcpMaxConnectionsPerIp} (64): connections beyond them are
 * closed at once and counted in {@code p2p.stun.dropped{reason=tcp-connection-limit}}.
 */
public final class StunServerConfig extends JsonDataObject {
  public static final int DEFAULT_PORT = 3478;
  private static final String PREFIX = "stun.";
  private static final java.util.List<String> KNOWN =
      java.util.List.of("bind", "port", "alternateAddress", "alternatePort", "tcp", "software",
          "tcpIdleTimeoutSeconds", "tcpMaxConnections", "tcpMaxConnectionsPerIp", "bindingRatePerIp", "bindingRateTotal",
          "udpEventLoops");

  public static final String DEFAULT_BIND = "0.0.0.0";
  /** Null: a plain STUN server, not an RFC 5780 one. */
  public static final String DEFAULT_ALTERNATE_ADDRESS = null;
  /** 0: {@code port + 1}. */
  public static final int DEFAULT_ALTERNATE_PORT = 0;
  public static final boolean DEFAULT_TCP = true;
  public static final String DEFAULT_SOFTWARE = "p2p-quic";
  public static final int DEFAULT_TCP_IDLE_TIMEOUT_SECONDS = 30;
  public static final int DEFAULT_TCP_MAX_CONNECTIONS = 4096;
  public static final int DEFAULT_TCP_MAX_CONNECTIONS_PER_IP = 64;
  public static final double DEFAULT_BINDING_RATE_PER_IP = 50;
  public static final double DEFAULT_BINDING_RATE_TOTAL = 20_000;
  /** 0: one event loop per core reads the UDP port (as far as the Vert.x event-loop pool reaches). */
  public static final int DEFAULT_UDP_EVENT_LOOPS = 0;

  private String bind = DEFAULT_BIND;
  private int port = DEFAULT_PORT;
  private String alternateAddress = DEFAULT_ALTERNATE_ADDRESS;
  private int alternatePort = DEFAULT_ALTERNATE_PORT; // 0: port + 1
  private boolean tcp = DEFAULT_TCP;
  private String software = DEFAULT_SOFTWARE;
  private int tcpIdleTimeoutSeconds = DEFAULT_TCP_IDLE_TIMEOUT_SECONDS;
  private int tcpMaxConnections = DEFAULT_TCP_MAX_CONNECTIONS;
  private int tcpMaxConnectionsPerIp = DEFAULT_TCP_MAX_CONNECTIONS_PER_IP;
  private double bindingRatePerIp = DEFAULT_BINDING_RATE_PER_IP;
  private double bindingRateTotal = DEFAULT_BINDING_RATE_TOTAL;
  private int udpEventLoops = DEFAULT_UDP_EVENT_LOOPS;

  public StunServerConfig() {}

  public StunServerConfig(StunServerConfig other) {
    this(other.toJson());
  }

  /**
   * Reads the {@code "stun"} configuration object (null means all defaults).
   *
   * @throws IllegalArgumentException naming the bad key, e.g. "stun.port must be 0-65535"
   */
  public StunServerConfig(JsonObject json) {
    if (json == null) {
      return;
    }
    StrictConfig.read("stun", json, KNOWN, (k, v) -> {
      switch (k) {
        case "bind" -> setBind(StrictConfig.string(v));
        case "port" -> setPort(StrictConfig.intValue(v));
        case "alternateAddress" -> setAlternateAddress(StrictConfig.optionalString(v));
        case "alternatePort" -> setAlternatePort(StrictConfig.intValue(v));
        case "tcp" -> setTcp(StrictConfig.bool(v));
        case "software" -> setSoftware(StrictConfig.string(v));
        case "tcpIdleTimeoutSeconds" -> setTcpIdleTimeoutSeconds(StrictConfig.intValue(v));
        case "tcpMaxConnections" -> setTcpMaxConnections(StrictConfig.intValue(v));
        case "tcpMaxConnectionsPerIp" -> setTcpMaxConnectionsPerIp(StrictConfig.intValue(v));
        case "bindingRatePerIp" -> bindingRatePerIp = StrictConfig.doubleValue(v);
        case "bindingRateTotal" -> bindingRateTotal = StrictConfig.doubleValue(v);
        case "udpEventLoops" -> setUdpEventLoops(StrictConfig.intValue(v));
        default -> throw new IllegalStateException(k);
      }
    });
    validate();
  }

  /** Same as {@link #StunServerConfig(JsonObject)}. @throws IllegalArgumentException naming the bad key */
  public static StunServerConfig fromJson(JsonObject json) {
    return new StunServerConfig(json);
  }

  @Override
  public JsonObject toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bind", bind);
    m.put("port", port);
    if (alternateAddress != null) {
      m.put("alternateAddress", alternateAddress);
    }
    m.put("alternatePort", alternatePort);
    m.put("tcp", tcp);
    m.put("software", software);
    m.put("tcpIdleTimeoutSeconds", tcpIdleTimeoutSeconds);
    m.put("tcpMaxConnections", tcpMaxConnections);
    m.put("tcpMaxConnectionsPerIp", tcpMaxConnectionsPerIp);
    m.put("bindingRatePerIp", bindingRatePerIp);
    m.put("bindingRateTotal", bindingRateTotal);
    m.put("udpEventLoops", udpEventLoops);
    return new JsonObject(m);
  }

  /** Checks values and cross-key constraints; throws IllegalArgumentException naming the key. */
  public StunServerConfig validate() {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(PREFIX + "port must be 0-65535, is " + port);
    }
    if (alternatePort < 0 || alternatePort > 65535) {
      throw new IllegalArgumentException(PREFIX + "alternatePort must be 0-65535, is " + alternatePort);
    }
    if (udpEventLoops < 0 || udpEventLoops > 256) {
      throw new IllegalArgumentException(PREFIX + "udpEventLoops must be 0 (one per core) to 256, is " + udpEventLoops);
    }
    if (tcpIdleTimeoutSeconds < 1) {
      throw new IllegalArgumentException(PREFIX + "tcpIdleTimeoutSeconds must be at least 1, is " + tcpIdleTimeoutSeconds);
    }
    if (!(bindingRatePerIp > 0) || !(bindingRateTotal > 0)) {
      throw new IllegalArgumentException(PREFIX + "bindingRatePerIp and " + PREFIX
          + "bindingRateTotal must be above 0, are " + bindingRatePerIp + " and " + bindingRateTotal);
    }
    if (tcpMaxConnections < 1 || tcpMaxConnectionsPerIp < 1) {
      throw new IllegalArgumentException(PREFIX + "tcpMaxConnections and " + PREFIX
          + "tcpMaxConnectionsPerIp must be at least 1, are " + tcpMaxConnections + " and " + tcpMaxConnectionsPerIp);
    }
    if (alternateAddress != null) {
      if (isWildcard(bind)) {
        throw new IllegalArgumentException(PREFIX + "bind must be a specific address when " + PREFIX
            + "alternateAddress is set (RFC 5780 responses must name the address they leave from)");
      }
      if (alternateAddress.equals(bind)) {
        throw new IllegalArgumentException(PREFIX + "alternateAddress must differ from " + PREFIX + "bind");
      }
      if (port == 0) {
        throw new IllegalArgumentException(PREFIX + "port must be fixed (not 0) when alternateAddress is set");
      }
    }
    return this;
  }

  static boolean isWildcard(String address) {
    return address == null || address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]");
  }

  public String bind() {
    return bind;
  }

  public StunServerConfig setBind(String bind) {
    this.bind = Objects.requireNonNull(bind, PREFIX + "bind");
    return this;
  }

  public int port() {
    return port;
  }

  public StunServerConfig setPort(int port) {
    this.port = port;
    return this;
  }

  public String alternateAddress() {
    return alternateAddress;
  }

  public StunServerConfig setAlternateAddress(String alternateAddress) {
    this.alternateAddress = alternateAddress == null || alternateAddress.isBlank() ? null : alternateAddress;
    return this;
  }

  /** The second port of an RFC 5780 server; {@code port + 1} unless set. */
  public int alternatePort() {
    return alternatePort != 0 ? alternatePort : port + 1;
  }

  public StunServerConfig setAlternatePort(int alternatePort) {
    this.alternatePort = alternatePort;
    return this;
  }

  public boolean tcp() {
    return tcp;
  }

  public StunServerConfig setTcp(boolean tcp) {
    this.tcp = tcp;
    return this;
  }

  public String software() {
    return software;
  }

  public StunServerConfig setSoftware(String software) {
    this.software = Objects.requireNonNull(software, PREFIX + "software");
    return this;
  }

  public boolean rfc5780() {
    return alternateAddress != null;
  }

  public int tcpIdleTimeoutSeconds() {
    return tcpIdleTimeoutSeconds;
  }

  public StunServerConfig setTcpIdleTimeoutSeconds(int seconds) {
    this.tcpIdleTimeoutSeconds = seconds;
    return this;
  }

  public int tcpMaxConnections() {
    return tcpMaxConnections;
  }

  public StunServerConfig setTcpMaxConnections(int max) {
    this.tcpMaxConnections = max;
    return this;
  }

  /** Binding answers per second over UDP to one source address (burst twice that); more are dropped and counted. */
  public double bindingRatePerIp() {
    return bindingRatePerIp;
  }

  /** Binding answers per second over UDP to all sources together. */
  public double bindingRateTotal() {
    return bindingRateTotal;
  }

  public StunServerConfig setBindingRates(double perIp, double total) {
    this.bindingRatePerIp = perIp;
    this.bindingRateTotal = total;
    return this;
  }

  /**
   * Event loops that read the UDP port, each with its own socket on it (SO_REUSEPORT) and its own TURN
   * allocations; 0: one per core. 1 reads it on the rendezvous's loop alone, as before.
   */
  public int udpEventLoops() {
    return udpEventLoops;
  }

  public StunServerConfig setUdpEventLoops(int udpEventLoops) {
    this.udpEventLoops = udpEventLoops;
    return this;
  }

  public int tcpMaxConnectionsPerIp() {
    return tcpMaxConnectionsPerIp;
  }

  public StunServerConfig setTcpMaxConnectionsPerIp(int max) {
    this.tcpMaxConnectionsPerIp = max;
    return this;
  }
}
