package io.p2pquic.puncher;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateGatherer;
import io.p2pquic.puncher.ice.GatheringResult;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.puncher.stun.StunClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer: its identity, its UDP socket(s) with host and server-reflexive candidates, and its
 * registration with the rendezvous. It answers offers with its own description and can send offers.
 * (The ICE agent and the QUIC handover build on this in the next steps.)
 *
 * <p>Everything it does is marked on the {@link Timeline} it is given under its {@code name}.
 */
public final class PuncherVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PuncherVerticle.class);

  private final PeerConfig config;
  private final MeterRegistry metrics;
  private final Timeline timeline;
  private final String name;
  private PeerIdentity identity;
  private final IceCredentials credentials = IceCredentials.random();
  private final Map<PeerId, Promise<PeerDescription>> pendingAnswers = new HashMap<>();
  private final Map<PeerId, PeerDescription> remoteDescriptions = new HashMap<>();
  private List<StunClient> sockets = List.of();
  private Future<GatheringResult> gathering;
  private SignallingClient signalling;
  private Registration registration;

  /**
   * @param identity the peer's key pair, or null to load (or create) {@link PeerConfig#identity()}
   */
  public PuncherVerticle(PeerConfig config, PeerIdentity identity, MeterRegistry metrics, Timeline timeline, String name) {
    this.config = config;
    this.identity = identity;
    this.metrics = metrics;
    this.timeline = timeline;
    this.name = name;
  }

  @Override
  public Future<?> start() {
    Future<PeerIdentity> id = identity != null
        ? Future.succeededFuture(identity)
        : vertx.executeBlocking(() -> PeerIdentity.loadOrCreate(Path.of(config.identity())));
    CandidateGatherer gatherer = new CandidateGatherer(vertx, config.gathering(), metrics);
    return id.compose(loaded -> {
          identity = loaded;
          timeline.mark(name, "identity", identity.peerId().value());
          return gatherer.openSockets();
        })
        .compose(opened -> {
          sockets = opened;
          List<Candidate> found = new ArrayList<>();
          gathering = gatherer.gather(opened, c -> {
            found.add(c);
            timeline.mark(name, "candidate", c.toSdp());
          });
          gathering.onSuccess(this::markGatheringDone);
          signalling = new SignallingClient(vertx, config.rendezvous(), identity, metrics)
              .messageHandler(this::onSignal)
              .closeHandler(reason -> {
                if (!"client".equals(reason)) { // our own close at shutdown is not news
                  timeline.mark(name, "signalling closed", reason);
                }
              });
          return signalling.connect();
        })
        .onSuccess(reg -> {
          registration = reg;
          timeline.mark(name, "registered", "observed " + reg.observedAddress() + " via " + config.rendezvous());
        });
  }

  private void markGatheringDone(GatheringResult r) {
    for (GatheringResult.StunBinding b : r.stun()) {
      if (b.outcome() == GatheringResult.StunBinding.Outcome.REDUNDANT) {
        timeline.mark(name, "srflx = host", "STUN " + SocketAddresses.format(b.server()) + " sees "
            + SocketAddresses.format(b.mapped())
            + ": no NAT on this path, redundant candidate pruned (RFC 8445 5.1.3)");
      } else if (b.outcome() != GatheringResult.StunBinding.Outcome.MAPPED) {
        timeline.mark(name, "stun " + b.outcome().name().toLowerCase(), SocketAddresses.format(b.server()) + (b.detail() != null ? " " + b.detail() : ""));
      }
    }
    timeline.mark(name, "gathering done", r.candidates().size() + " candidates in " + r.durationMillis() + " ms"
        + (r.timedOut() ? " (timed out waiting for STUN)" : ""));
  }

  @Override
  public Future<?> stop() {
    pendingAnswers.values().forEach(p -> p.tryFail("peer stopped"));
    List<Future<?>> closing = new ArrayList<>();
    if (signalling != null) {
      closing.add(signalling.close());
    }
    sockets.forEach(s -> closing.add(s.endpoint().close()));
    return Future.join(closing);
  }

  public PeerId peerId() {
    return identity.peerId();
  }

  public Registration registration() {
    return registration;
  }

  /** This peer's credentials and candidates once gathering has ended. */
  public Future<PeerDescription> localDescription() {
    return gathering.map(r -> new PeerDescription(credentials, r.candidates(), true));
  }

  /** What the remote peer described in its offer or answer, if one arrived. */
  public PeerDescription remoteDescription(PeerId peer) {
    return remoteDescriptions.get(peer);
  }

  /** Sends an offer to {@code target} and completes with its answer (or fails after the answer timeout). */
  public Future<PeerDescription> offer(PeerId target) {
    Promise<PeerDescription> answer = Promise.promise();
    pendingAnswers.put(target, answer);
    long timer = vertx.setTimer(config.answerTimeoutMs(), t -> answer.tryFail(
        "no answer from " + target + " within " + config.answerTimeoutMs() + " ms (is it online? p2p-node peer prints its id)"));
    localDescription()
        .compose(d -> {
          // Marked when sent, not when the rendezvous acks: the answer may arrive before the ack.
          timeline.mark(name, "offer sent", "to " + short12(target) + ", " + d.candidates().size() + " candidates");
          return signalling.send(target, "offer", d.toJson());
        })
        .onFailure(answer::tryFail);
    return answer.future().onComplete(x -> {
      vertx.cancelTimer(timer);
      pendingAnswers.remove(target);
    });
  }

  private void onSignal(SignallingMessage msg) {
    if (msg.isFromService()) {
      log.debug("{}: {} from service {} ignored", name, msg.type(), msg.from());
      return;
    }
    PeerId from = msg.fromPeer();
    PeerDescription remote;
    try {
      remote = PeerDescription.fromJson(msg.body());
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.puncher.bad-description", "type", msg.type()).increment();
      timeline.mark(name, "bad " + msg.type(), "from " + from + ": " + e.getMessage());
      return;
    }
    switch (msg.type()) {
      case "offer" -> {
        remoteDescriptions.put(from, remote);
        timeline.mark(name, "offer received", remote.candidates().size() + " candidates from " + short12(from));
        localDescription()
            .compose(d -> {
              timeline.mark(name, "answer sent", d.candidates().size() + " candidates");
              return signalling.send(from, "answer", d.toJson());
            })
            .onFailure(err -> timeline.mark(name, "answer failed", err.getMessage()));
      }
      case "answer" -> {
        Promise<PeerDescription> pending = pendingAnswers.get(from);
        if (pending == null) {
          timeline.mark(name, "unexpected answer", "from " + short12(from));
          return;
        }
        remoteDescriptions.put(from, remote);
        timeline.mark(name, "answer received", remote.candidates().size() + " candidates from " + short12(from));
        pending.tryComplete(remote);
      }
      default -> log.debug("{}: {} from {} not handled yet", name, msg.type(), from);
    }
  }

  private static String short12(PeerId id) {
    return id.value().substring(0, 12) + "…";
  }
}
