package io.p2pquic.api.net;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code burst} tokens, refilled at {@code ratePerSecond}. The rendezvous limits what each
 * connection and source may send with it; a signalling client paces itself with one of the same shape, so
 * it stays under the limit instead of having frames dropped. Not thread-safe.
 */
public final class TokenBucket {

  private final double ratePerNano;
  private final double capacity;
  private final LongSupplier nanoClock;
  private double tokens;
  private long last;

  public TokenBucket(double ratePerSecond, int burst) {
    this(ratePerSecond, burst, System::nanoTime);
  }

  /** As {@link #TokenBucket(double, int)} on another clock (tests). */
  public TokenBucket(double ratePerSecond, int burst, LongSupplier nanoClock) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.capacity = burst;
    this.nanoClock = nanoClock;
    this.tokens = burst;
    this.last = nanoClock.getAsLong();
  }

  /** Takes one token if there is one. */
  public boolean tryTake() {
    refill();
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Nanoseconds until a token is there: 0 when one is now. */
  public long nanosUntilToken() {
    refill();
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / ratePerNano);
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) * ratePerNano);
    last = now;
  }
}
