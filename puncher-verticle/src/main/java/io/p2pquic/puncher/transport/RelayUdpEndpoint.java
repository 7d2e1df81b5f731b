package io.p2pquic.puncher.transport;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;

/**
 * A TURN allocation seen as a UDP socket bound to its relayed address, so that a STUN client and the
 * ICE agent can run checks "from the relayed candidate" with the code they use for host sockets:
 * {@link #send} wraps through the relay, and the owner of the real socket hands every STUN datagram
 * that arrived through this relay ({@link Datagram#relayedAddress()} equal to ours) to {@link #deliver}.
 * Closing it does not end the allocation; its owner does that.
 */
public final class RelayUdpEndpoint implements UdpEndpoint {
  private final RelayTransport relay;
  private volatile Handler<Datagram> stunHandler = d -> {};

  public RelayUdpEndpoint(RelayTransport relay) {
    this.relay = relay;
  }

  public RelayTransport relay() {
    return relay;
  }

  @Override
  public InetSocketAddress localAddress() {
    return relay.relayedAddress();
  }

  @Override
  public Future<Void> send(Buffer data, InetSocketAddress to) {
    return relay.send(data, to);
  }

  @Override
  public UdpEndpoint stunHandler(Handler<Datagram> handler) {
    this.stunHandler = handler == null ? d -> {} : handler;
    return this;
  }

  /** A STUN datagram the relay unwrapped on the real socket. */
  public void deliver(Datagram datagram) {
    stunHandler.handle(datagram);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
