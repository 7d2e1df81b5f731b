package io.p2pquic.puncher.transport;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** What a {@link RelayTransport} made of one datagram from its server. */
public sealed interface RelayInbound {
  /** Not relayed data (a STUN response to a TURN transaction, say): classify it as usual. */
  RelayInbound PASS = new Pass();

  /**
   * Relayed data from {@code peer}; the demultiplexer delivers {@code payload} as if the peer had sent it
   * and releases it.
   */
  record Data(ByteBuf payload, InetSocketAddress peer) implements RelayInbound {}

  /** From the relay but unusable (unknown channel, malformed): the relay counted it; drop it. */
  record Drop(String reason) implements RelayInbound {}

  /** See {@link #PASS}. */
  record Pass() implements RelayInbound {}
}
