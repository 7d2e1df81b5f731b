package io.p2pquic.rendezvous.stun;

import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.p2pquic.rendezvous.turn.AllocationKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** The way back to a TURN client over UDP: the STUN socket the client wrote to, and the client's address. */
final class UdpClientTransport extends KeyedClientTransport {
  private final DatagramChannel socket;

  UdpClientTransport(DatagramChannel socket, AllocationKey key) {
    super(key);
    this.socket = socket;
  }

  @Override
  public boolean send(Buffer message) {
    // Failures reach the socket's exceptionCaught (counted there as send-failed): no listener per packet.
    socket.writeAndFlush(new DatagramPacket(((BufferInternal) message).getByteBuf(), key().client()), socket.voidPromise());
    return true;
  }
}
