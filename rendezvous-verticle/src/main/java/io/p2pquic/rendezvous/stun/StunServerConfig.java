package io.p2pquic.rendezvous.stun;

import io.vertx.core.json.JsonObject;
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

  private String bind = "0.0.0.0";
  private int port = DEFAULT_PORT;
  private String alternateAddress;
  private int alternatePort = 0; // 0: port + 1
  private boolean tcp = true;
  private String software = "p2p-quic";

  public StunServerConfig() {}

  public StunServerConfig(JsonObject json) {
    this();
    if (json == null) {
      return;
    }
    bind = json.getString("bind", bind);
    port = json.getInteger("port", port);
    alternateAddress = json.getString("alternateAddress", alternateAddress);
    alternatePort = json.getInteger("alternatePort", alternatePort);
    tcp = json.getBoolean("tcp", tcp);
    software = json.getString("software", software);
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("bind", bind).put("port", port);
    if (alternateAddress != null) {
      j.put("alternateAddress", alternateAddress);
    }
    return j.put("alternatePort", alternatePort).put("tcp", tcp).put("software", software);
  }

  /** Throws IllegalArgumentException naming the offending key (prefixed with {@code prefix}). */
  public StunServerConfig validate(String prefix) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(prefix + "port must be 0-65535, is " + port);
    }
    if (alternatePort < 0 || alternatePort > 65535) {
      throw new IllegalArgumentException(prefix + "alternatePort must be 0-65535, is " + alternatePort);
    }
    if (alternateAddress != null) {
      if (isWildcard(bind)) {
        throw new IllegalArgumentException(
            prefix + "bind must be a specific address when " + prefix
                + "alternateAddress is set (RFC 5780 responses must name the address they leave from)");
      }
      if (alternateAddress.equals(bind)) {
        throw new IllegalArgumentException(prefix + "alternateAddress must differ from " + prefix + "bind");
      }
      if (port == 0) {
        throw new IllegalArgumentException(prefix + "port must be fixed (not 0) when alternateAddress is set");
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

  public StunServerConfig bind(String bind) {
    this.bind = Objects.requireNonNull(bind);
    return this;
  }

  public int port() {
    return port;
  }

  public StunServerConfig port(int port) {
    this.port = port;
    return this;
  }

  public String alternateAddress() {
    return alternateAddress;
  }

  public StunServerConfig alternateAddress(String alternateAddress) {
    this.alternateAddress = alternateAddress;
    return this;
  }

  /** The second port of an RFC 5780 server; {@code port + 1} unless set. */
  public int alternatePort() {
    return alternatePort != 0 ? alternatePort : port + 1;
  }

  public StunServerConfig alternatePort(int alternatePort) {
    this.alternatePort = alternatePort;
    return this;
  }

  public boolean tcp() {
    return tcp;
  }

  public StunServerConfig tcp(boolean tcp) {
    this.tcp = tcp;
    return this;
  }

  public String software() {
    return software;
  }

  public StunServerConfig software(String software) {
    this.software = software;
    return this;
  }

  public boolean rfc5780() {
    return alternateAddress != null;
  }
}
