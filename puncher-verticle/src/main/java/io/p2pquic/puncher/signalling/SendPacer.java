package io.p2pquic.puncher.signalling;

import io.p2pquic.api.net.TokenBucket;
import io.vertx.core.Context;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a signalling client under the rate its rendezvous allows each connection (the registration's
 * {@code limits.ratePerSecond} and {@code rateBurst}; docs/signalling.md, "Limits"). The rendezvous drops a
 * frame over its limit with {@code rate-limited}, and a dropped answer or candidate costs a session its whole
 * connect timeout; a peer that opens sessions to many peers at once (a server peer, a test) reaches the limit
 * quickly. Frames over the rate wait here instead, in order, and leave as the bucket refills: a drop becomes a
 * delay of a few tens of milliseconds. The bucket runs a little slower and smaller than the server's, so frames
 * that bunch up on the way still fit.
 *
 * <p>Two kinds of frames: those a session or the connection waits on (offer, answer, candidates, lookups,
 * the heartbeat's ping) and telemetry nobody waits on ({@code session-report}). Telemetry leaves only when no
 * other frame waits, and at most {@link #MAX_DEFERRED} of it wait (more is refused: the reports are optional).
 * Without that, a peer running quic-native sessions (whose signalling goes over QUIC, not this connection) at
 * a few a second filled the queue with reports, and the next offer waited behind them past its 10 s timeout.
 *
 * <p>Confined to one context: frames submitted from elsewhere hop onto it first, so frames of one kind leave
 * in the order they were submitted on it. At most {@code maxWaiting} frames a session waits on wait.
 */
final class SendPacer {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SendPacer.class);
  /** The share of the server's rate we use: arrival jitter then finds the server's bucket never empty. */
  static final double RATE_SHARE = 0.9;
  /** Tokens of the server's burst we leave unused: the registration's own frames, frames bunched in flight. */
  static final int BURST_RESERVE = 4;

  private final Context context;
  private final int maxWaiting;
  /** Telemetry that may wait, at most. */
  static final int MAX_DEFERRED = 32;

  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
  /** Null until the rendezvous said its limits (or when it has none): frames leave at once. */
  private TokenBucket bucket;
  private final Runnable onPaced;
  private long timer = -1;

  /** @param onPaced told of each frame that has to wait for a token */
  SendPacer(Context context, int maxWaiting, Runnable onPaced) {
    this.context = context;
    this.maxWaiting = maxWaiting;
    this.onPaced = onPaced;
  }

  /**
   * The limits of a (new) registration; a rate or burst of 0 or less means none. The bucket starts full, as
   * the server's does for a new connection.
   */
  void limits(double ratePerSecond, int burst) {
    onContext(() -> {
      bucket = ratePerSecond > 0 && burst > 0
          ? new TokenBucket(ratePerSecond * RATE_SHARE, Math.max(1, burst - BURST_RESERVE)) : null;
      drain();
    });
  }

  /**
   * Runs {@code write} (on the pacer's context) now or once the rate allows; runs {@code refused} instead when
   * {@code maxWaiting} frames already wait.
   */
  void submit(Runnable write, Runnable refused) {
    submit(write, refused, false);
  }

  /** As {@link #submit(Runnable, Runnable)}; a {@code deferrable} frame (telemetry) yields to every other. */
  void submit(Runnable write, Runnable refused, boolean deferrable) {
    onContext(() -> {
      if (waiting.isEmpty() && (!deferrable || deferred.isEmpty()) && (bucket == null || bucket.tryTake())) {
        run(write);
        return;
      }
      ArrayDeque<Runnable> queue = deferrable ? deferred : waiting;
      if (queue.size() >= (deferrable ? MAX_DEFERRED : maxWaiting)) {
        refused.run();
        return;
      }
      queue.add(write);
      onPaced.run();
      drain();
    });
  }

  /** The connection ended: frames still waiting are dropped (their requests fail with it). */
  void clear() {
    onContext(() -> {
      waiting.clear();
      deferred.clear();
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
        timer = -1;
      }
    });
  }

  private void drain() {
    while (!(waiting.isEmpty() && deferred.isEmpty()) && (bucket == null || bucket.tryTake())) {
      run(waiting.isEmpty() ? deferred.poll() : waiting.poll());
    }
    if (!(waiting.isEmpty() && deferred.isEmpty()) && timer < 0) {
      long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(bucket.nanosUntilToken()) + 1);
      timer = context.owner().setTimer(millis, id -> {
        timer = -1;
        drain();
      });
    }
  }

  /** A write that throws must not stop the frames behind it (nor leave the timer unset). */
  private static void run(Runnable write) {
    try {
      write.run();
    } catch (RuntimeException e) {
      LOG.warn("signalling: a paced frame could not be written: {}", e.toString());
    }
  }

  private void onContext(Runnable r) {
    if (io.vertx.core.Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }
}
