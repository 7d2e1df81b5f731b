package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.session.ConnectFailedException;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The core every {@link PunchSession} shares, whatever its method: who it connects (session id, peers,
 * side), its result, the phase timings that go into its {@link SessionDescription}, timeline marks and
 * how a failure ends it. Each method adds how it connects and what it releases on failure.
 */
public abstract class AbstractPunchSession implements PunchSession {
  protected final SessionContext ctx;
  protected final Vertx vertx;
  protected final SignallingClient signalling;
  protected final MeterRegistry metrics;
  protected final String sessionId;
  protected final PeerId localPeer;
  protected final PeerId remotePeer;
  protected final boolean dialer;
  private final Promise<JsonObject> result = Promise.promise();
  private final JsonObject timings = new JsonObject();
  private final long startNanos = System.nanoTime();

  protected AbstractPunchSession(SessionContext ctx, String sessionId, PeerId remotePeer, boolean dialer) {
    this.ctx = ctx;
    this.vertx = ctx.vertx();
    this.signalling = ctx.signalling();
    this.metrics = ctx.metrics();
    this.sessionId = sessionId;
    this.localPeer = ctx.localPeer();
    this.remotePeer = remotePeer;
    this.dialer = dialer;
  }

  @Override
  public final String sessionId() {
    return sessionId;
  }

  @Override
  public final PeerId remotePeer() {
    return remotePeer;
  }

  @Override
  public final boolean dialer() {
    return dialer;
  }

  @Override
  public final Future<JsonObject> result() {
    return result.future();
  }

  /** Completes the session with its description; false when it was already over. */
  protected final boolean complete(SessionDescription description) {
    return result.tryComplete(description.toJson());
  }

  /**
   * Ends the session with {@code reason} and marks why; false when it was already over. Each method's
   * {@link #fail} calls this, then releases what it holds.
   */
  protected final boolean tryFail(ConnectFailure reason, String detail) {
    if (!result.tryFail(new ConnectFailedException(reason, detail))) {
      return false;
    }
    mark("failed", reason.label() + ": " + detail);
    return true;
  }

  /** The peer's {@code bye} ends the session, with the reason it gave. */
  protected final void peerEnded(SessionSignal.Bye bye) {
    fail(PunchSession.byeReason(bye), "the peer ended the session: " + (bye.reason() != null ? bye.reason()
        : "no reason given"));
  }

  /** Milliseconds since the session started, to a tenth. */
  protected final double elapsed() {
    return Math.round((System.nanoTime() - startNanos) / 1e5) / 10.0;
  }

  /** Records that a phase ended now: {@code phase} (e.g. "gatheredMs") is {@link #elapsed()}. */
  protected final void phaseDone(String phase) {
    timings.put(phase, elapsed());
  }

  /** The phase timings so far, for the session description. */
  protected final JsonObject timings() {
    return timings;
  }

  /** A timeline entry under this peer's name. */
  protected final void mark(String event, String detail) {
    ctx.mark(event, detail);
  }
}
