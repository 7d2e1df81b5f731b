package io.p2pquic.quic;

import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.vertx.core.impl.transports.EpollTransport;
import io.vertx.core.transport.Transport;

/**
 * Vert.x's epoll transport, except that a UDP socket is of the address family asked for. Vert.x's own
 * opens every datagram socket as a dual-stack IPv6 one, so an IPv4 socket bound to 0.0.0.0 reports
 * itself as "::" and takes IPv6 traffic; with JDK sockets it is IPv4 only. Everything that reads a
 * socket's family from its bound address (candidate gathering, NAT discovery, the STUN server's
 * sockets per family) then sees the same on both transports.
 */
final class FamilyAwareEpollTransport extends EpollTransport {

  /** The node's transport: this one where epoll loads, else Vert.x's JDK transport. */
  static Transport preferred() {
    if (!Transport.EPOLL.available()) {
      return Transport.NIO;
    }
    FamilyAwareEpollTransport implementation = new FamilyAwareEpollTransport();
    return new Transport() {
      @Override
      public String name() {
        return "epoll";
      }

      @Override
      public boolean available() {
        return true;
      }

      @Override
      public Throwable unavailabilityCause() {
        return null;
      }

      @Override
      public io.vertx.core.spi.transport.Transport implementation() {
        return implementation;
      }
    };
  }

  @Override
  @SuppressWarnings("deprecation") // the SPI's family type
  public DatagramChannel datagramChannel(InternetProtocolFamily family) {
    if (family == null) {
      return new EpollDatagramChannel();
    }
    return new EpollDatagramChannel(family == InternetProtocolFamily.IPv6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET);
  }
}
