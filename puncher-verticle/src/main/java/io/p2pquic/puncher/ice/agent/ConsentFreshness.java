package io.p2pquic.puncher.ice.agent;

import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consent freshness (RFC 7675) and keepalives (RFC 8445 section 11) on the selected pair.
 *
 * <ul>
 *   <li>A consent request (an authenticated Binding request, as a check but without USE-CANDIDATE)
 *       every {@code consentIntervalMillis} times a random factor in [0.8, 1.2] (RFC 7675 5.1).
 *   <li>Only an authenticated success response from the pair's remote address refreshes consent.
 *       {@code disconnectedTimeoutMillis} without one: disconnected (restored by the next response);
 *       {@code consentTimeoutMillis} without one: consent lost, the agent must stop sending.
 *   <li>A Binding indication when nothing was sent on the pair for {@code keepaliveIntervalMillis}
 *       (Tr; consent requests count as traffic, so with the defaults keepalives rarely go out).
 * </ul>
 *
 * Runs on the agent's context; the agent owns the sending.
 */
final class ConsentFreshness {
  interface Callbacks {
    void sendConsentRequest(CandidatePair pair);

    void sendKeepalive(CandidatePair pair);

    void disconnected(CandidatePair pair, long silentMillis);

    void restored(CandidatePair pair);

    void lost(CandidatePair pair, long silentMillis);
  }

  private final ContextInternal context;
  private final IceAgentOptions options;
  private final Callbacks callbacks;
  private CandidatePair pair;
  private long lastFreshNanos;
  private boolean disconnected;
  private long requestTimer = -1;
  private long keepaliveTimer = -1;
  private long watchdogTimer = -1;

  ConsentFreshness(ContextInternal context, IceAgentOptions options, Callbacks callbacks) {
    this.context = context;
    this.options = options;
    this.callbacks = callbacks;
  }

  /** Starts (or moves) consent and keepalives to {@code p}; consent counts as fresh now (it was just checked). */
  void start(CandidatePair p) {
    stop();
    pair = p;
    lastFreshNanos = System.nanoTime();
    disconnected = false;
    scheduleRequest();
    scheduleKeepalive(options.keepaliveIntervalMillis());
    long period = Math.max(5, Math.min(options.disconnectedTimeoutMillis(), options.consentTimeoutMillis()) / 10);
    watchdogTimer = context.setPeriodic(period, id -> watchdog());
  }

  CandidatePair pair() {
    return pair;
  }

  boolean running() {
    return pair != null;
  }

  /** Milliseconds since the last authenticated consent response (or since start). */
  long silentMillis() {
    return (System.nanoTime() - lastFreshNanos) / 1_000_000;
  }

  /** An authenticated, symmetric success response to a request on {@code p} arrived. */
  void fresh(CandidatePair p) {
    if (p != pair) {
      return;
    }
    lastFreshNanos = System.nanoTime();
    if (disconnected) {
      disconnected = false;
      callbacks.restored(p);
    }
  }

  void stop() {
    cancel(requestTimer);
    cancel(keepaliveTimer);
    cancel(watchdogTimer);
    requestTimer = keepaliveTimer = watchdogTimer = -1;
    pair = null;
  }

  private void scheduleRequest() {
    double factor = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    long delay = Math.max(1, Math.round(options.consentIntervalMillis() * factor));
    CandidatePair p = pair;
    requestTimer = context.setTimer(delay, id -> {
      if (pair == p) {
        callbacks.sendConsentRequest(p);
        scheduleRequest();
      }
    });
  }

  private void scheduleKeepalive(long delay) {
    CandidatePair p = pair;
    keepaliveTimer = context.setTimer(Math.max(1, delay), id -> {
      if (pair != p) {
        return;
      }
      long interval = options.keepaliveIntervalMillis();
      long idle = (System.nanoTime() - p.lastSentNanos) / 1_000_000;
      if (idle >= interval) {
        callbacks.sendKeepalive(p);
        scheduleKeepalive(interval);
      } else {
        scheduleKeepalive(interval - idle);
      }
    });
  }

  private void watchdog() {
    if (pair == null) {
      return;
    }
    long silent = silentMillis();
    if (silent >= options.consentTimeoutMillis()) {
      CandidatePair p = pair;
      stop();
      callbacks.lost(p, silent);
    } else if (!disconnected && silent >= options.disconnectedTimeoutMillis()) {
      disconnected = true;
      callbacks.disconnected(pair, silent);
    }
  }

  private void cancel(long timer) {
    if (timer >= 0) {
      context.owner().cancelTimer(timer);
    }
  }
}
