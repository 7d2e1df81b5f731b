package io.p2pquic.puncher.turn;

import io.p2pquic.api.net.SocketAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A permission on an allocation (RFC 8656 section 9): the server relays from and to this peer IP (any
 * port) for 300 s after it was installed or last refreshed. The client refreshes it while the peer is in
 * use ({@link TurnClientOptions#permissionRefreshMillis()}); an idle one is let lapse and installed again
 * on the next send.
 */
public final class RelayPermission {
  /** Server-side lifetime (RFC 8656 section 9). */
  public static final Duration LIFETIME = Duration.ofSeconds(300);
  /** Considered gone this long before the server would drop it, so no packet is sent into a gap. */
  static final long MARGIN_NANOS = Duration.ofSeconds(15).toNanos();
  /** After a refused request, sends wait this long before asking again (no request per packet). */
  static final long RETRY_AFTER_FAILURE_NANOS = Duration.ofSeconds(5).toNanos();

  private final InetAddress peer;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final Promise<Void> ready = Promise.promise();
  private volatile long installedNanos = Long.MIN_VALUE;
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile long failedNanos = Long.MIN_VALUE;

  RelayPermission(InetAddress peer) {
    this.peer = peer;
  }

  public InetAddress peer() {
    return peer;
  }

  /** Installed and not about to lapse. */
  public boolean usable() {
    long at = installedNanos;
    return at != Long.MIN_VALUE && System.nanoTime() - at < LIFETIME.toNanos() - MARGIN_NANOS;
  }

  /** Completes when the first CreatePermission (or ChannelBind) for this peer succeeded. */
  public Future<Void> ready() {
    return ready.future();
  }

  /** True for the one caller that must send the first CreatePermission. */
  boolean claimFirstRequest() {
    return requested.compareAndSet(false, true);
  }

  void installed() {
    installedNanos = System.nanoTime();
    ready.tryComplete();
  }

  void failed(Throwable cause) {
    if (ready.tryFail(cause)) {
      failedNanos = System.nanoTime();
    }
  }

  /** Never installed, and the request failed long enough ago to ask again. */
  boolean retryable() {
    long at = failedNanos;
    return at != Long.MIN_VALUE && installedNanos == Long.MIN_VALUE && System.nanoTime() - at > RETRY_AFTER_FAILURE_NANOS;
  }

  void touch() {
    lastUsedNanos = System.nanoTime();
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  long installedNanos() {
    return installedNanos;
  }

  @Override
  public String toString() {
    return "permission " + SocketAddresses.formatIp(peer) + (usable() ? " (installed)" : " (not installed)");
  }
}
