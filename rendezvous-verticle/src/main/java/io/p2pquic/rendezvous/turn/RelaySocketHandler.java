package io.p2pquic.rendezvous.turn;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

/**
 * Inbound end of one relay socket: every datagram a peer sends to the relayed transport address goes to
 * the allocation that owns the socket (none yet while the socket is only reserved: dropped).
 */
final class RelaySocketHandler extends SimpleChannelInboundHandler<DatagramPacket> {
  /** The relay of the event loop the socket is registered on (changes when a reserved port moves loops). */
  TurnServer server;
  ServerAllocation allocation;

  RelaySocketHandler(TurnServer server) {
    this.server = server;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    server.onPeerDatagram(allocation, packet);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // ICMP port unreachable and the like surface here on some platforms; a relay socket outlives them.
    server.peerSocketError(cause);
  }
}
