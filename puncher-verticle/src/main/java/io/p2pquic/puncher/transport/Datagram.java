package io.p2pquic.puncher.transport;

import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;

/**
 * One received UDP datagram and who sent it.
 *
 * @param data the payload
 * @param sender the peer that sent it: for a datagram relayed by a TURN server, the peer on the far side
 *     of the relay, not the server (docs/ARCHITECTURE.md, "One socket, many protocols": rule 1)
 * @param relayedAddress the local relayed transport address it arrived at (the relayed candidate), or
 *     null when it came straight to the socket
 */
public record Datagram(Buffer data, InetSocketAddress sender, InetSocketAddress relayedAddress) {
  /** A datagram that came straight to the socket. */
  public Datagram(Buffer data, InetSocketAddress sender) {
    this(data, sender, null);
  }

  /** True when a TURN server relayed it (ChannelData or a Data indication). */
  public boolean relayed() {
    return relayedAddress != null;
  }
}
