package io.p2pquic.quic;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.p2pquic.testsupport.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Loopback UDP channels shaped like the puncher's: a STUN demultiplexer first, on a Vert.x event loop. */
final class QuicTestSupport {
  private QuicTestSupport() {}

  /**
   * Stand-in for the puncher's demultiplexer: swallows datagrams whose first byte is 0x00-0x03 (STUN,
   * RFC 7983) and passes everything else on as a DatagramPacket.
   */
  static final class TestDemux extends ChannelInboundHandlerAdapter {
    final AtomicInteger stunPackets = new AtomicInteger();
    final AtomicInteger passed = new AtomicInteger();
    final LinkedBlockingQueue<byte[]> stun = new LinkedBlockingQueue<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof DatagramPacket p && p.content().isReadable()
          && (p.content().getUnsignedByte(p.content().readerIndex()) & 0xFC) == 0) {
        byte[] b = new byte[p.content().readableBytes()];
        p.content().getBytes(p.content().readerIndex(), b);
        stun.add(b);
        stunPackets.incrementAndGet();
        p.release();
        return;
      }
      passed.incrementAndGet();
      ctx.fireChannelRead(msg);
    }
  }

  record Endpoint(DatagramChannel channel, TestDemux demux) {
    InetSocketAddress address() {
      return channel.localAddress();
    }
  }

  static Endpoint bind(Vertx vertx) throws Exception {
    TestDemux demux = new TestDemux();
    Bootstrap b = new Bootstrap()
        .group(((VertxInternal) vertx).nettyEventLoopGroup())
        .channel(NioDatagramChannel.class)
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast("demux", demux);
          }
        });
    DatagramChannel ch = (DatagramChannel) b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    return new Endpoint(ch, demux);
  }

  /**
   * As {@link #bind}, on the kind of socket {@code vertx} runs: epoll with batched receives when its
   * native transport is on (as the puncher's DatagramChannels makes them), else NIO. {@code sent}
   * counts what leaves the socket: packets, and batches handed to the kernel as one GSO send.
   */
  static Endpoint bindNative(Vertx vertx, SendCounter sent) throws Exception {
    TestDemux demux = new TestDemux();
    java.util.function.Function<io.netty.channel.socket.SocketProtocolFamily, DatagramChannel> open =
        DatagramSockets.factory(vertx);
    Bootstrap b = new Bootstrap()
        .group(((VertxInternal) vertx).nettyEventLoopGroup())
        .channelFactory(() -> DatagramSockets.batchReceives(open.apply(io.netty.channel.socket.SocketProtocolFamily.INET)))
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast("sent", sent).addLast("demux", demux);
          }
        });
    DatagramChannel ch = (DatagramChannel) b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    return new Endpoint(ch, demux);
  }

  /** Counts outgoing datagrams and, of them, segmentation-offload batches. */
  @ChannelHandler.Sharable
  static final class SendCounter extends ChannelOutboundHandlerAdapter {
    final AtomicLong datagrams = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    /** The largest QUIC packet sent: a batch's segment size, else the datagram's length. */
    final AtomicLong largestPacket = new AtomicLong();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof SegmentedDatagramPacket batch) {
        batches.incrementAndGet();
        largestPacket.accumulateAndGet(Math.min(batch.segmentSize(), batch.content().readableBytes()), Math::max);
      } else if (msg instanceof DatagramPacket packet) {
        largestPacket.accumulateAndGet(packet.content().readableBytes(), Math::max);
      }
      if (msg instanceof DatagramPacket) {
        datagrams.incrementAndGet();
      }
      ctx.write(msg, promise);
    }
  }

  /** {@link Await#unwrapped} within 15 s: kept as a short name for this module's many callers. */
  static <T> T await(Future<T> f) throws Exception {
    return Await.unwrapped(f, Duration.ofSeconds(15));
  }

  static <T> T await(Future<T> f, int seconds) throws Exception {
    return Await.unwrapped(f, Duration.ofSeconds(seconds));
  }

  /** The failure of a future expected to fail ({@link Await#failure} within 15 s). */
  static Throwable awaitFailure(Future<?> f) {
    return Await.failure(f, Duration.ofSeconds(15));
  }
}
