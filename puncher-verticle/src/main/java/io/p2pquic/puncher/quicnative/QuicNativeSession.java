package io.p2pquic.puncher.quicnative;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.api.session.PunchedPath;
import io.p2pquic.api.session.PunchedPaths;
import io.p2pquic.puncher.session.AbstractPunchSession;
import io.p2pquic.puncher.session.ConnectMethod;
import io.p2pquic.puncher.session.PunchSession;
import io.p2pquic.puncher.session.SessionContext;
import io.p2pquic.puncher.session.SessionDescription;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateType;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.path.PathLayer;
import io.p2pquic.puncher.path.PeerPath;
import io.p2pquic.api.signalling.session.IceDescription;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One session of method quic-native (method 2 of draft-seemann-quic-nat-traversal): the session socket
 * reaches the rendezvous over QUIC ({@link RendezvousAttachment}), which tells it its server-reflexive
 * address on that socket; the offer or answer (host candidates plus that address, complete: no trickle)
 * goes over that connection; then QUIC itself is the connectivity check ({@link CandidateProbe}): the
 * dialer's Initials go to every candidate of the listener, best first, paced, while the listener sends
 * punch packets to the dialer's candidates to open its own NAT. The first candidate QUIC answers from
 * carries the session. The session description and the QUIC handover are those of method ice.
 *
 * <p>Phase timings (ms since the session started): gatheredMs (host candidates and observed address
 * known), signalledMs (remote description in), handshakeDoneMs.
 */
public final class QuicNativeSession extends AbstractPunchSession {
  /** The {@code method} label in offers and session descriptions. */
  public static final String METHOD = "quic-native";
  private static final String NO_PATH = "no direct path: ";
  private static final String NO_PATH_HINT = "When one NAT maps per destination (symmetric) and the other filters by"
      + " port, or both are symmetric, no direct path exists: this pair needs a relay (method auto or relay).";

  private final URI rendezvous;
  private final GatheringOptions gathering;
  private final long quicTimeoutMs;
  private final QuicNativeOptions options;
  private final Promise<PeerDescription> remoteDescription = Promise.promise();
  private NettyUdpEndpoint endpoint;
  private RendezvousAttachment attachment;
  private List<Candidate> local = List.of();
  private List<Candidate> remote = List.of();
  private CandidateProbe probe;

  public QuicNativeSession(SessionContext ctx, String sessionId, PeerId remotePeer,
      boolean dialer, URI rendezvous, GatheringOptions gathering, QuicNativeOptions options) {
    super(ctx, sessionId, remotePeer, dialer);
    this.rendezvous = rendezvous;
    // Host candidates only from gathering: the rendezvous connection itself gives the srflx address.
    this.gathering = AttachedSocketPool.hostOnly(gathering);
    this.quicTimeoutMs = ctx.quicTimeoutMs();
    this.options = options;
  }

  @Override
  public ConnectMethod method() {
    return ConnectMethod.QUIC_NATIVE;
  }

  /** Binds the session socket, attaches to the rendezvous from it, signals, then probes with QUIC. */
  public Future<Void> start(PeerDescription remoteOffer) {
    return start(remoteOffer, null);
  }

  /**
   * As above, on {@code pooled}, a socket already attached with its host candidates (from
   * {@link AttachedSocketPool}), or null to bind and attach one here.
   */
  public Future<Void> start(PeerDescription remoteOffer, AttachedSocketPool.Attached pooled) {
    if (remoteOffer != null) {
      onRemoteDescription(remoteOffer);
    }
    Future<AttachedSocketPool.Attached> socket;
    if (pooled != null) {
      endpoint = pooled.endpoint();
      attachment = pooled.attachment();
      mark("pooled socket", "attached to the rendezvous " + pooled.ageMillis() + " ms before the session, observed "
          + SocketAddresses.format(attachment.observed()));
      if (!dialer) {
        punchEarly();
      }
      socket = Future.succeededFuture(pooled);
    } else {
      socket = attachHere();
    }
    return socket.compose(a -> {
      phaseDone("gatheredMs");
      local = withObserved(a.hosts(), a.attachment().observed());
      return describe(a.attachment());
    })
        // Every failure fails the session now: the connect call would otherwise wait out its timeout.
        .onFailure(err -> fail(ConnectFailure.SIGNALLING, err.getMessage()))
        .mapEmpty();
  }

