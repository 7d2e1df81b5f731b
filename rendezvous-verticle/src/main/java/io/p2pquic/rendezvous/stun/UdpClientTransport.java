package io.p2pquic.rendezvous.stun;

import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.rendezvous.turn.AllocationKey;
import io.p2pquic.rendezvous.turn.ClientTransport;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** The way back to a TURN client over UDP: the STUN socket the client wrote to, and the client's address. */
final class UdpClientTransport implements ClientTransport {
  private final DatagramChannel socket;
  private final AllocationKey key;

  UdpClientTransport(DatagramChannel socket, AllocationKey key) {
    this.socket = socket;
    this.key = key;
  }

  @Override
  public AllocationKey key() {
    return key;
  }

  @Override
  public boolean send(Buffer message) {
    // Failures reach the socket's exceptionCaught (counted there as send-failed): no listener per packet.
    socket.writeAndFlush(new DatagramPacket(((BufferInternal) message).getByteBuf(), key.client()), socket.voidPromise());
    return true;
  }
}
