package io.p2pquic.puncher.transport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The relays registered on one socket, by server address (read on the event loop for every datagram). */
final class Relays {
  private final Map<InetSocketAddress, RelayTransport> byServer = new ConcurrentHashMap<>();
  final Counter inbound;
  final Counter dropped;

  Relays(MeterRegistry metrics) {
    this.inbound = metrics.counter("p2p.udp.inbound", "kind", "turn");
    this.dropped = metrics.counter("p2p.udp.dropped", "kind", "turn");
  }

  void add(RelayTransport relay) {
    byServer.put(relay.server(), relay);
  }

  void remove(RelayTransport relay) {
    byServer.remove(relay.server(), relay);
  }

  /** The registered relay whose relayed transport address is {@code relayed}, or null. */
  RelayTransport atRelayedAddress(InetSocketAddress relayed) {
    for (RelayTransport r : byServer.values()) {
      if (relayed.equals(r.relayedAddress())) {
        return r;
      }
    }
    return null;
  }

  /** The relay whose server sent this, or null (the common case: one map lookup, nothing registered). */
  RelayTransport from(InetSocketAddress sender) {
    return byServer.isEmpty() ? null : byServer.get(sender);
  }
}
