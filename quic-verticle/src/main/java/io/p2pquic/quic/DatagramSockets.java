package io.p2pquic.quic;

import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.StandardSocketOptions;
import java.util.function.Function;

/**
 * Opens UDP channels that register on a Vert.x instance's event loops, of the address family asked
 * for: NIO on the JDK transport, epoll on the native one. Vert.x's own epoll transport ignores the
 * family and always opens a dual-stack IPv6 socket, which reports an IPv4 wildcard bind as "::" (the
 * gatherer then plans IPv6 candidates for an IPv4-only session), hence this one place; the node runs
 * Vert.x on {@link #nodeTransport()}, which fixes that for Vert.x's own sockets too.
 */
public final class DatagramSockets {
  private DatagramSockets() {}

  /**
   * The transport a node's Vert.x runs on: epoll where it loads (batched UDP receives and
   * segmentation-offload sends for sessions, see QuicPeerEndpoint.segmentation), its datagram
   * sockets of the family asked for; else the JDK's.
   */
  public static io.vertx.core.transport.Transport nodeTransport() {
    String chosen = System.getProperty(TRANSPORT_PROPERTY, System.getenv(TRANSPORT_ENV));
    if ("nio".equalsIgnoreCase(chosen)) {
      return io.vertx.core.transport.Transport.NIO; // the way out if a kernel or driver misbehaves on epoll
    }
    return FamilyAwareEpollTransport.preferred();
  }

  /** Environment variable that picks the node's transport: {@code nio} for the JDK's, else epoll where it loads. */
  public static final String TRANSPORT_ENV = "P2P_TRANSPORT";
  /** System property with the same meaning (wins over the environment). */
  public static final String TRANSPORT_PROPERTY = "p2p.transport";

  /**
   * Largest datagram a batched receive (recvmmsg) takes in one slot. QUIC packets stay at or below
   * 1500 bytes on every path we send on, and so do STUN and TURN-wrapped ones; a longer datagram is
   * truncated and then fails its integrity check (STUN) or decryption (QUIC), as a corrupt one would.
   */
  public static final int RECEIVE_SLOT_BYTES = 2048;
  /** Datagrams one batched receive may return. */
  public static final int RECEIVE_BATCH = 16;

  /** Turns on batched receives (recvmmsg) where the channel is epoll; returns the channel. */
  public static DatagramChannel batchReceives(DatagramChannel ch) {
    if (ch instanceof EpollDatagramChannel) {
      ch.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, RECEIVE_SLOT_BYTES);
      ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(RECEIVE_SLOT_BYTES * RECEIVE_BATCH));
    }
    return ch;
  }

  /**
   * Lets several sockets bind the same address and port (SO_REUSEPORT), one per event loop: the kernel
   * spreads incoming datagrams over them by a hash of the sender's and receiver's addresses, so one
   * client always reaches the same socket. Linux allows it only among sockets of the same user. Returns
   * the channel, not yet bound.
   */
  public static DatagramChannel sharePort(DatagramChannel ch) {
    if (ch instanceof EpollDatagramChannel) {
      ch.config().setOption(EpollChannelOption.SO_REUSEPORT, true);
    } else {
      ch.config().setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
    }
    return ch;
  }

  /** A factory of unregistered channels for {@code vertx}'s transport (decided once, here). */
  @SuppressWarnings("deprecation") // Vert.x's transport SPI still takes the old family type
  public static Function<SocketProtocolFamily, DatagramChannel> factory(Vertx vertx) {
    if (!vertx.isNativeTransportEnabled()) {
      return NioDatagramChannel::new;
    }
    Transport transport = ((VertxInternal) vertx).transport();
    DatagramChannel probe = transport.datagramChannel(InternetProtocolFamily.IPv4);
    boolean epoll = probe instanceof EpollDatagramChannel;
    probe.unsafe().closeForcibly();
    if (epoll) {
      return EpollDatagramChannel::new;
    }
    // Another native transport (io_uring, kqueue): its own channel, whatever family it opens.
    return family -> transport.datagramChannel(
        family == SocketProtocolFamily.INET6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
  }
}
