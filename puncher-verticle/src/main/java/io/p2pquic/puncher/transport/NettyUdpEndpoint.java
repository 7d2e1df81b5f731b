package io.p2pquic.puncher.transport;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;

/**
 * A session's UDP socket as a Netty channel on the creating context's event loop, so that the QUIC
 * codec can later be added to the very pipeline whose NAT mapping the ICE checks created
 * ({@link #channel()}). Inbound STUN is delivered on that context; QUIC packets flow on down the
 * pipeline. Datagrams from a registered relay's server ({@link #addRelay}, a TURN allocation) are
 * unwrapped first and their payloads delivered the same way, as if the peer had sent them
 * ({@link RelayedDatagramPacket} in the pipeline, {@link Datagram#relayedAddress()} for STUN).
 */
public final class NettyUdpEndpoint extends DemultiplexingUdpEndpoint {
  private final DatagramChannel channel;
  private final ContextInternal context;

  private NettyUdpEndpoint(DatagramChannel channel, ContextInternal context, Relays relays) {
    super(relays);
    this.channel = channel;
    this.context = context;
  }

  /** Binds {@code host:port} (an IP literal, or a wildcard; port 0 for any). */
  public static Future<NettyUdpEndpoint> bind(Vertx vertx, String host, int port, MeterRegistry metrics) {
    return bind(vertx, host, port, metrics, DatagramChannels.NIO);
  }

  /** Binds {@code host:port} on a channel made by {@code channels} (tests pass a virtual network's). */
  public static Future<NettyUdpEndpoint> bind(Vertx vertx, String host, int port, MeterRegistry metrics,
      DatagramChannels channels) {
    ContextInternal context = ((VertxInternal) vertx).getOrCreateContext();
    NettyUdpEndpoint[] self = new NettyUdpEndpoint[1];
    Relays relays = new Relays(metrics);
    Bootstrap b = new Bootstrap()
        .group(context.nettyEventLoop())
        .channelFactory(() -> channels.newChannel(host))
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast("demux", new DatagramDemultiplexer(
                d -> context.execute(d, x -> self[0].deliverStun(x)), relays, metrics));
          }
        });
    Promise<NettyUdpEndpoint> bound = context.promise();
    b.bind(new InetSocketAddress(host, port)).addListener(f -> {
      if (f.isSuccess()) {
        self[0] = new NettyUdpEndpoint((DatagramChannel) ((io.netty.channel.ChannelFuture) f).channel(), context, relays);
        bound.complete(self[0]);
      } else {
        bound.fail(new java.io.IOException("cannot bind UDP " + host + ":" + port + ": " + f.cause().getMessage(), f.cause()));
      }
    });
    return bound.future();
  }

  /** The channel the QUIC codec adopts (its pipeline starts with the demultiplexer, named "demux"). */
  public DatagramChannel channel() {
    return channel;
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) channel.localAddress();
  }

  @Override
  public Future<Void> send(Buffer data, InetSocketAddress to) {
    Promise<Void> sent = context.promise();
    channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(data.getBytes()), to)).addListener(f -> {
      if (f.isSuccess()) {
        sent.complete();
      } else {
        sent.fail(f.cause());
      }
    });
    return sent.future();
  }

  /** The relay registered on this socket whose relayed address is {@code relayedAddress}, or null. */
  public RelayTransport relayAt(InetSocketAddress relayedAddress) {
    return relays.atRelayedAddress(relayedAddress);
  }

  @Override
  public Future<Void> close() {
    Promise<Void> closed = context.promise();
    channel.close().addListener(f -> closed.complete());
    return closed.future();
  }
}
