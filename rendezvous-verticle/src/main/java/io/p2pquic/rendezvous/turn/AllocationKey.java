package io.p2pquic.rendezvous.turn;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The 5-tuple that names an allocation (RFC 8656 section 2.2): the client's transport address, the
 * server's transport address the client talks to, and the transport protocol between them.
 */
public record AllocationKey(Protocol protocol, InetSocketAddress client, InetSocketAddress server) {
  /** Transport between client and server; the relayed side is always UDP. */
  public enum Protocol { UDP, TCP }

  public AllocationKey {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(server, "server");
  }

  @Override
  public String toString() {
    return protocol.name().toLowerCase() + " " + client + " -> " + server;
  }
}
