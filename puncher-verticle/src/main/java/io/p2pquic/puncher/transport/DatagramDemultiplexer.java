package io.p2pquic.puncher.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;

/**
 * First handler of a session channel's pipeline: STUN goes to the puncher (ICE, STUN client), QUIC
 * packets go on down the pipeline to the QUIC codec (added when the quic-verticle adopts the
 * channel), anything else is counted and dropped (shared/DESIGN.md, demultiplexing rules 2-4).
 */
final class DatagramDemultiplexer extends SimpleChannelInboundHandler<DatagramPacket> {
  private final Consumer<Datagram> stun;
  private final Counter stunIn;
  private final Counter quicIn;
  private final Counter dropped;

  DatagramDemultiplexer(Consumer<Datagram> stun, MeterRegistry metrics) {
    super(false); // QUIC packets are passed on, so this handler must not release them
    this.stun = stun;
    this.stunIn = metrics.counter("p2p.udp.inbound", "kind", "stun");
    this.quicIn = metrics.counter("p2p.udp.inbound", "kind", "quic");
    this.dropped = metrics.counter("p2p.udp.dropped", "kind", "other");
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    switch (DatagramKind.of(packet.content())) {
      case STUN -> {
        stunIn.increment();
        try {
          stun.accept(new Datagram(Buffer.buffer(ByteBufUtil.getBytes(packet.content())), packet.sender()));
        } finally {
          packet.release();
        }
      }
      case QUIC -> {
        quicIn.increment();
        ctx.fireChannelRead(packet); // the QUIC codec, or the tail (which releases it) before adoption
      }
      default -> {
        dropped.increment();
        packet.release();
      }
    }
  }
}
