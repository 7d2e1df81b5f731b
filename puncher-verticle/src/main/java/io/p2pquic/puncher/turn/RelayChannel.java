package io.p2pquic.puncher.turn;

import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A channel binding (RFC 8656 section 12): data to and from {@link #peer()} travels as ChannelData with
 * this {@link #number()} (a 4-byte header instead of a 36-byte Send/Data indication). The binding lasts
 * 600 s at the server; the client refreshes it while the peer is in use ({@link
 * TurnClientOptions#channelRefreshMillis()}). The number stays with the peer for the whole allocation
 * (the server refuses to bind a peer to a second number, and a number to a second peer), so a lapsed
 * binding is renewed with the same number on the next send.
 */
public final class RelayChannel {
  /** Server-side lifetime (RFC 8656 section 12). */
  public static final Duration LIFETIME = Duration.ofSeconds(600);

  private final int number;
  private final InetSocketAddress peer;
  private volatile Promise<RelayChannel> binding;
  private volatile long boundNanos = Long.MIN_VALUE;
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile long failedNanos = Long.MIN_VALUE;

  RelayChannel(int number, InetSocketAddress peer) {
    this.number = number;
    this.peer = peer;
  }

  public int number() {
    return number;
  }

  public InetSocketAddress peer() {
    return peer;
  }

  /** Bound and not about to lapse: ChannelData may be sent. */
  public boolean usable() {
    long at = boundNanos;
    return at != Long.MIN_VALUE && System.nanoTime() - at < LIFETIME.toNanos() - RelayPermission.MARGIN_NANOS;
  }

  /** The binding in progress, or null when none is. */
  Promise<RelayChannel> binding() {
    return binding;
  }

  /** Starts a binding round unless one is in progress; returns the promise to complete, or null if one was. */
  synchronized Promise<RelayChannel> startBinding() {
    if (binding != null) {
      return null;
    }
    binding = Promise.promise();
    return binding;
  }

  /** The binding in progress, this channel if bound, else a failure. */
  public synchronized Future<RelayChannel> ready() {
    if (binding != null) {
      return binding.future();
    }
    return usable() ? Future.succeededFuture(this) : Future.failedFuture(new IllegalStateException(this + " is not bound"));
  }

  synchronized void bound() {
    boundNanos = System.nanoTime();
    Promise<RelayChannel> p = binding;
    binding = null;
    if (p != null) {
      p.tryComplete(this);
    }
  }

  /** A binding failed in the last few seconds: automatic binding waits (no request per packet). */
  boolean recentlyFailed() {
    long at = failedNanos;
    return at != Long.MIN_VALUE && System.nanoTime() - at < RelayPermission.RETRY_AFTER_FAILURE_NANOS;
  }

  synchronized void bindFailed(Throwable cause) {
    failedNanos = System.nanoTime();
    Promise<RelayChannel> p = binding;
    binding = null;
    if (p != null) {
      p.tryFail(cause);
    }
  }

  void touch() {
    lastUsedNanos = System.nanoTime();
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  long boundNanos() {
    return boundNanos;
  }

  @Override
  public String toString() {
    return String.format("channel 0x%04x -> %s%s", number, SocketAddresses.format(peer), usable() ? " (bound)" : "");
  }
}
