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
  private final Runnable onSendFailure;

  UdpClientTransport(DatagramChannel socket, AllocationKey key, Runnable onSendFailure) {
    this.socket = socket;
    this.key = key;
    this.onSendFailure = onSendFailure;
  }

  @Override
  public AllocationKey key() {
    return key;
  }

  @Override
  public boolean send(Buffer message) {
    socket.writeAndFlush(new DatagramPacket(((BufferInternal) message).getByteBuf(), key.client())).addListener(f -> {
      if (!f.isSuccess()) {
        onSendFailure.run();
      }
    });
    return true;
  }
}
