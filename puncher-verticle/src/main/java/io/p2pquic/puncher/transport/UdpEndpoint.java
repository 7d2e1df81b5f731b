package io.p2pquic.puncher.transport;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;

/**
 * A bound UDP socket that several protocol layers share (docs/ARCHITECTURE.md, "One socket, many
 * protocols"): STUN transactions, ICE checks, TURN and, on a session socket, QUIC. Inbound STUN
 * (RFC 7983: first byte 0-3 and the magic cookie) goes to the {@link #stunHandler}; what happens to
 * the rest depends on the implementation ({@link NettyUdpEndpoint} hands QUIC to its pipeline).
 * Datagrams from a registered relay's server are unwrapped first ({@link #addRelay}).
 * Handlers run on the Vert.x context that created the endpoint.
 */
public interface UdpEndpoint {
  InetSocketAddress localAddress();

  Future<Void> send(Buffer data, InetSocketAddress to);

  /** Receives every inbound STUN datagram, relayed ones included (with the peer as sender). */
  UdpEndpoint stunHandler(Handler<Datagram> handler);

  /**
   * Demultiplexing rule 1: datagrams from {@code relay.server()} go to {@link RelayTransport#unwrap}
   * before any other classification, and what it unwraps is delivered as if the peer had sent it. One
   * relay per server address; a second registration for the same server replaces the first.
   *
   * @throws UnsupportedOperationException when this kind of socket cannot carry relayed traffic
   */
  default void addRelay(RelayTransport relay) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot carry relayed (TURN) traffic");
  }

  /** Undoes {@link #addRelay} (only if {@code relay} is the one registered for its server). */
  default void removeRelay(RelayTransport relay) {}

  Future<Void> close();
}
