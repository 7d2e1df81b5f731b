package io.p2pquic.rendezvous.stun;

import io.p2pquic.rendezvous.turn.AllocationKey;
import io.p2pquic.rendezvous.turn.ClientTransport;

/**
 * What the STUN server's client transports (UDP and TCP) have in common: each is made for one client, so
 * it carries that client's allocation key; only the way a message goes back differs.
 */
abstract class KeyedClientTransport implements ClientTransport {
  private final AllocationKey key;

  KeyedClientTransport(AllocationKey key) {
    this.key = key;
  }

  @Override
  public final AllocationKey key() {
    return key;
  }
}
