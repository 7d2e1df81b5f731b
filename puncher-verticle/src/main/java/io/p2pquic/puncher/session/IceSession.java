package io.p2pquic.puncher.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.api.signalling.ErrorCode;
import io.p2pquic.api.signalling.session.IceDescription;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.api.net.SocketAddresses;
import io.p2pquic.api.session.PunchedPath;
import io.p2pquic.api.session.PunchedPaths;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.IceCredentials;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.dcutr.DcutrUpgrade;
import io.p2pquic.puncher.hardnat.HardNatOptions;
import io.p2pquic.puncher.hardnat.HardNatPunch;
import io.p2pquic.puncher.hardnat.HardNatRole;
import io.p2pquic.puncher.hardnat.NatMappingProbe;
import io.p2pquic.puncher.ice.Candidate;
import io.p2pquic.puncher.ice.CandidateGatherer;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.ice.GatheringResult;
import io.p2pquic.puncher.ice.agent.CandidatePair;
import io.p2pquic.puncher.ice.agent.IceAgent;
import io.p2pquic.puncher.ice.agent.IceAgentOptions;
import io.p2pquic.puncher.ice.agent.IceEvent;
import io.p2pquic.puncher.ice.agent.IceRole;
import io.p2pquic.puncher.path.PathLayer;
import io.p2pquic.puncher.path.PeerPath;
import io.p2pquic.puncher.stun.StunClient;
import io.p2pquic.puncher.transport.NettyUdpEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.p2pquic.puncher.transport.Datagram;
import io.p2pquic.puncher.transport.RelayTransport;
import io.p2pquic.puncher.transport.RelayUdpEndpoint;
import io.vertx.core.Handler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import io.p2pquic.puncher.turn.TurnClientOptions;

/**
 * One punching session with one peer (method 1 of draft-seemann-quic-nat-traversal): its own UDP
 * socket, candidates gathered on it and trickled over the rendezvous, ICE checks, then the validated
 * channel handed to the quic-verticle. The dialer is ICE-controlling and dials QUIC.
 *
 * <p>Phase timings are milliseconds since the session started ({@code connect} call or offer received):
 * gathered, signalled (remote description in), checksDone (pair selected), handshakeDone.
 */
public final class IceSession extends AbstractPunchSession {
  /** Signalling message types of a session (bodies carry {@code sessionId}). */

  private final IceRole role;
  private final ConnectMethod method;
  private final GatheringOptions gathering;
  private final IceAgentOptions iceOptions;
  private final long quicTimeoutMs;
  private IceCredentials credentials = IceCredentials.random();
  private NettyUdpEndpoint endpoint;
  private final SessionRelays relays;
  private final SessionPortMapping portMapping;
  private final SessionMdns mdns;
  /** Peer candidates whose {@code .local} names are being resolved; end-of-candidates waits for them. */
  private int resolving;
  private boolean remoteEndDeferred;
  private final IceRestart iceRestart;
  private PathSteering steering;
  private StunClient stun;
  private IceAgent agent;
  private boolean remoteDescribed;
  /** The pair QUIC was dialed on (controlling side), once dialing started. */
  private CandidatePair dialed;
  /** Method dcutr: our host and server-reflexive candidates, for CONNECT (and only CONNECT with a relay). */
  private final List<Candidate> observed = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Promise<Void> gathered = Promise.promise();
  private DcutrUpgrade dcutr;
  /** Signals that arrived while the socket was being bound. */
  private final List<Runnable> early = new ArrayList<>();
  private boolean closed;
  /** The peer's credentials of the current ICE generation (hard-NAT punching signs its probes with them). */
  private IceCredentials remoteCredentials;
  /** How our NAT maps this session's socket, once probed (method auto). */
  private NatMappingProbe.Result localMapping;
  /** How the peer's NAT maps its session socket, as it told us. */
  private SessionSignal.NatMapping remoteMapping;
  private HardNatPunch hardNat;
  private Repunch repunch;
  /** The dialer's connect deadline (System.nanoTime()), 0 when none: QUIC may take until then. */
  private long connectDeadlineNanos;
  /** A socket from the pool, with candidates gathered before the session began; null when bound here. */
  private SessionSocketPool.Pooled pooled;
  /** Our non-relayed candidates already offered (the pooled ones are found again by the session's gathering). */
  private final Set<String> offered = new HashSet<>();

  IceSession(SessionContext ctx, String sessionId, PeerId remotePeer, IceRole role, ConnectMethod method,
      GatheringOptions gathering, IceAgentOptions iceOptions) {
    super(ctx, sessionId, remotePeer, role == IceRole.CONTROLLING);
    this.role = role;
    this.method = method;
    // Method ice never touches a relay: no allocation is made.
    this.gathering = method == ConnectMethod.ICE ? new GatheringOptions(gathering.toJson()).setTurnServers(List.of()) : gathering;
    this.iceOptions = iceOptions;
    this.quicTimeoutMs = ctx.quicTimeoutMs();
    this.relays = new SessionRelays(ctx, method, this.gathering);
    this.portMapping = new SessionPortMapping(ctx);
    this.mdns = new SessionMdns(ctx);
    this.iceRestart = new IceRestart(ctx, this, relays);
  }