  /** Binds the session socket (the listener punches at once), gathers its host candidates and attaches from it. */
  private Future<AttachedSocketPool.Attached> attachHere() {
    return AttachedSocketPool.target(vertx, ctx, rendezvous)
        .compose(server -> AttachedSocketPool.bind(ctx, gathering).compose(ep -> {
          endpoint = ep;
          if (!dialer) {
            punchEarly();
          }
          Future<List<Candidate>> hosts = AttachedSocketPool.hosts(ctx, gathering, ep);
          Future<RendezvousAttachment> attached = RendezvousAttachment.open(vertx, ep.channel(), server.address(),
              server.peerId(), signalling.identity(), options.attachTimeoutMs())
              .onSuccess(a -> {
                attachment = a;
                mark("attached", "QUIC signalling from the session socket, observed " + SocketAddresses.format(a.observed()));
              });
          return Future.all(hosts, attached).map(x -> new AttachedSocketPool.Attached(ep, attached.result(), hosts.result(), 0));
        }));
  }

  /**
   * The listener knows the dialer's candidates from the offer: one round of punch packets right away
   * opens its NAT towards them while it still attaches and answers, so the dialer's first Initials are
   * let in rather than waiting for a re-spray.
   */
  private void punchEarly() {
    long token = PunchPacket.token(sessionId);
    remote.stream().map(Candidate::address).distinct().forEach(a -> {
      io.netty.buffer.ByteBuf p = PunchPacket.encode(token);
      byte[] bytes = new byte[p.readableBytes()];
      p.readBytes(bytes);
      p.release();
      endpoint.send(io.vertx.core.buffer.Buffer.buffer(bytes), a);
    });
  }

  /** Host candidates plus the observed address as server-reflexive (unless it is a host address: no NAT). */
  private static List<Candidate> withObserved(List<Candidate> hosts, InetSocketAddress observed) {
    List<Candidate> all = new ArrayList<>(hosts);
    boolean isHost = hosts.stream().anyMatch(c -> c.address().equals(observed));
    if (!isHost && !hosts.isEmpty()) {
      Candidate base = hosts.stream().filter(c -> c.address().getAddress().getClass() == observed.getAddress().getClass())
          .findFirst().orElse(hosts.get(0));
      all.add(Candidate.serverReflexive(observed, base.address(), null, 65535, 1));
    } else if (!isHost) {
      all.add(Candidate.serverReflexive(observed, observed, null, 65535, 1));
    }
    return all;
  }

  /** Sends the offer or answer over the attachment, then frees the socket for the peer's QUIC. */
  private Future<Void> describe(RendezvousAttachment a) {
    IceDescription description = new PeerDescription(IceCredentials.random(), local, true).wire();
    SessionSignal signal = dialer ? new SessionSignal.Offer(sessionId, METHOD, description)
        : new SessionSignal.Answer(sessionId, METHOD, description);
    String type = signal.type();
    mark(type + " sent", local.size() + " candidates over QUIC signalling");
    return a.send(remotePeer, signal)
        .recover(err -> Future.failedFuture(type + " could not be delivered: " + err.getMessage()))
        .compose(v -> a.close())
        .compose(v -> {
          attachment = null;
          return remoteDescription.future();
        })
        .onSuccess(this::probe)
        .mapEmpty();
  }

  /** A signalling message of this session from the remote peer (through the main registration). */
  @Override
  public void onSignal(SessionSignal signal) {
    if (result().isComplete()) {
      return;
    }
    try {
      if (signal instanceof SessionSignal.Answer answer && dialer) {
        onRemoteDescription(PeerDescription.of(answer.description()));
      } else if (signal instanceof SessionSignal.Bye bye) {
        peerEnded(bye);
      } // no trickle in this method
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.session.bad-signal", "type", signal.type()).increment();
      mark("bad " + signal.type(), e.getMessage());
    }
  }

  private void onRemoteDescription(PeerDescription d) {
    if (remoteDescription.future().isComplete()) {
      return;
    }
    phaseDone("signalledMs");
    remote = d.candidates().stream()
        .filter(c -> c.type() != CandidateType.RELAYED)
        .filter(c -> {
          String refused = io.p2pquic.puncher.ice.RemoteAddressPolicy.refuse(c.address(), gathering.includeLoopback());
          if (refused != null) {
            mark("remote candidate refused", refused + ": " + c.toSdp());
          }
          return refused == null;
        })
        .sorted(Comparator.comparingLong((Candidate c) -> c.priority()).reversed())
        .toList();
    mark(dialer ? "answer received" : "offer received", remote.size() + " candidates");
    if (remote.isEmpty()) {
      fail(ConnectFailure.NO_DIRECT_PATH, "the peer described no direct candidates");
      return;
    }
    remoteDescription.tryComplete(d);
  }

