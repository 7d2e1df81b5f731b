package io.p2pquic.rendezvous.stun;

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
 * {@code alternatePort}, {@code tcp}, {@code software}.
 */
public final class StunServerConfig {
  public static final int DEFAULT_PORT = 3478;
  private static final String PREFIX = "stun.";
  private static final java.util.List<String> KNOWN =
      java.util.List.of("bind", "port", "alternateAddress", "alternatePort", "tcp", "software");

  private String bind = "0.0.0.0";
  private int port = DEFAULT_PORT;
  private String alternateAddress;
  private int alternatePort = 0; // 0: port + 1
  private boolean tcp = true;
  private String software = "p2p-quic";

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
        default -> throw new IllegalStateException(k);
      }
    });
    return c.validate();
  }

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
}
