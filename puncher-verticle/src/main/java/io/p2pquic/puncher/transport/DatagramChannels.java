package io.p2pquic.puncher.transport;

import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.vertx.core.Vertx;
import io.p2pquic.quic.DatagramSockets;
import java.util.function.Function;

/**
 * Makes the Netty channel behind a session's UDP socket, for the host the socket binds. {@link #of}
 * gives sockets of the transport Vert.x runs on (native epoll where the node enabled it, else NIO);
 * tests hand the session classes one that makes in-memory channels on a virtual network instead, so
 * the real QUIC codec and path layer run unchanged without sockets or root.
 */
@FunctionalInterface
public interface DatagramChannels {

  /**
   * Kernel send and receive buffer asked for on every session socket. The default (about 208 KiB)
   * overflows during a bulk transfer's bursts and reads as loss to QUIC; Linux caps the request at
   * net.core.rmem_max / wmem_max, which an operator raises for long fat paths.
   */
  int SOCKET_BUFFER_BYTES = 4 << 20;

  /** Real NIO sockets, opened for the address's own family (a dual-stack socket would report an IPv6 wildcard). */
  DatagramChannels NIO = host -> withBuffers(
      new NioDatagramChannel(isIpv6(host) ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET));

  /** A new, unregistered channel that is to be bound to {@code host} (an IP literal or a wildcard). */
  DatagramChannel newChannel(String host);

  /**
   * Sockets that can register on {@code vertx}'s event loops: NIO for the JDK transport; for Vert.x's
   * native transport its own kind, and on epoll with batched receives (recvmmsg), because a bulk QUIC
   * transfer otherwise pays one system call a packet.
   */
  static DatagramChannels of(Vertx vertx) {
    Function<SocketProtocolFamily, DatagramChannel> open = DatagramSockets.factory(vertx);
    return host -> {
      DatagramChannel ch = open.apply(isIpv6(host) ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET);
      return withBuffers(DatagramSockets.batchReceives(ch));
    };
  }

  private static DatagramChannel withBuffers(DatagramChannel ch) {
    ch.config().setReceiveBufferSize(SOCKET_BUFFER_BYTES);
    ch.config().setSendBufferSize(SOCKET_BUFFER_BYTES);
    return ch;
  }

  private static boolean isIpv6(String host) {
    return host.indexOf(':') >= 0;
  }
}
