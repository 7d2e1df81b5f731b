package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.session.ConnectFailedException;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.api.signalling.SignallingProtocol;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.signalling.session.SessionSignal;
import io.p2pquic.api.signalling.session.SessionSignalException;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.ice.agent.IceRole;
import io.p2pquic.puncher.quicnative.AttachedSocketPool;
import io.p2pquic.puncher.quicnative.QuicNativeSession;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.p2pquic.puncher.mdns.MdnsResponder;
import io.p2pquic.puncher.portmap.PortMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.puncher.turn.TurnClientOptions;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The punching sessions of one peer: outgoing ({@link #connect}) and incoming (offers), routed by the
 * {@code sessionId} every session message carries. Incoming offers are put to
 * {@link Addresses#PEER_INCOMING} first (accept/reject); without a consumer, {@code acceptFrom} decides.
 */
public final class PeerSessions {
  private static final Logger LOG = LoggerFactory.getLogger(PeerSessions.class);

  private final Vertx vertx;
  private final SignallingClient signalling;
  private final PeerConfig config;
  private final MeterRegistry metrics;
  private final io.micrometer.core.instrument.Gauge openGauge;
  private final Timeline timeline;
  private final String actor;
  private final SessionContext context;
  private final SessionMetrics sessionMetrics;
  /** Every session of this peer, whatever its method, by session id. */
  private final Map<String, PunchSession> sessions = new HashMap<>();
  private final EarlySignals earlySignals = new EarlySignals();
  private final io.vertx.core.eventbus.MessageConsumer<JsonObject> closedEvents;
  private final SessionReporter reporter;
  private final PortMapper portMapper;
  private final MdnsResponder mdnsResponder;
  private final SessionSocketPool socketPool;
  private final AttachedSocketPool attachedSocketPool;

  public PeerSessions(Vertx vertx, SignallingClient signalling, PeerConfig config, MeterRegistry metrics,
      Timeline timeline, String actor) {
    this(vertx, signalling, config, metrics, timeline, actor, io.p2pquic.puncher.transport.DatagramChannels.of(vertx), true);
  }

  /** For tests: sessions whose UDP channels {@code datagramChannels} makes (a virtual network's, say); no port mapping, no mDNS. */
  public PeerSessions(Vertx vertx, SignallingClient signalling, PeerConfig config, MeterRegistry metrics,
      Timeline timeline, String actor, io.p2pquic.puncher.transport.DatagramChannels datagramChannels) {
    this(vertx, signalling, config, metrics, timeline, actor, datagramChannels, false);
  }

  private PeerSessions(Vertx vertx, SignallingClient signalling, PeerConfig config, MeterRegistry metrics,
      Timeline timeline, String actor, io.p2pquic.puncher.transport.DatagramChannels datagramChannels,
      boolean realNetwork) {
    this.vertx = vertx;
    // the gateway and the LAN exist only on real sockets
    this.portMapper = realNetwork && config.session().portMapping().enabled()
        ? new PortMapper(vertx, config.session().portMapping(), metrics) : null;
    if (portMapper != null) {
      // Asked now, so that the first session knows whether to wait for a mapping (docs/ice.md, "Port mapping").
      portMapper.start().onSuccess(v -> timeline.mark(actor, "port mapping", portMapper.protocol() != null
          ? "gateway " + io.p2pquic.api.net.SocketAddresses.format(portMapper.gateway()) + " speaks "
              + portMapper.protocol().label()
          : "none: " + portMapper.unavailableReason()));
    }
    this.signalling = signalling;
    this.config = config;
    this.metrics = metrics;
    this.timeline = timeline;
    this.actor = actor;
    this.mdnsResponder = realNetwork && config.session().mdns().enabled()
        ? new MdnsResponder(vertx, config.session().mdns(), metrics) : null;
    if (mdnsResponder != null) {
      mdnsResponder.start().onFailure(err -> timeline.mark(actor, "mdns unavailable", "cannot listen on UDP 5353 ("
          + err.getMessage() + "): host candidates are offered as names nobody answers for; set session.mdns.enabled false"));
    }
    this.context = new SessionContext(vertx, signalling, signalling.identity().peerId(), metrics, timeline, actor,
        config.session(), config.quicTimeoutMs(), datagramChannels, portMapper, mdnsResponder);
    this.sessionMetrics = new SessionMetrics(metrics);
    this.socketPool = new SessionSocketPool(context, this::gathering).start();
    this.attachedSocketPool = new AttachedSocketPool(context, this::gathering, config.rendezvous(),
        config.session().quicNative());
    this.reporter = new SessionReporter(vertx, signalling, this::pathOf);
    // Tagged with the peer: two peers sharing a registry (the demo, embedded use) each keep their own.
    this.openGauge = io.micrometer.core.instrument.Gauge.builder("p2p.session.open", this, PeerSessions::openSessions)
        .description("Sessions the peer holds now, punching or connected")
        .tag("peer", signalling.identity().peerId().value()).register(metrics);
    // When QUIC ends a session, ICE (consent checks) and the socket go too.
    this.closedEvents = vertx.eventBus().<JsonObject>localConsumer(Addresses.SESSION_EVENTS, m -> {
      JsonObject e = m.body();
      if ("closed".equals(e.getString("type")) && signalling.identity().peerId().value().equals(e.getString("localPeer"))) {
        PunchSession s = sessions.remove(e.getString("sessionId"));
        if (s instanceof IceSession) {
          timeline.mark(actor, "session closed", PunchSession.shortId(e.getString("sessionId", "")) + ": " + e.getString("reason"));
        }
        if (s != null) {
          s.close();
        }
      }
    });
  }

  /** Punches to {@code target} and brings QUIC up; completes with the session description. */
  public Future<JsonObject> connect(PeerId target, long timeoutMs) {
    return connect(target, timeoutMs, ConnectMethod.AUTO);
  }

  /** Punches to {@code target} with {@code method} and brings QUIC up; completes with the session description. */
  public Future<JsonObject> connect(PeerId target, long timeoutMs, ConnectMethod method) {
    if (target.equals(signalling.identity().peerId())) {
      return Future.failedFuture(new ConnectFailedException(ConnectFailure.INVALID_REQUEST, "cannot connect to "
          + target.value() + ": that is this peer itself (with several peers in one JVM, use p2p.peer.connect.<your peer id>)"));
    }
    if ((method == ConnectMethod.RELAY || method == ConnectMethod.DCUTR) && gathering().turnServers().isEmpty()) {
      return Future.failedFuture(new ConnectFailedException(ConnectFailure.UNAVAILABLE, "method " + method.label()
          + " needs a TURN server: set gathering.turnServers (conf/peer.json) or use a rendezvous that hands out relay credentials"));
    }
    if (method == ConnectMethod.TCP) {
      return connectTcp(target, timeoutMs);
    }
    if (method == ConnectMethod.QUIC_NATIVE) {
      return connectQuicNative(target, timeoutMs);
    }
    IceSession s = session(UUID.randomUUID().toString(), target, IceRole.CONTROLLING, method)
        .connectDeadline(System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    timeline.mark(actor, "connect", "to " + target.shortId() + ", method " + method.label());
    long timer = vertx.setTimer(timeoutMs, t -> s.fail(ConnectFailure.TIMEOUT, "no connection to " + target.value() + " within "
        + timeoutMs + " ms (is the peer online and running p2p-node peer?)"));
    return s.start(null).compose(v -> s.result()).onComplete(x -> vertx.cancelTimer(timer));
  }

  /**
   * Restarts ICE on a session this peer dialed (RFC 8445 section 9), e.g. after a network change; the
   * QUIC connection moves to the new selected pair. Completes with the new pair as in a session
   * description's {@code selectedPair}.
   */
  public Future<JsonObject> restartIce(String sessionId, String why) {
    if (!(sessions.get(sessionId) instanceof IceSession s)) {
      return Future.failedFuture("no session " + sessionId + " on this peer"
          + (sessions.containsKey(sessionId) ? " that runs ICE (method " + sessions.get(sessionId).method().label() + ")" : ""));
    }
    return s.restart(why).map(p -> new JsonObject()
        .put("local", io.p2pquic.api.net.SocketAddresses.format(p.local().address()))
        .put("localType", p.local().type().sdpName())
        .put("remote", io.p2pquic.api.net.SocketAddresses.format(p.remote().address()))
        .put("remoteType", p.remote().type().sdpName())
        .put("rttMs", p.rttMillis()));
  }

  private Future<JsonObject> connectTcp(PeerId target, long timeoutMs) {
    InetSocketAddress stun = tcpStunServer();
    if (stun == null) {
      return Future.failedFuture(new ConnectFailedException(ConnectFailure.UNAVAILABLE,
          "method tcp needs a STUN server (over TCP): set gathering.stunServers (conf/peer.json) or --stun"));
    }
    TcpSession s = tcpSession(UUID.randomUUID().toString(), target, true, stun);
    timeline.mark(actor, "connect", "to " + target.shortId() + ", method tcp");
    long timer = vertx.setTimer(timeoutMs, t -> s.fail(ConnectFailure.TIMEOUT, "no connection to " + target.value() + " within "
        + timeoutMs + " ms (is the peer online and running p2p-node peer?)"));
    return s.start(null).compose(v -> s.result()).onComplete(x -> vertx.cancelTimer(timer));
  }

  private TcpSession tcpSession(String id, PeerId remote, boolean dialer, InetSocketAddress stun) {
    return register(new TcpSession(context, id, remote, dialer, stun));
  }

  /** Adds a new session to the registry; a session that fails leaves it. */
  private <S extends PunchSession> S register(S s) {
    sessions.put(s.sessionId(), s);
    sessionMetrics.track(s, System.nanoTime());
    s.result().onFailure(err -> sessions.remove(s.sessionId(), s));
    return s;
  }

  /** The first configured STUN server (its TCP listener shares the UDP port, RFC 8489). */
  private InetSocketAddress tcpStunServer() {
    List<String> servers = config.gathering().stunServers();
    if (servers.isEmpty()) {
      return null;
    }
    InetSocketAddress a = io.p2pquic.api.net.SocketAddresses.parseHostPort(servers.get(0), 3478);
    return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
  }

  /**
   * Handles a session message ({@link SessionSignal}); false if it is not one (no string {@code sessionId},
   * a cluster service's, or not a session type). One that does not decode is counted and dropped. A message
   * for a running session goes to it when it comes from that session's peer (another peer cannot steer it:
   * counted); an offer starts a session once accepted; anything else for an unknown session is late or
   * stray, and dropped.
   */
  public boolean onSignal(SignallingMessage msg) {
    JsonObject body = msg.body();
    if (msg.isFromService() || !SessionSignal.isSessionType(msg.type()) || !(body.getValue("sessionId") instanceof String)) {
      return false;
    }
    SessionSignal signal;
    try {
      signal = SessionSignal.decode(msg.type(), body);
    } catch (SessionSignalException e) {
      metrics.counter("p2p.session.bad-signal", "type", msg.type()).increment();
      timeline.mark(actor, "bad " + msg.type(), e.getMessage());
      return true;
    }
    String id = signal.sessionId();
    PeerId from = msg.fromPeer();
    PunchSession existing = sessions.get(id);
    if (existing != null) {
      if (existing.remotePeer().equals(from)) {
        existing.onSignal(signal);
      } else {
        metrics.counter("p2p.session.foreign-signal").increment();
      }
      return true;
    }
    if (!(signal instanceof SessionSignal.TcpOffer || signal instanceof SessionSignal.Offer)
        && earlySignals.hold(id, from, signal)) {
      return true;
    }
    if (signal instanceof SessionSignal.TcpOffer offer) {
      onTcpOffer(id, from, offer);
    } else if (signal instanceof SessionSignal.Offer offer) {
      onOffer(id, from, offer);
    }
    return true;
  }

  private void onTcpOffer(String id, PeerId from, SessionSignal.TcpOffer signal) {
    List<InetSocketAddress> offered;
    try {
      offered = TcpSession.offered(signal);
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.session.bad-signal", "type", SignallingProtocol.TCP_OFFER).increment();
      timeline.mark(actor, "bad tcp offer", e.getMessage());
      return;
    }
    InetSocketAddress stun = tcpStunServer();
    earlySignals.expect(id, from);
    decideIncoming(id, from).onSuccess(accepted -> {
      if (!accepted || stun == null) {
        earlySignals.drop(id, from);
        timeline.mark(actor, "tcp offer rejected", accepted ? "no STUN server for TCP" : "by this peer");
        signalling.send(from, new SessionSignal.Bye(id, accepted ? "the peer has no STUN server for method tcp"
            : "rejected by the peer", (accepted ? ConnectFailure.UNAVAILABLE : ConnectFailure.REJECTED).label()));
        return;
      }
      TcpSession s = tcpSession(id, from, false, stun);
      s.start(offered);
      earlySignals.deliver(id, from, s::onSignal);
      long timer = vertx.setTimer(config.connectTimeoutMs(), t -> s.fail(ConnectFailure.TIMEOUT, "tcp session not up within "
          + config.connectTimeoutMs() + " ms"));
      s.result().onComplete(ar -> vertx.cancelTimer(timer))
          .onSuccess(d -> timeline.mark(actor, "session up", PunchSession.shortId(id) + " (tcp) with " + from.shortId()));
    });
  }

  private void onOffer(String id, PeerId from, SessionSignal.Offer signal) {
    PeerDescription offer;
    ConnectMethod method;
    try {
      offer = PeerDescription.of(signal.description());
      method = ConnectMethod.parse(signal.method() == null ? "ice" : signal.method());
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.session.bad-signal", "type", SignallingProtocol.OFFER).increment();
      timeline.mark(actor, "bad offer", e.getMessage());
      return;
    }
    earlySignals.expect(id, from);
    decideIncoming(id, from).onSuccess(accepted -> {
      if (!accepted) {
        earlySignals.drop(id, from);
        timeline.mark(actor, "offer rejected", "from " + from.value()
            + " (not in acceptFrom, or refused by the p2p.peer.incoming consumer)");
        signalling.send(from, new SessionSignal.Bye(id, "rejected by the peer", ConnectFailure.REJECTED.label()));
        return;
      }
      if (method == ConnectMethod.QUIC_NATIVE) {
        QuicNativeSession n = quicNative(id, from, false);
        n.start(offer, attachedSocketPool.take());
        earlySignals.deliver(id, from, n::onSignal);
        n.result().onSuccess(d -> timeline.mark(actor, "session up", PunchSession.shortId(id) + " with "
            + from.shortId() + " (quic-native)"));
        return;
      }
      IceSession s = session(id, from, IceRole.CONTROLLED, method);
      s.start(offer).onFailure(err -> s.fail(ConnectFailure.FAILED, err.getMessage()));
      earlySignals.deliver(id, from, s::onSignal);
      s.result().onSuccess(d -> timeline.mark(actor, "session up", PunchSession.shortId(id) + " with "
          + from.shortId()));
    });
  }

  private Future<Boolean> decideIncoming(String sessionId, PeerId from) {
    JsonObject ask = new JsonObject().put("sessionId", sessionId).put("peer", from.value());
    return vertx.eventBus().<JsonObject>request(Addresses.PEER_INCOMING, ask, new DeliveryOptions().setSendTimeout(5_000)
            .setLocalOnly(true))
        .map(reply -> reply.body().getBoolean("accept", false))
        .recover(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
            return Future.succeededFuture(config.accepts(from));
          }
          LOG.warn("incoming session {} from {}: accept hook failed ({}); rejecting", sessionId, from, err.getMessage());
          return Future.succeededFuture(false);
        });
  }

  private Future<JsonObject> connectQuicNative(PeerId target, long timeoutMs) {
    QuicNativeSession s = quicNative(UUID.randomUUID().toString(), target, true);
    timeline.mark(actor, "connect", "to " + target.shortId() + ", method " + ConnectMethod.QUIC_NATIVE.label());
    long timer = vertx.setTimer(timeoutMs, t -> s.fail(ConnectFailure.TIMEOUT, "no connection to " + target.value() + " within "
        + timeoutMs + " ms (is the peer online and running p2p-node peer?)"));
    s.start(null, attachedSocketPool.take());
    return s.result().onComplete(x -> vertx.cancelTimer(timer));
  }

  private QuicNativeSession quicNative(String id, PeerId remote, boolean dialer) {
    return register(new QuicNativeSession(context, id, remote, dialer, config.rendezvous(), gathering(),
        config.session().quicNative()));
  }

  private IceSession session(String id, PeerId remote, IceRole role, ConnectMethod method) {
    IceSession s = new IceSession(context, id, remote, role, method, gathering(), config.ice());
    if ((method == ConnectMethod.ICE || method == ConnectMethod.AUTO) && !config.ice().relayOnly()) {
      s.pooledSocket(socketPool.take(s.gathering()));
    }
    if (config.gathering().turnServers().isEmpty()) {
      // Relays came with a grant: when they all die, a fresh grant lists the live ones.
      s.relaySource(() -> signalling.renewRelayCredentials().map(PeerSessions::udpRelays));
    }
    return register(s);
  }

  /**
   * The gathering options of a new session: the configured ones, plus the relays and time-limited
   * credentials the rendezvous issued at registration when no TURN server is configured (a configured
   * list wins, so a deployment can pin its own relays).
   */
  private GatheringOptions gathering() {
    GatheringOptions g = config.gathering();
    RelayCredentials grant = signalling.relayCredentials();
    if (!g.turnServers().isEmpty() || grant == null) {
      return g;
    }
    List<TurnClientOptions> relays = udpRelays(grant);
    return relays.isEmpty() ? g : new GatheringOptions(g.toJson()).setTurnServers(relays);
  }

  /** The UDP relays of a grant, with its credentials. */
  private static List<TurnClientOptions> udpRelays(RelayCredentials grant) {
    List<TurnClientOptions> relays = new ArrayList<>();
    for (RelayCredentials.Relay r : grant.relays()) {
      if ("udp".equalsIgnoreCase(r.transport())) {
        relays.add(new TurnClientOptions(r.host(), r.port(), grant.username(), grant.password()));
      }
    }
    return relays;
  }

  /**
   * Where a session's packets go now ({@code path} direct/relayed, {@code via}, {@code remote}, {@code method},
   * {@code role}), for status and ping; null when this peer holds no such session.
   */
  public JsonObject pathOf(String sessionId) {
    PunchSession s = sessions.get(sessionId);
    return s == null ? null : s.pathJson();
  }

  /** Sessions this peer holds now, punching or connected (the gauge {@code p2p.session.open}). */
  public int openSessions() {
    return sessions.size();
  }

  /** Signalling was lost: sessions that can no longer complete without it fail at once. */
  public void onSignallingLost() {
    List.copyOf(sessions.values()).forEach(PunchSession::onSignallingLost);
  }

  public Future<Void> close() {
    metrics.remove(openGauge); // a stopped peer's gauge would read NaN or a stale count
    List<Future<?>> all = new ArrayList<>();
    all.add(closedEvents.unregister());
    all.add(reporter.close());
    List.copyOf(sessions.values()).forEach(s -> all.add(s.close()));
    sessions.clear();
    all.add(socketPool.close());
    all.add(attachedSocketPool.close());
    // the sessions delete their port mappings through the mapper's socket: close it after them
    if (mdnsResponder != null) {
      all.add(mdnsResponder.close());
    }
    return Future.join(all).transform(ar -> portMapper == null ? Future.succeededFuture() : portMapper.close()).mapEmpty();
  }
}
