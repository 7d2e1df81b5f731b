package io.p2pquic.rendezvous.turn;

import java.util.function.LongSupplier;

/**
 * Token bucket in bytes: refilled at {@code bytesPerSecond}, holding at most one second's worth (at
 * least 64 KiB so one large datagram always fits). Not thread-safe: one per allocation, used on its
 * event loop.
 */
final class BandwidthLimiter {
  private final double bytesPerNano;
  private final double capacity;
  private final LongSupplier nanoClock;
  private double tokens;
  private long last;

  BandwidthLimiter(long bytesPerSecond, LongSupplier nanoClock) {
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.capacity = Math.max(bytesPerSecond, 65_536);
    this.nanoClock = nanoClock;
    this.tokens = capacity;
    this.last = nanoClock.getAsLong();
  }

  /** Takes {@code bytes} tokens if there are that many; false means drop the packet. */
  boolean tryConsume(int bytes) {
    long now = nanoClock.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) * bytesPerNano);
    last = now;
    if (tokens >= bytes) {
      tokens -= bytes;
      return true;
    }
    return false;
  }
}
