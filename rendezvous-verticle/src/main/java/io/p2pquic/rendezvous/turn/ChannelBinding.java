package io.p2pquic.rendezvous.turn;

import java.net.InetSocketAddress;

/**
 * A channel binding (RFC 8656 section 12): channel number 0x4000-0x4FFF bound to one peer transport
 * address for ChannelData, until it expires (10 minutes unless refreshed by another ChannelBind).
 */
final class ChannelBinding {
  final int number;
  final InetSocketAddress peer;
  long expiresAtMillis;

  ChannelBinding(int number, InetSocketAddress peer, long expiresAtMillis) {
    this.number = number;
    this.peer = peer;
    this.expiresAtMillis = expiresAtMillis;
  }

  boolean activeAt(long nowMillis) {
    return expiresAtMillis > nowMillis;
  }
}
