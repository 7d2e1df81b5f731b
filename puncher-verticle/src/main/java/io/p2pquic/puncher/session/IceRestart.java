package io.p2pquic.puncher.session;

import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.ice.CandidateGatherer;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.p2pquic.puncher.ice.agent.IceRole;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * ICE restart of a running session (RFC 8445 section 9), driven by the dialer: new credentials for both
 * agents, the candidates paired again, checks and nomination as at the start. The current path carries
 * QUIC until the new selection, then the path layer moves the connection to it; streams do not notice.
 *
 * <p>The same NAT event that broke the path often broke a signalling connection too (ours or the
 * peer's), so the offer is sent again every {@link SessionOptions#restartResendMillis()} until answered
 * (for {@link SessionOptions#restartDeliveryMillis()}); the listener answers a repeated offer again
 * without restarting twice. Both sides ask STUN again first: a rebound NAT gives a new public address.
 */
final class IceRestart {
  private final SessionContext ctx;
  private final IceSession session;
  private final SessionRelays relays;
  /** Dialer: the restart in progress, null otherwise. */
  private Promise<CandidatePair> restarting;
  private boolean answered;
  /** Listener: the dialer's ufrag of the restart we answered, and our answer (sent again on a repeated offer). */
  private String answeredUfrag;
  private SessionSignal.RestartAnswer answer;

  IceRestart(SessionContext ctx, IceSession session, SessionRelays relays) {
    this.ctx = ctx;
    this.session = session;
    this.relays = relays;
  }

  boolean inProgress() {
    return restarting != null;
  }

  /** Dialer: restarts ICE; completes with the newly selected pair. */
  Future<CandidatePair> restart(String why) {
    if (session.role() != IceRole.CONTROLLING) {
      return Future.failedFuture("only the dialer (the side that asked for the session) restarts ICE; ask the peer to");
    }
    if (!session.isUp()) {
      return Future.failedFuture("the session is not up");
    }
    if (restarting != null) {
      return restarting.future();
    }
    restarting = Promise.promise();
    answered = false;
    Promise<CandidatePair> done = restarting;
    ctx.mark("ice restart", why);
    ctx.metrics().counter("p2p.session.ice-restarts", "side", "dialer").increment();
    refreshReflexive().onComplete(x -> {
      if (restarting != done || session.isClosed()) {
        return;
      }
      session.agent().restart(session.renewCredentials()).onComplete(ar -> finish(done, ar.succeeded() ? ar.result() : null,
          ar.failed() ? ar.cause().getMessage() : null));
      offer(done, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.options().restartDeliveryMillis()), null);
    });
    return done.future();
  }

  private void offer(Promise<CandidatePair> done, long deadlineNanos, String lastError) {
    if (restarting != done || done.future().isComplete() || session.isClosed() || answered) {
      return;
    }
    if (System.nanoTime() > deadlineNanos) {
      finish(done, null, "the peer did not answer the restart within " + ctx.options().restartDeliveryMillis() / 1000
          + " s" + (lastError != null ? " (last delivery error: " + lastError + ")" : ""));
      return;
    }
    List<String> dead = relays.silent().stream().map(SocketAddresses::formatIp).toList();
    ctx.signalling().send(session.remotePeer(), new SessionSignal.Restart(session.sessionId(), session.localDescription().wire(),
            dead))
        .onComplete(ar -> {
          if (ar.failed()) {
            ctx.mark("restart not delivered", ar.cause().getMessage() + "; trying again");
          }
          ctx.vertx().setTimer(ar.failed() ? Math.min(1_000, ctx.options().restartResendMillis()) : ctx.options().restartResendMillis(),
              t -> offer(done, deadlineNanos, ar.failed() ? ar.cause().getMessage() : lastError));
        });
  }

  /** Dialer: the peer's answer (a repeated answer to a repeated offer is ignored). */
  void onAnswer(PeerDescription d) {
    if (restarting == null || answered) {
      return;
    }
    answered = true;
    session.applyDescription(d);
  }

  /** Listener: the dialer restarts, naming the relays it found silent. */
  void onOffer(PeerDescription d, Set<InetAddress> dead) {
    if (session.role() == IceRole.CONTROLLING) {
      return; // the dialer drives restarts; a peer's restart would race ours
    }
    if (d.credentials().ufrag().equals(answeredUfrag)) {
      // The dialer sent it again (our answer may have been lost with a signalling connection): answer again.
      if (answer != null) {
        ctx.signalling().send(session.remotePeer(), answer)
            .onFailure(err -> ctx.mark("restart answer failed", err.getMessage()));
      }
      return;
    }
    answeredUfrag = d.credentials().ufrag();
    answer = null;
    ctx.mark("ice restart", "asked by the peer" + (dead.isEmpty() ? "" : "; relays gone silent: " + dead));
    ctx.metrics().counter("p2p.session.ice-restarts", "side", "listener").increment();
    refreshReflexive().onComplete(x -> {
      if (!session.isClosed() && d.credentials().ufrag().equals(answeredUfrag)) {
        answer(d, dead);
      }
    });
  }

  private void answer(PeerDescription d, Set<InetAddress> dead) {
    session.agent().restart(session.renewCredentials()).onComplete(ar -> ctx.mark(
        ar.succeeded() ? "ice restart done" : "ice restart failed",
        ar.succeeded() ? ar.result().describe() : ar.cause().getMessage()));
    session.applyDescription(d);
    // A relay the dialer found silent is likely ours too (one grant for both): replace it; the new
    // relayed candidate trickles after this answer, then end-of-candidates.
    Future<Void> replaced = relays.replaceAt(dead);
    boolean complete = replaced.isComplete();
    PeerDescription mine = session.localDescription();
    answer = new SessionSignal.RestartAnswer(session.sessionId(),
        new PeerDescription(mine.credentials(), mine.candidates(), complete).wire());
    ctx.signalling().send(session.remotePeer(), answer)
        .onFailure(err -> ctx.mark("restart answer failed", err.getMessage()));
    if (!complete) {
      replaced.onComplete(ar -> ctx.signalling().send(session.remotePeer(), new SessionSignal.EndOfCandidates(session.sessionId())));
    }
  }

  private void finish(Promise<CandidatePair> done, CandidatePair pair, String failure) {
    if (restarting == done) {
      restarting = null;
    }
    if (pair != null) {
      session.steering().moveTo(pair, "ICE restart selected this pair");
      ctx.mark("ice restart done", pair.describe());
      done.tryComplete(pair);
    } else if (done.tryFail(failure)) {
      ctx.mark("ice restart failed", failure);
    }
  }

  /**
   * Asks the STUN server(s) again from the session socket; server-reflexive candidates with a new address
   * join the agent (and the restart description). Bounded by {@link SessionOptions#reflexiveRefreshMillis()};
   * a failure leaves the candidates as they were.
   */
  private Future<Void> refreshReflexive() {
    GatheringOptions gathering = session.gathering();
    if (gathering.stunServers().isEmpty()) {
      return Future.succeededFuture();
    }
    Set<InetSocketAddress> known = new HashSet<>();
    session.agent().localCandidates().forEach(c -> known.add(c.address()));
    return new CandidateGatherer(ctx.vertx(), new GatheringOptions(gathering.toJson()).setTurnServers(List.of())
            .setGatheringTimeoutMillis(ctx.options().reflexiveRefreshMillis()), ctx.metrics())
        .gather(List.of(session.stunClient()), c -> {
          if (c.type() == CandidateType.SERVER_REFLEXIVE && known.add(c.address()) && !session.isClosed()) {
            session.agent().addLocalCandidate(c, session.stunClient());
            ctx.mark("candidate", c.toSdp() + " (public address changed)");
          }
        })
        .<Void>mapEmpty()
        .recover(err -> Future.succeededFuture());
  }
}
