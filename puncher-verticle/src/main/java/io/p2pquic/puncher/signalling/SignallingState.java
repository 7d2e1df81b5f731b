package io.p2pquic.puncher.signalling;

import java.util.Locale;

/** Where a {@link SignallingClient} stands with its rendezvous. */
public enum SignallingState {
  /** First connection attempt under way. */
  CONNECTING,
  /** Registered: reachable for offers. */
  REGISTERED,
  /** Lost the connection (or never had one) and trying again with backoff. */
  RECONNECTING,
  /** The same peer id registered elsewhere; this client stopped for good. */
  REPLACED,
  /** Closed by its owner, or lost with reconnecting off. */
  CLOSED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
