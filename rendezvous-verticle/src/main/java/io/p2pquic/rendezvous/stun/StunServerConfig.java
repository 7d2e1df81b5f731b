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

  private String bind = "0.0.0.0";
  private int port = DEFAULT_PORT;
  private String alternateAddress;
  private int alternatePort = 0; // 0: port + 1
  private boolean tcp = true;
  private String software = "p2p-quic";
  private int tcpIdleTimeoutSeconds = 30;
  private int tcpMaxConnections = 4096;
  private int tcpMaxConnectionsPerIp = 64;
  private double bindingRatePerIp = 50;
  private double bindingRateTotal = 20_000;
  private int udpEventLoops = DEFAULT_UDP_EVENT_LOOPS;
  /** 0: one event loop per core reads the UDP port (as far as the Vert.x event-loop pool reaches). */
  public static final int DEFAULT_UDP_EVENT_LOOPS = 0;

  /**
   * Reads the {@code "stun"} configuration object (null means all defaults).
   *
   * @throws IllegalArgumentException naming the bad key, e.g. "stun.port must be 0-65535"
   */
  public static StunServerConfig fromJson(JsonObject json) {
    StunServerConfig c = new StunServerConfig();
    if (json == null) {
      return c;
    }
    StrictConfig.read("stun", json, KNOWN, (k, v) -> {
      switch (k) {
        case "bind" -> c.setBind(StrictConfig.string(v));
        case "port" -> c.setPort(StrictConfig.intValue(v));
        case "alternateAddress" -> c.setAlternateAddress(StrictConfig.optionalString(v));
        case "alternatePort" -> c.setAlternatePort(StrictConfig.intValue(v));
        case "tcp" -> c.setTcp(StrictConfig.bool(v));
        case "software" -> c.setSoftware(StrictConfig.string(v));
        case "tcpIdleTimeoutSeconds" -> c.setTcpIdleTimeoutSeconds(StrictConfig.intValue(v));
        case "tcpMaxConnections" -> c.setTcpMaxConnections(StrictConfig.intValue(v));
        case "tcpMaxConnectionsPerIp" -> c.setTcpMaxConnectionsPerIp(StrictConfig.intValue(v));
        case "bindingRatePerIp" -> c.bindingRatePerIp = StrictConfig.doubleValue(v);
        case "bindingRateTotal" -> c.bindingRateTotal = StrictConfig.doubleValue(v);
        case "udpEventLoops" -> c.setUdpEventLoops(StrictConfig.intValue(v));
        default -> throw new IllegalStateException(k);
      }
    });
    return c.validate();
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
