package io.p2pquic.puncher.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * A QUIC datagram that arrived on another socket of ours than the session's (the socket hard-NAT punching
 * found a path through) and is passed down the session's pipeline as if it had arrived there: the path
 * layer learns from {@link #socket()} that answers go back through that socket. It never travels further
 * than the path layer, which hands the codec a plain packet, so the retain/copy family is not overridden.
 */
public final class PunchedDatagramPacket extends DatagramPacket {
  private final Channel socket;

  public PunchedDatagramPacket(ByteBuf data, InetSocketAddress recipient, InetSocketAddress peer, Channel socket) {
    super(data, recipient, peer);
    this.socket = socket;
  }

  /** The socket it arrived on. */
  public Channel socket() {
    return socket;
  }
}
