package io.p2pquic.puncher.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * A datagram a TURN server relayed, unwrapped and passed down the pipeline as if the peer had sent it
 * straight to the socket: {@link #sender()} is the peer, {@link #recipient()} the socket's own address
 * (what a direct packet carries), so the QUIC codec needs no change. A path layer can tell relayed from
 * direct packets by type and find the relay in {@link #relay()}.
 */
public final class RelayedDatagramPacket extends DatagramPacket {
  private final RelayTransport relay;

  public RelayedDatagramPacket(ByteBuf data, InetSocketAddress recipient, InetSocketAddress peer, RelayTransport relay) {
    super(data, recipient, peer);
    this.relay = relay;
  }

  /** The relay (TURN allocation) it came through. */
  public RelayTransport relay() {
    return relay;
  }

  @Override
  public RelayedDatagramPacket replace(ByteBuf content) {
    return new RelayedDatagramPacket(content, recipient(), sender(), relay);
  }

  @Override
  public RelayedDatagramPacket copy() {
    return replace(content().copy());
  }

  @Override
  public RelayedDatagramPacket duplicate() {
    return replace(content().duplicate());
  }

  @Override
  public RelayedDatagramPacket retainedDuplicate() {
    return replace(content().retainedDuplicate());
  }

  @Override
  public RelayedDatagramPacket retain() {
    super.retain();
    return this;
  }

  @Override
  public RelayedDatagramPacket retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public RelayedDatagramPacket touch() {
    super.touch();
    return this;
  }

  @Override
  public RelayedDatagramPacket touch(Object hint) {
    super.touch(hint);
    return this;
  }
}
