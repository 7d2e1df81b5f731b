package io.p2pquic.puncher.transport;

import io.vertx.core.Handler;

/**
 * What the real sockets ({@link NettyUdpEndpoint}, {@link VertxUdpEndpoint}) share around their
 * demultiplexing: the registry of relays whose datagrams are unwrapped first, and the handler inbound
 * STUN is delivered to. Only how datagrams arrive and leave differs between them.
 */
abstract class DemultiplexingUdpEndpoint implements UdpEndpoint {
  /** The relays registered on this socket; the demultiplexer reads it for every inbound datagram. */
  protected final Relays relays;
  private volatile Handler<Datagram> stunHandler = d -> {};

  DemultiplexingUdpEndpoint(Relays relays) {
    this.relays = relays;
  }

  /** Hands an inbound STUN datagram (direct or unwrapped from a relay) to the current handler. */
  protected final void deliverStun(Datagram datagram) {
    stunHandler.handle(datagram);
  }

  @Override
  public final UdpEndpoint stunHandler(Handler<Datagram> handler) {
    this.stunHandler = handler;
    return this;
  }

  @Override
  public final void addRelay(RelayTransport relay) {
    relays.add(relay);
  }

  @Override
  public final void removeRelay(RelayTransport relay) {
    relays.remove(relay);
  }
}
