package io.p2pquic.puncher.transport;

import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;

/**
 * Makes the Netty channel behind a session's UDP socket, for the host the socket binds. The default
 * ({@link #NIO}) opens a real NIO socket of the address's own family; tests hand the session classes
 * one that makes in-memory channels on a virtual network instead, so the real QUIC codec and path
 * layer run unchanged without sockets or root.
 */
@FunctionalInterface
public interface DatagramChannels {

  /** Real NIO sockets, opened for the address's own family (a dual-stack socket would report an IPv6 wildcard). */
  DatagramChannels NIO = host -> new NioDatagramChannel(host.indexOf(':') >= 0 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET);

  /** A new, unregistered channel that is to be bound to {@code host} (an IP literal or a wildcard). */
  DatagramChannel newChannel(String host);
}
