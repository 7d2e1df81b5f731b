package io.p2pquic.puncher.transport;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;

/**
 * A bound UDP socket that several protocol layers share (shared/DESIGN.md, "one socket, many
 * protocols"): STUN transactions, ICE checks and, on a session socket, QUIC. Inbound STUN
 * (RFC 7983: first byte 0-3 and the magic cookie) goes to the {@link #stunHandler}; what happens to
 * the rest depends on the implementation ({@link NettyUdpEndpoint} hands QUIC to its pipeline).
 * Handlers run on the Vert.x context that created the endpoint.
 */
public interface UdpEndpoint {
  InetSocketAddress localAddress();

  Future<Void> send(Buffer data, InetSocketAddress to);

  /** Receives every inbound STUN datagram. */
  UdpEndpoint stunHandler(Handler<Datagram> handler);

  Future<Void> close();
}
