package io.p2pquic.rendezvous.stun;

import io.p2pquic.rendezvous.turn.AllocationKey;
import io.p2pquic.rendezvous.turn.ClientTransport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;

/** The way back to a TURN client over UDP: the STUN socket the client wrote to, and the client's address. */
final class UdpClientTransport implements ClientTransport {
  private final DatagramSocket socket;
  private final AllocationKey key;
  private final String host;
  private final Runnable onSendFailure;

  UdpClientTransport(DatagramSocket socket, AllocationKey key, Runnable onSendFailure) {
    this.socket = socket;
    this.key = key;
    this.host = key.client().getAddress().getHostAddress();
    this.onSendFailure = onSendFailure;
  }

  @Override
  public AllocationKey key() {
    return key;
  }

  @Override
  public boolean send(Buffer message) {
    socket.send(message, key.client().getPort(), host).onFailure(err -> onSendFailure.run());
    return true;
  }
}
