package io.p2pquic.puncher.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * First handler of a session channel's pipeline (docs/ARCHITECTURE.md, "One socket, many protocols"):
 *
 * <ol>
 *   <li>from a registered relay's server address ({@link RelayTransport}): offered to the relay first;
 *       ChannelData and Data indications are unwrapped and the payload goes through rules 2-4 as if
 *       the peer had sent it (ChannelData 0x40-0x4F collides with QUIC short headers, so the source
 *       address decides, not the first byte); anything else from the server (TURN responses) goes on
 *       to rule 2;
 *   <li>STUN goes to the puncher (ICE, STUN client);
 *   <li>QUIC packets go on down the pipeline to the QUIC codec (added when the quic-verticle adopts
 *       the channel); relayed ones as {@link RelayedDatagramPacket} with the peer as sender;
 *   <li>anything else is counted and dropped.
 * </ol>
 */
final class DatagramDemultiplexer extends SimpleChannelInboundHandler<DatagramPacket> {
  private final Consumer<Datagram> stun;
  private final Relays relays;
  private final Counter stunIn;
  private final Counter quicIn;
  private final Counter dropped;

  DatagramDemultiplexer(Consumer<Datagram> stun, Relays relays, MeterRegistry metrics) {
    super(false); // QUIC packets are passed on, so this handler must not release them
    this.stun = stun;
    this.relays = relays;
    this.stunIn = metrics.counter("p2p.udp.inbound", "kind", "stun");
    this.quicIn = metrics.counter("p2p.udp.inbound", "kind", "quic");
    this.dropped = metrics.counter("p2p.udp.dropped", "kind", "other");
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    RelayTransport relay = relays.from(packet.sender());
    if (relay != null) {
      RelayInbound r;
      try {
        r = relay.unwrap(packet.content());
      } catch (RuntimeException e) {
        r = new RelayInbound.Drop(e.toString());
      }
      if (r instanceof RelayInbound.Data d) {
        relays.inbound.increment();
        packet.release();
        InetSocketAddress local = packet.recipient() != null ? packet.recipient() : (InetSocketAddress) ctx.channel().localAddress();
        classify(ctx, d.payload(), d.peer(), local, relay);
        return;
      }
      if (r instanceof RelayInbound.Drop) {
        relays.dropped.increment();
        packet.release();
        return;
      }
      // PASS: a TURN response (or a Binding response from the same server): classified below.
    }
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

  /** Rules 2-4 for a payload a relay unwrapped; takes ownership of {@code payload}. */
  private void classify(ChannelHandlerContext ctx, ByteBuf payload, InetSocketAddress peer, InetSocketAddress local,
      RelayTransport relay) {
    switch (DatagramKind.of(payload)) {
      case STUN -> {
        stunIn.increment();
        try {
          stun.accept(new Datagram(Buffer.buffer(ByteBufUtil.getBytes(payload)), peer, relay.relayedAddress()));
        } finally {
          payload.release();
        }
      }
      case QUIC -> {
        quicIn.increment();
        ctx.fireChannelRead(new RelayedDatagramPacket(payload, local, peer, relay));
      }
      default -> {
        dropped.increment();
        payload.release();
      }
    }
  }
}
