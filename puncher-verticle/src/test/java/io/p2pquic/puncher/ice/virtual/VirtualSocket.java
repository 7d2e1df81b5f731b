package io.p2pquic.puncher.ice.virtual;

import java.net.InetSocketAddress;

/**
 * Something bound on a {@link VirtualNetwork} that datagrams are delivered to: a {@link VirtualUdpEndpoint}
 * or a {@link VirtualDatagramChannel}.
 */
interface VirtualSocket {

  InetSocketAddress localAddress();

  /** A datagram from {@code from}; called on the network's context, {@code data} is this socket's own copy. */
  void deliver(byte[] data, InetSocketAddress from);
}