  /** Installs the path layer and the probe, then hands the channel to the quic-verticle. */
  private void probe(PeerDescription d) {
    if (result().isComplete()) {
      return;
    }
    String sid = sessionId;
    PathLayer path = new PathLayer(PathLayer.virtualAddress(sid), !dialer, metrics);
    List<InetSocketAddress> targets = remote.stream().map(Candidate::address).distinct().toList();
    probe = new CandidateProbe(dialer, path, sid, targets, options.paceMs(), options.resprayMs(),
        winner -> vertx.runOnContext(v -> mark(dialer ? "quic answered" : "quic arrived", "from " + SocketAddresses.format(winner))),
        metrics);
    endpoint.channel().pipeline().addAfter("demux", CandidateProbe.NAME, probe);
    endpoint.channel().pipeline().addAfter(CandidateProbe.NAME, PathLayer.NAME, path);
    JsonObject adopt = new JsonObject().put("sessionId", sid).put("method", method().label());
    if (dialer) {
      path.use(new PeerPath.Direct(targets.get(0)), "best candidate; the probe copies to the others");
      PunchedPaths.put(vertx, localPeer, new PunchedPath(sid, endpoint.channel(), path.virtualPeer(), remotePeer, true));
      mark("quic dialing", targets.size() + " candidates, best " + SocketAddresses.format(targets.get(0)));
    } else {
      PunchedPaths.put(vertx, localPeer, new PunchedPath(sid, endpoint.channel(), null, remotePeer, false));
      adopt.put("timeoutMs", quicTimeoutMs);
      mark("quic accepting", "punching " + targets.size() + " candidates");
    }
    if (dialer) {
      long deadline = vertx.setTimer(options.probeTimeoutMs(), t -> {
        if (probe.winner() == null) {
          fail(ConnectFailure.NO_DIRECT_PATH, NO_PATH + "no candidate of the peer answered QUIC within "
              + options.probeTimeoutMs() + " ms (" + targets.size() + " probed). " + NO_PATH_HINT);
        }
      });
      result().onComplete(x -> vertx.cancelTimer(deadline));
    }
    vertx.eventBus().<JsonObject>request(Addresses.quicAdopt(localPeer), adopt,
            new DeliveryOptions().setSendTimeout(quicTimeoutMs + 2_000))
        .onSuccess(reply -> {
          phaseDone("handshakeDoneMs");
          mark("quic handshake done", "peer id verified " + remotePeer.shortId());
          complete();
        })
        .onFailure(err -> fail(PunchSession.handshakeFailure(err) == ConnectFailure.IDENTITY_MISMATCH
            ? ConnectFailure.IDENTITY_MISMATCH : ConnectFailure.NO_DIRECT_PATH,
            NO_PATH + "no QUIC handshake on any candidate pair (" + err.getMessage() + "). " + NO_PATH_HINT));
  }

  private void complete() {
    InetSocketAddress winner = probe.winner();
    Candidate remoteCandidate = winner == null ? null
        : remote.stream().filter(c -> c.address().equals(winner)).findFirst().orElse(null);
    String remoteType = remoteCandidate == null ? "prflx" : remoteCandidate.type().sdpName();
    Candidate localCandidate = local.stream()
        .filter(c -> "host".equals(remoteType) == (c.type() == CandidateType.HOST))
        .findFirst().orElse(local.get(0));
    SessionDescription.SelectedPair pair = winner == null ? null
        : new SessionDescription.SelectedPair(localCandidate.address(),
            localCandidate.type().sdpName(), winner, remoteType);
    complete(new SessionDescription(sessionId, localPeer, remotePeer,
        ConnectMethod.QUIC_NATIVE, false, dialer, timings(), pair, null, null));
  }

  @Override
  public void fail(ConnectFailure reason, String detail) {
    if (tryFail(reason, detail)) {
      close();
    }
  }

  /** Ends the attachment (if still open) and the socket; the QUIC connection goes with its channel. */
  @Override
  public Future<Void> close() {
    List<Future<?>> all = new ArrayList<>();
    if (attachment != null) {
      all.add(attachment.close());
    }
    if (endpoint != null) {
      all.add(endpoint.close());
    }
    return Future.join(all).mapEmpty();
  }
}