  @Override
  public ConnectMethod method() {
    return method;
  }

  IceRole role() {
    return role;
  }

  IceAgent agent() {
    return agent;
  }

  PathSteering steering() {
    return steering;
  }

  StunClient stunClient() {
    return stun;
  }

  GatheringOptions gathering() {
    return gathering;
  }

  boolean isUp() {
    return result().succeeded();
  }

  boolean isClosed() {
    return closed;
  }

  /** New ICE credentials for a restart (RFC 8445 section 9): ours change, and the peer's with its answer. */
  IceCredentials renewCredentials() {
    credentials = IceCredentials.random();
    return credentials;
  }

  /**
   * The caller's connect deadline: the QUIC handshake may use whatever is left of it when longer than
   * {@code quicTimeoutMs} (at 20 % loss a handshake's retransmission backoff alone can pass 10 s; a
   * caller that allows 60 s should get them).
   */
  IceSession connectDeadline(long deadlineNanos) {
    this.connectDeadlineNanos = deadlineNanos;
    return this;
  }

  /** Start on this pooled socket (its candidates go into the offer or answer) instead of binding one. */
  IceSession pooledSocket(SessionSocketPool.Pooled socket) {
    this.pooled = socket;
    return this;
  }

  /** Where fresh relays come from once every relay of this session died (e.g. a new grant from the rendezvous). */
  IceSession relaySource(Supplier<Future<List<TurnClientOptions>>> source) {
    relays.source(source);
    return this;
  }

  /**
   * Where the session's packets go now, for status and ping: {@code path} "direct" or "relayed",
   * {@code via} (the relay server when through our allocation), {@code remote} (the peer's address as we
   * send to it), and the method and role.
   */
  @Override
  public JsonObject pathJson() {
    JsonObject j = new JsonObject().put("method", method.label()).put("role", role.name().toLowerCase());
    io.p2pquic.puncher.path.PeerPath p = steering == null ? null : steering.layer().path();
    if (p == null) {
      return j.put("path", "none");
    }
    j.put("remote", io.p2pquic.api.net.SocketAddresses.format(p.peer()));
    if (p instanceof io.p2pquic.puncher.path.PeerPath.ViaRelay r) {
      return j.put("path", "relayed").put("via", io.p2pquic.api.net.SocketAddresses.format(r.relay().server()));
    }
    // Sent straight from our socket: direct, unless it is the peer's relayed candidate (their TURN server).
    boolean peersRelay = agentRemoteRelay(p.peer());
    return j.put("path", peersRelay ? "relayed" : "direct").put("via", peersRelay ? "the peer's relay" : null);
  }

