package io.p2pquic.rendezvous.turn;

import java.net.InetAddress;

/**
 * A permission (RFC 8656 section 9): the relay accepts traffic from and sends traffic to {@code peer}'s IP
 * (any port) until it expires. Installed by CreatePermission and ChannelBind, refreshed by repeating them.
 */
final class Permission {
  final InetAddress peer;
  long expiresAtMillis;

  Permission(InetAddress peer, long expiresAtMillis) {
    this.peer = peer;
    this.expiresAtMillis = expiresAtMillis;
  }

  boolean activeAt(long nowMillis) {
    return expiresAtMillis > nowMillis;
  }
}