  private boolean agentRemoteRelay(java.net.InetSocketAddress addr) {
    try {
      return agent != null && agent.remoteCandidates().stream()
          .anyMatch(c -> c.type() == io.p2pquic.puncher.ice.CandidateType.RELAYED && c.address().equals(addr));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Opens the socket, starts gathering and ICE; the dialer sends its offer at once (trickle). */
  Future<Void> start(PeerDescription remoteOffer) {
    Future<NettyUdpEndpoint> socket = pooled != null ? Future.succeededFuture(pooled.endpoint()) : bindSessionSocket();
    return socket.map(ep -> {
      endpoint = ep;
      stun = new StunClient(vertx, ep, metrics);
      agent = new IceAgent(vertx, iceOptions, role, credentials, metrics).allowLoopbackRemotes(gathering.includeLoopback());
      // QUIC talks to a virtual peer; the path layer maps it onto the current path (pair or relay).
      steering = new PathSteering(vertx, sessionId, localPeer, remotePeer, role != IceRole.CONTROLLING, agent,
          relayed -> {
            RelayUdpEndpoint r = relays.at(relayed);
            return r == null ? null : r.relay();
          }, this::onQuicSilent, this::mark, metrics);
      relays.attach(ep, stun, this::onLocalCandidate, () -> closed || result().failed());
      if (role == IceRole.CONTROLLING && method == ConnectMethod.AUTO) {
        repunch = new Repunch(ctx, this::tryDirectAgain, () -> {
          PeerPath p = steering.layer().path();
          return p != null && !steering.relayed(p);
        }, () -> closed || result().failed());
        // the layer's change handler runs on the channel's event loop: decide on the session's context
        steering.moveListener(change -> vertx.runOnContext(v -> {
          if (isUp()) {
            repunch.onPath(!steering.relayed(change.to()));
          }
        }));
      }
      ep.channel().pipeline().addAfter("demux", PathLayer.NAME, steering.layer());
      if (method == ConnectMethod.DCUTR) {
        // libp2p's B (the side that received the relayed connection, our listener) initiates.
        dcutr = new DcutrUpgrade(vertx, localPeer, remotePeer, sessionId, role == IceRole.CONTROLLED,
            new DcutrChecks(agent, stun, steering, observed, role == IceRole.CONTROLLING, this::elapsed),
            ep, metrics, this::mark);
        dcutr.listen();
      }
      Handler<Datagram> checks = agent.incomingHandler(stun);
      ep.stunHandler(d -> {
        if (d.relayed()) {
          // Relayed by one of our TURN allocations: a check or response of a relayed local candidate.
          RelayUdpEndpoint relay = relays.at(d.relayedAddress());
          if (relay != null) {
            relay.deliver(d);
          } else {
            metrics.counter("p2p.session.dropped", "reason", "unknown-relay").increment();
          }
        } else if (hardNat != null && hardNat.offer(d)) {
          return; // a hard-NAT probe or its answer: not ICE's
        } else if (!stun.handleInbound(d.data().getBytes(), d.sender())) {
          checks.handle(d);
        }
      });
      agent.eventHandler(this::onIceEvent);
      agent.stateHandler(state -> {
        // Consent went silent on the selected pair: look for another path while QUIC keeps retrying
        // (RFC 7675 section 5.1 suggests an ICE restart); the dialer drives it, as it drives nomination.
        if (state == io.p2pquic.puncher.ice.agent.IceAgentState.DISCONNECTED && role == IceRole.CONTROLLING
            && result().succeeded() && !iceRestart.inProgress()) {
          steering.onConsentSilent();
          restart("consent on the selected pair went silent");
        }
      });
      agent.selected().onSuccess(this::onSelected).onFailure(err -> fail(method == ConnectMethod.RELAY || method == ConnectMethod.DCUTR
          ? ConnectFailure.NO_RELAYED_PATH : ConnectFailure.NO_DIRECT_PATH, noPathReason(err.getMessage())));
      if (role == IceRole.CONTROLLED) {
        acceptQuicEarly();
      }
      List<Candidate> known = pooledCandidates();
      if (remoteOffer != null) {
        applyRemote(remoteOffer);
      }
      early.forEach(Runnable::run);
      early.clear();
      sendDescription(known); // offer or answer, with the candidates known now (pooled ones, or none): the rest trickle
      Future<GatheringResult> candidates = new CandidateGatherer(vertx, gathering, metrics)
          .gather(List.of(stun), this::onLocalCandidate);
      Future<Void> mapped = mapsPort() ? portMapping.start(stun.localAddress().getPort(), gathering.component(),
          this::onLocalCandidate, () -> closed || gathered.future().isComplete()) : Future.succeededFuture();
      candidates.compose(r -> mapped.map(r))
          .onSuccess(this::onGathered)
          .onFailure(err -> fail(ConnectFailure.FAILED, "gathering failed: " + err.getMessage()));
      probeNatMapping();
      return null;
    });
  }

  /** Port mapping serves the methods that offer our own addresses (DCUtR in its CONNECT; not relay-only ones). */
  private boolean mapsPort() {
    return (method == ConnectMethod.ICE || method == ConnectMethod.AUTO || method == ConnectMethod.DCUTR)
        && !iceOptions.relayOnly();
  }

  /**
   * One socket for both families when IPv6 is on: "::" is dual-stack on Linux, so IPv4 and IPv6
   * candidates share it (and the NAT mappings the checks create). Falls back to IPv4 when the host has
   * no IPv6 (or to IPv6 only when IPv4 is off).
   */
  private Future<NettyUdpEndpoint> bindSessionSocket() {
    if (!gathering.ipv6()) {
      return NettyUdpEndpoint.bind(vertx, "0.0.0.0", gathering.port(), metrics, ctx.datagramChannels());
    }
    return NettyUdpEndpoint.bind(vertx, "::", gathering.port(), metrics, ctx.datagramChannels()).recover(err -> {
      if (!gathering.ipv4()) {
        return Future.failedFuture(err);
      }
      mark("ipv6 unavailable", err.getMessage() + "; this session uses IPv4 only");
      return NettyUdpEndpoint.bind(vertx, "0.0.0.0", gathering.port(), metrics, ctx.datagramChannels());
    });
  }

  /** The pooled socket's candidates, given to the agent now; as they go on the wire (mDNS names). */
  private List<Candidate> pooledCandidates() {
    if (pooled == null) {
      return List.of();
    }
    mark("pooled socket", pooled.candidates().size() + " candidates gathered " + pooled.ageMillis() + " ms before the session");
    List<Candidate> wire = new ArrayList<>();
    for (Candidate c : pooled.candidates()) {
      if (offered.add(offerKey(c))) {
        agent.addLocalCandidate(c, stun);
        Candidate w = mdns.wire(c);
        mark("candidate", c.toSdp() + (w == c ? "" : " (offered as " + w.toSdp() + ")") + ", in the " + (dialer() ? "offer" : "answer"));
        wire.add(w);
      }
    }
    return wire;
  }

  private static String offerKey(Candidate c) {
    return c.type() + " " + c.address() + " " + c.relatedAddress();
  }

  private void sendDescription(List<Candidate> candidates) {
    IceDescription description = new PeerDescription(credentials, candidates, false).wire();
    SessionSignal signal = role == IceRole.CONTROLLING ? new SessionSignal.Offer(sessionId, method.label(), description)
        : new SessionSignal.Answer(sessionId, method.label(), description);
    String type = signal.type();
    mark(type + " sent", "session " + PunchSession.shortId(sessionId));
    signalling.send(remotePeer, signal).onFailure(err -> {
      if (role == IceRole.CONTROLLED && err instanceof io.p2pquic.api.signalling.SignallingException se
          && (ErrorCode.CLOSED.wire().equals(se.code()) || ErrorCode.TIMEOUT.wire().equals(se.code()))) {
        // The connection dropped after the answer was written: it may well have arrived, and the checks
        // (or their timeout) tell. Failing here would close a session the dialer is already using.
        mark("answer unconfirmed", err.getMessage() + "; the connectivity checks decide");
        return;
      }
      fail(ConnectFailure.SIGNALLING, type + " could not be delivered: " + err.getMessage());
    });
  }

  private void onLocalCandidate(Candidate c) {
    if (method == ConnectMethod.DCUTR && c.type() != io.p2pquic.puncher.ice.CandidateType.RELAYED) {
      observed.add(c); // DCUtR's CONNECT carries it over the relayed QUIC connection
      if (!gathering.turnServers().isEmpty()) {
        return; // and only CONNECT: the rendezvous never sees it (without a relay of our own it must)
      }
    }
    boolean relayOnly = iceOptions.relayOnly() || method == ConnectMethod.RELAY && role == IceRole.CONTROLLING;
    if (relayOnly && c.type() != io.p2pquic.puncher.ice.CandidateType.RELAYED) {
      return; // candidatePolicy "relay": the peer never learns our own addresses
    }
    if (c.type() == io.p2pquic.puncher.ice.CandidateType.RELAYED) {
      RelayTransport relay = endpoint.relayAt(c.address());
      if (relay == null) {
        mark("relayed candidate dropped", c.toSdp() + ": its allocation is gone");
        return;
      }
      addRelayedCandidate(c, relay);
      return;
    }
    if (pooled != null && !offered.add(offerKey(c))) {
      return; // the pool found it before the session began: already in our description
    }
    agent.addLocalCandidate(c, stun);
    Candidate wire = mdns.wire(c);
    mark("candidate", c.toSdp() + (wire == c ? "" : " (offered as " + wire.toSdp() + ")"));
    signalling.send(remotePeer, new SessionSignal.Candidate(sessionId, wire.toSdp()))
        .onFailure(err -> mark("trickle failed", err.getMessage()));
  }

  private void onGathered(GatheringResult r) {
    phaseDone("gatheredMs");
    mark("gathering done", r.candidates().size() + " candidates in " + r.durationMillis() + " ms");
    agent.localCandidatesComplete();
    gathered.tryComplete();
    signalling.send(remotePeer, new SessionSignal.EndOfCandidates(sessionId));
  }

  /** A signalling message of this session from the remote peer. */
  @Override
  public void onSignal(SessionSignal signal) {
    boolean up = result().succeeded();
    // Once up, only restarts, byes and the candidates a restart trickles (a relay re-allocated meanwhile) matter.
    if (result().failed() || result().isComplete()
        && (signal instanceof SessionSignal.Offer || signal instanceof SessionSignal.Answer)) {
      return;
    }
    if (agent == null) {
      early.add(() -> onSignal(signal));
      return;
    }
    try {
      if (signal instanceof SessionSignal.Answer answer) {
        applyRemote(PeerDescription.of(answer.description()));
      } else if (signal instanceof SessionSignal.Candidate candidate) {
        Candidate c = Candidate.parse(candidate.candidate());
        mark("remote candidate", c.toSdp());
        addRemoteCandidate(c);
      } else if (signal instanceof SessionSignal.EndOfCandidates) {
        remoteCandidatesComplete();
      } else if (signal instanceof SessionSignal.Bye bye) {
        if (!up) {
          peerEnded(bye);
        }
      } else if (signal instanceof SessionSignal.Restart restart) {
        iceRestart.onOffer(PeerDescription.of(restart.description()), deadRelays(restart.deadRelays()));
      } else if (signal instanceof SessionSignal.RestartAnswer answer) {
        iceRestart.onAnswer(PeerDescription.of(answer.description()));
      } else if (signal instanceof SessionSignal.NatMapping mapping) {
        remoteMapping = mapping;
        mark("peer's nat mapping", mapping.mapping() + ", public address " + mapping.mapped());
        if (hardNat != null && hardNat.done() && role != IceRole.CONTROLLING) {
          // The dialer tells its mapping again to punch again (its direct path died): start over.
          hardNat.close();
          hardNat = null;
          mark("hard-nat punching again", "the dialer asks for another try");
        }
        maybePunchHardNat();
      } else if (signal instanceof SessionSignal.RelaysSilent silent) {
        // The dialer's QUIC went silent through these relays before ICE selected: ours there are
        // likely dead too (one grant for both peers); replace them, the new candidate trickles.
        Set<InetAddress> dead = deadRelays(silent.deadRelays());
        mark("relays silent", "the peer heard nothing through " + dead);
        relays.replaceAt(dead);
      }
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.session.bad-signal", "type", signal.type()).increment();
      mark("bad " + signal.type(), e.getMessage());
    }
  }

  /**
   * The signalling connection dropped. A dialer still waiting for the answer will never get it (the
   * rendezvous forgets the old connection's traffic), so it fails now and the caller may try again once
   * registered, instead of waiting for its whole timeout. Sessions past that point keep going: their
   * checks or QUIC decide.
   */
  @Override
  public void onSignallingLost() {
    if (role != IceRole.CONTROLLING || result().isComplete()) {
      return; // the listener's checks or their timeout decide: failing would close a path the dialer may use
    }
    if (!remoteDescribed) {
      fail(ConnectFailure.SIGNALLING, "the signalling connection was lost before the answer arrived (try again once registered)");
    } else if (agent.pairs().stream().noneMatch(CandidatePair::valid)) {
      fail(ConnectFailure.SIGNALLING, "the signalling connection was lost before any candidate pair worked (candidates still trickling "
          + "are lost with it; try again once registered)");
    }
  }

  private void applyRemote(PeerDescription d) {
    if (remoteDescribed) {
      return;
    }
    remoteDescribed = true;
    phaseDone("signalledMs");
    mark(role == IceRole.CONTROLLING ? "answer received" : "offer received", d.candidates().size() + " candidates");
    applyDescription(d);
  }

  /** A description from the peer (offer, answer, or a restart's): its credentials and candidates. */
  void applyDescription(PeerDescription d) {
    remoteCredentials = d.credentials(); // the current generation's (a restart renews both sides')
    agent.setRemoteCredentials(d.credentials());
    d.candidates().forEach(this::addRemoteCandidate);
    if (d.complete()) {
      remoteCandidatesComplete();
    }
  }

  /** A peer candidate to the agent; one named by mDNS once its name resolved on this LAN. */
  private void addRemoteCandidate(Candidate c) {
    if (!SessionMdns.named(c)) {
      steering.layer().allowSource(c.address());
      agent.addRemoteCandidate(c);
      return;
    }
    resolving++;
    mdns.resolve(c).onComplete(ar -> {
      resolving--;
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        mark("remote candidate resolved", c.address().getHostString() + " is " + ar.result().address().getAddress()
            .getHostAddress());
        steering.layer().allowSource(ar.result().address());
        agent.addRemoteCandidate(ar.result());
      } else {
        mark("remote candidate unresolved", ar.cause().getMessage());
      }
      if (resolving == 0 && remoteEndDeferred) {
        remoteEndDeferred = false;
        agent.remoteCandidatesComplete();
      }
    });
  }

  /** The peer's end-of-candidates, held back while one of its names is still resolving. */
  private void remoteCandidatesComplete() {
    if (resolving > 0) {
      remoteEndDeferred = true;
    } else {
      agent.remoteCandidatesComplete();
    }
  }

  private void onIceEvent(IceEvent e) {
    switch (e.type()) {
      case NOMINATING -> mark("ice " + e.type().label(), e.detail()); // the pair and why now
      case NOMINATED, SELECTED, ROLE_SWITCHED, FAILED, CONSENT ->
          mark("ice " + e.type().label(), e.pair() != null ? e.pair().describe() : e.detail());
      case PEER_REFLEXIVE -> {
        mark("ice " + e.type().label(), e.pair() != null ? e.pair().describe() : e.detail());
        agent.remoteCandidates().forEach(c -> steering.layer().allowSource(c.address()));
      }
      case CHECK_SUCCEEDED -> {
        CandidatePair v = e.pair();
        mark("ice " + e.type().label(), v.describe());
        // RFC 8445 section 12.1: data may flow on a valid pair before selection. The dialer's Initial
        // leaves on the first valid pair (often the relay) instead of after nomination, and the
        // steering moves the live connection to each better pair as it is validated, then to the
        // selected one: the session never waits for punching and never notices the upgrade.
        if (role == IceRole.CONTROLLING && agent.role() == IceRole.CONTROLLING) {
          if (dialed == null) {
            dial(v, "on the first valid pair");
          }
          steering.onValidPair(v);
        }
      }
      default -> { }
    }
  }

  /**
   * The accepting side hands its channel to the quic-verticle before ICE ends: a server codec that only
   * accepts the pinned peer sits behind the demultiplexer, so the dialer's first Initial is answered
   * even when it arrives before this agent has selected (it used to wait for a retransmission).
   */
  private void acceptQuicEarly() {
    PunchedPaths.put(vertx, localPeer, new PunchedPath(sessionId, endpoint.channel(), null, remotePeer, false));
    long timeout = iceOptions.checkingTimeoutMillis() + quicTimeoutMs;
    Future<JsonObject> quic = vertx.eventBus().<JsonObject>request(Addresses.quicAdopt(localPeer),
            new JsonObject().put("sessionId", sessionId).put("timeoutMs", timeout).put("method", method.label()),
            new DeliveryOptions().setSendTimeout(timeout + 2_000))
        .map(reply -> {
          mark("quic handshake done", "accepted " + remotePeer.shortId() + ", identity verified");
          phaseDone("handshakeDoneMs");
          return reply.body();
        });
    completeWhenQuicIsUp(quic, false);
  }

  /**
   * QUIC roles follow the signalling roles (the dialer dials), whatever role conflicts did to the ICE
   * roles: the listener installed its server at session start. A dialer whose agent became controlled
   * dials once the peer's nomination selects a pair.
   */
  /**
   * Why no pair was found, in the terms of the method asked for: a relay-only session failing is about
   * the relay (its allocation, permissions or reachability), not about a direct path.
   */
  private String noPathReason(String iceError) {
    if (method == ConnectMethod.RELAY || method == ConnectMethod.DCUTR) {
      return "no relayed path: " + iceError + ". Check that the TURN servers (the rendezvous's relay, or "
          + "gathering.turnServers) are reachable over UDP from both peers and allow relaying to them.";
    }
    return "no direct path: " + iceError + ". When one NAT maps per destination (symmetric) and the other filters "
        + "by port, or both are symmetric, no direct path exists: this pair needs a relay (method auto or relay, "
        + "with a TURN server)" + (method == ConnectMethod.ICE ? "; method ice never uses one." : ".");
  }

  private void onSelected(CandidatePair pair) {
    phaseDone("checksDoneMs");
    if (role == IceRole.CONTROLLING) {
      steering.moveTo(pair, "ICE selected this pair");
      dial(pair, "on the selected pair");
    } else {
      mark("quic accepting", "server installed at session start; pair " + pair.describe());
    }
  }

  private void dial(CandidatePair pair, String when) {
    if (dialed != null) {
      return;
    }
    dialed = pair;
    steering.moveTo(pair, "first valid pair");
    PunchedPaths.put(vertx, localPeer, new PunchedPath(sessionId, endpoint.channel(), steering.layer().virtualPeer(), remotePeer, true));
    mark("quic dialing", SocketAddresses.format(pair.remote().address()) + " " + when);
    long left = connectDeadlineNanos == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(connectDeadlineNanos - System.nanoTime());
    long handshakeMs = Math.max(quicTimeoutMs, left);
    Future<JsonObject> quic = vertx.eventBus().<JsonObject>request(Addresses.quicAdopt(localPeer),
            new JsonObject().put("sessionId", sessionId).put("timeoutMs", handshakeMs)
                .put("method", method.label()),
            new DeliveryOptions().setSendTimeout(handshakeMs + 1_000))
        .map(reply -> {
          mark("quic handshake done", "peer id verified " + remotePeer.shortId());
          phaseDone("handshakeDoneMs");
          steering.quicUp();
          return reply.body();
        });
    completeWhenQuicIsUp(quic, true);
  }

  /**
   * The session is up as soon as QUIC is, on whatever valid pair carries it (RFC 8445 12.1): with
   * {@code auto} a relayed pair carries the session while ICE still waits for direct pairs, so waiting
   * for the nomination would cost a relayed session the checks' whole timeout. The description shows
   * the selected pair when there is one, else the pair carrying QUIC; later moves are path-changed events.
   */
  private void completeWhenQuicIsUp(Future<JsonObject> quic, boolean dials) {
    quic.onComplete(ar -> {
      if (ar.failed()) {
        fail(PunchSession.handshakeFailure(ar.cause()), ar.cause().getMessage());
        return;
      }
      steering.connected();
      complete(steering.shownPair(), dials);
      if (dcutr != null) {
        DcutrUpgrade upgrade = dcutr;
        gathered.future().onSuccess(v -> upgrade.start());
      }
    });
  }

  /**
   * Method auto: how our NAT maps this session's socket (two Bindings beside gathering), told to the peer;
   * with the peer's answer the two sides know whether hard-NAT punching applies ({@link HardNatRole#of}).
   */
  private void probeNatMapping() {
    HardNatOptions options = ctx.options().hardNat();
    if (method != ConnectMethod.AUTO || !options.enabled() || gathering.stunServers().isEmpty()) {
      return;
    }
    NatMappingProbe.probe(vertx, stun, gathering.stunServers().get(0), gathering.stunRetransmit()).onSuccess(r -> {
      if (closed || result().failed()) {
        return;
      }
      if (r == null) {
        mark("nat mapping unknown", "the STUN server " + gathering.stunServers().get(0) + " names no second address "
            + "(RFC 5780 OTHER-ADDRESS): no hard-NAT punching for this session");
        return;
      }
      localMapping = r;
      mark("nat mapping", (r.endpointDependent() ? SessionSignal.NatMapping.ENDPOINT_DEPENDENT
          : SessionSignal.NatMapping.ENDPOINT_INDEPENDENT) + ", public address " + SocketAddresses.format(r.mapped()));
      sendLocalMapping();
      maybePunchHardNat();
    });
  }

  /** Tells the peer how our NAT maps this session's socket ({@link #localMapping}). */
  private void sendLocalMapping() {
    String mapping = localMapping.endpointDependent() ? SessionSignal.NatMapping.ENDPOINT_DEPENDENT
        : SessionSignal.NatMapping.ENDPOINT_INDEPENDENT;
    signalling.send(remotePeer, new SessionSignal.NatMapping(sessionId, mapping, SocketAddresses.format(localMapping.mapped())))
        .onFailure(err -> mark("nat-mapping not delivered", err.getMessage()));
  }

  /**
   * Starts hard-NAT punching once both mappings are known, one per destination and the other stable, and
   * ICE validated no direct pair within the start delay; the relay carries the session meanwhile.
   */
  private Future<PeerPath> maybePunchHardNat() {
    if (hardNat != null || localMapping == null || remoteMapping == null || remoteCredentials == null || closed) {
      return Future.failedFuture("hard-NAT punching does not apply (yet) or runs already");
    }
    HardNatRole hardRole = HardNatRole.of(localMapping.endpointDependent(), remoteMapping.endpointDependent());
    if (hardRole == null) {
      if (localMapping.endpointDependent()) {
        mark("hard-nat punching skipped", "both NATs map per destination: no port of either side stays put for the "
            + "other to find, so a direct path is out of reach and the session stays relayed");
      }
      return Future.failedFuture("hard-NAT punching does not apply to this pair");
    }
    InetSocketAddress target;
    try {
      target = SocketAddresses.parseHostPort(remoteMapping.mapped());
    } catch (IllegalArgumentException e) {
      mark("hard-nat punching skipped", "the peer's public address is not IP:port: " + remoteMapping.mapped());
      return Future.failedFuture("the peer's public address is not IP:port");
    }
    if (target.isUnresolved() || !(target.getAddress() instanceof java.net.Inet4Address)) {
      mark("hard-nat punching skipped", "the peer's public address is not IPv4: " + remoteMapping.mapped());
      return Future.failedFuture("the peer's public address is not IPv4");
    }
    HardNatOptions options = ctx.options().hardNat();
    hardNat = new HardNatPunch(vertx, options, hardRole, credentials, remoteCredentials, target, endpoint,
        ctx.datagramChannels(), metrics, this::mark);
    HardNatPunch punch = hardNat;
    Promise<PeerPath> outcome = Promise.promise();
    vertx.setTimer(Math.max(1, options.startDelayMillis()), t -> {
      if (closed || result().failed() || punch != hardNat) {
        outcome.tryFail("the session ended");
        return;
      }
      if (agent.pairs().stream().anyMatch(p -> p.valid() && !p.relayed())) {
        mark("hard-nat punching skipped", "ICE validated a direct pair");
        outcome.tryFail("ICE validated a direct pair");
        return;
      }
      punch.start().onSuccess(this::onHardNatPath).onFailure(err -> mark("hard-nat punching gave up", err.getMessage()))
          .onComplete(outcome);
    });
    return outcome.future();
  }

  /**
   * The dialer's re-punch ({@link Repunch}): hard-NAT punching again where that found the first direct
   * path (our nat-mapping message again tells the peer to start over), else an ICE restart.
   */
  private Future<?> tryDirectAgain() {
    if (hardNat != null && hardNat.done() && localMapping != null && remoteMapping != null) {
      hardNat.close();
      hardNat = null;
      sendLocalMapping();
      return maybePunchHardNat();
    }
    return restart("re-punch: the session fell back to the relay");
  }

  private void onHardNatPath(PeerPath path) {
    steering.layer().allowSource(path.peer());
    if (role == IceRole.CONTROLLING) {
      steering.usePunched(path, "hard-NAT punching found a direct path");
    } else {
      mark("hard-nat path ready", path.describe() + ": the dialer moves QUIC there, this side follows");
    }
  }

  /**
   * ICE restart (RFC 8445 section 9), driven by the dialer ({@link IceRestart}); completes with the newly
   * selected pair.
   */
  Future<CandidatePair> restart(String why) {
    return iceRestart.restart(why);
  }

  private Set<InetAddress> deadRelays(List<String> list) {
    Set<InetAddress> dead = new HashSet<>();
    for (int i = 0; i < list.size() && i < 8; i++) {
      String ip = list.get(i);
      if (SocketAddresses.isIpLiteral(ip)) {
        dead.add(SocketAddresses.parseIp(ip));
      } else {
        throw new IllegalArgumentException("deadRelays must list IP addresses: " + ip);
      }
    }
    return dead;
  }

  /** Our credentials and the candidates the agent pairs after a restart (gathered ones, no prflx). */
  PeerDescription localDescription() {
    List<Candidate> mine = agent.localCandidates().stream()
        .filter(c -> c.type() != io.p2pquic.puncher.ice.CandidateType.PEER_REFLEXIVE)
        .filter(c -> c.type() != io.p2pquic.puncher.ice.CandidateType.RELAYED || relays.holds(c.address()))
        .map(mdns::wire)
        .toList();
    return new PeerDescription(credentials, mine, true);
  }

  /**
   * A relayed local candidate: its checks run through {@code relay} (an allocation made from the
   * session socket), and a pair using it carries QUIC through the relay (the path layer wraps).
   */
  void addRelayedCandidate(Candidate c, RelayTransport relay) {
    RelayUdpEndpoint ep = relays.add(relay);
    StunClient client = new StunClient(vertx, ep, metrics);
    client.installAsHandler(agent.incomingHandler(client));
    agent.addLocalCandidate(c, client);
    mark("candidate", c.toSdp());
    signalling.send(remotePeer, new SessionSignal.Candidate(sessionId, c.toSdp()))
        .onFailure(err -> mark("trickle failed", err.getMessage()));
  }

  /**
   * The dialer's QUIC went unanswered on its path: the steering moves it, and ICE re-validates with a
   * restart if it had selected already.
   */
  private void onQuicSilent(PeerPath silentPath) {
    if (role != IceRole.CONTROLLING || steering.current() == null || result().failed()) {
      return;
    }
    String why = steering.onQuicSilent(silentPath);
    if (why == null || iceRestart.inProgress()) {
      return;
    }
    InetAddress relay = steering.relayServerOf(silentPath);
    if (relay == null) {
      if (agent.selected().isComplete()) {
        restart(why);
      }
      return;
    }
    // A relay went silent: when it was our last one, allocate on another first, so that the restart's
    // description already offers the new relayed candidate. Before ICE selected there is nothing to
    // restart: the new candidate trickles, and the peer is told which relay went silent.
    relays.markSilent(relay);
    relays.replaceAt(Set.of(relay)).onComplete(ar -> {
      if (result().failed() || closed || iceRestart.inProgress()) {
        return;
      }
      if (agent.selected().isComplete()) {
        restart(why);
      } else {
        signalling.send(remotePeer, new SessionSignal.RelaysSilent(sessionId,
            relays.silent().stream().map(SocketAddresses::formatIp).toList()))
            .onFailure(err -> mark("relays-silent not delivered", err.getMessage()));
      }
    });
  }

  private void complete(CandidatePair pair, boolean dials) {
    complete(SessionDescription.ofPair(sessionId, localPeer, remotePeer, method, dials, timings(), pair));
  }

  @Override
  public void fail(ConnectFailure reason, String detail) {
    if (tryFail(reason, detail)) {
      if (reason == ConnectFailure.IDENTITY_MISMATCH) {
        // Someone else answered for the peer (a hostile rendezvous or relay): no byte went to them.
        metrics.counter("p2p.session.identity-mismatch").increment();
      }
      close();
    }
  }

  /** Ends ICE and the socket (the QUIC connection, once adopted, closes with its channel). */
  @Override
  public Future<Void> close() {
    closed = true;
    mdns.close();
    if (dcutr != null) {
      dcutr.close();
    }
    if (hardNat != null) {
      hardNat.close();
    }
    if (repunch != null) {
      repunch.cancel();
    }
    // Deallocate on the relays first: that needs the socket.
    return Future.join(relays.close(), portMapping.close()).transform(x -> {
      List<Future<?>> all = new ArrayList<>();
      if (agent != null) {
        all.add(agent.close());
      }
      if (endpoint != null) {
        all.add(endpoint.close());
      }
      return Future.join(all).mapEmpty();
    });
  }
}
