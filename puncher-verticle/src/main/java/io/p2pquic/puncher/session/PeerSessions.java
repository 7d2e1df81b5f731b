package io.p2pquic.puncher.session;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.ice.agent.IceRole;
import io.p2pquic.puncher.quicnative.QuicNativeOptions;
import io.p2pquic.puncher.quicnative.QuicNativeSession;
import io.p2pquic.puncher.signalling.SignallingClient;
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
  private static final Logger log = LoggerFactory.getLogger(PeerSessions.class);

  private final Vertx vertx;
  private final SignallingClient signalling;
  private final PeerConfig config;
  private final MeterRegistry metrics;
  private final Timeline timeline;
  private final String actor;
  private final Map<String, IceSession> sessions = new HashMap<>();
  private final Map<String, TcpSession> tcpSessions = new HashMap<>();
  /** Sessions of method quic-native, by session id. */
  private final Map<String, QuicNativeSession> nativeSessions = new HashMap<>();
  private final io.vertx.core.eventbus.MessageConsumer<JsonObject> closedEvents;

  public PeerSessions(Vertx vertx, SignallingClient signalling, PeerConfig config, MeterRegistry metrics,
      Timeline timeline, String actor) {
    this.vertx = vertx;
    this.signalling = signalling;
    this.config = config;
    this.metrics = metrics;
    this.timeline = timeline;
    this.actor = actor;
    // When QUIC ends a session, ICE (consent checks) and the socket go too.
    this.closedEvents = vertx.eventBus().<JsonObject>localConsumer(Addresses.SESSION_EVENTS, m -> {
      JsonObject e = m.body();
      if ("closed".equals(e.getString("type")) && signalling.identity().peerId().value().equals(e.getString("localPeer"))) {
        tcpSessions.remove(e.getString("sessionId"));
        QuicNativeSession n = nativeSessions.remove(e.getString("sessionId"));
        if (n != null) {
          n.close();
        }
        IceSession s = sessions.remove(e.getString("sessionId"));
        if (s != null) {
          timeline.mark(actor, "session closed", e.getString("sessionId", "").substring(0, 8) + ": " + e.getString("reason"));
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
      return Future.failedFuture("cannot connect to " + target.value() + ": that is this peer itself"
          + " (with several peers in one JVM, use p2p.peer.connect.<your peer id>)");
    }
    if ((method == ConnectMethod.RELAY || method == ConnectMethod.DCUTR) && gathering().turnServers().isEmpty()) {
      return Future.failedFuture("method " + method.label() + " needs a TURN server: set gathering.turnServers (conf/peer.json)"
          + " or use a rendezvous that hands out relay credentials");
    }
    if (method == ConnectMethod.TCP) {
      return connectTcp(target, timeoutMs);
    }
    if (method == ConnectMethod.QUIC_NATIVE) {
      return connectQuicNative(target, timeoutMs);
    }
    IceSession s = session(UUID.randomUUID().toString(), target, IceRole.CONTROLLING, method);
    timeline.mark(actor, "connect", "to " + target.value().substring(0, 12) + "…, method " + method.label());
    long timer = vertx.setTimer(timeoutMs, t -> s.fail("no connection to " + target.value() + " within "
        + timeoutMs + " ms (is the peer online and running p2p-node peer?)"));
    return s.start(null).compose(v -> s.result()).onComplete(x -> vertx.cancelTimer(timer));
  }

  /**
   * Restarts ICE on a session this peer dialed (RFC 8445 section 9), e.g. after a network change; the
   * QUIC connection moves to the new selected pair. Completes with the new pair as in a session
   * description's {@code selectedPair}.
   */
  public Future<JsonObject> restartIce(String sessionId, String why) {
    IceSession s = sessions.get(sessionId);
    if (s == null) {
      return Future.failedFuture("no session " + sessionId + " on this peer");
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
      return Future.failedFuture("method tcp needs a STUN server (over TCP): set gathering.stunServers (conf/peer.json) or --stun");
    }
    TcpSession s = tcpSession(UUID.randomUUID().toString(), target, true, stun);
    timeline.mark(actor, "connect", "to " + target.value().substring(0, 12) + "…, method tcp");
    long timer = vertx.setTimer(timeoutMs, t -> s.fail("no connection to " + target.value() + " within "
        + timeoutMs + " ms (is the peer online and running p2p-node peer?)"));
    return s.start(null).compose(v -> s.result()).onComplete(x -> vertx.cancelTimer(timer));
  }

  private TcpSession tcpSession(String id, PeerId remote, boolean offerer, InetSocketAddress stun) {
    TcpSession s = new TcpSession(vertx, id, signalling.identity().peerId(), remote, offerer, signalling, stun,
        config.quicTimeoutMs(), metrics, timeline, actor);
    tcpSessions.put(id, s);
    s.result().onFailure(err -> tcpSessions.remove(id));
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

  /** Method tcp's messages: its own types, and a bye for one of its sessions. */
  private boolean onTcpSignal(SignallingMessage msg, String id, JsonObject body) {
    PeerId from = msg.fromPeer();
    TcpSession existing = tcpSessions.get(id);
    if (existing != null) {
      if (existing.remotePeer().equals(from)) {
        existing.onSignal(msg.type(), body);
      } else {
        metrics.counter("p2p.session.foreign-signal").increment();
      }
      return true;
    }
    if (!"tcp-offer".equals(msg.type())) {
      return true; // late or stray
    }
    List<InetSocketAddress> offered;
    try {
      offered = TcpSession.offered(body);
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.session.bad-signal", "type", "tcp-offer").increment();
      timeline.mark(actor, "bad tcp offer", e.getMessage());
      return true;
    }
    InetSocketAddress stun = tcpStunServer();
    decideIncoming(id, from).onSuccess(accepted -> {
      if (!accepted || stun == null) {
        timeline.mark(actor, "tcp offer rejected", accepted ? "no STUN server for TCP" : "by this peer");
        signalling.send(from, "bye", new JsonObject().put("sessionId", id)
            .put("reason", accepted ? "the peer has no STUN server for method tcp" : "rejected by the peer"));
        return;
      }
      TcpSession s = tcpSession(id, from, false, stun);
      s.start(offered);
      long timer = vertx.setTimer(config.connectTimeoutMs(), t -> s.fail("tcp session not up within "
          + config.connectTimeoutMs() + " ms"));
      s.result().onComplete(ar -> vertx.cancelTimer(timer))
          .onSuccess(d -> timeline.mark(actor, "session up", id.substring(0, 8) + " (tcp) with " + from.value().substring(0, 12) + "…"));
    });
    return true;
  }

  /** Handles a session message; false if it is not one (no {@code sessionId}). */
  public boolean onSignal(SignallingMessage msg) {
    JsonObject body = msg.body();
    String id = body == null ? null : body.getString("sessionId");
    if (id != null && !msg.isFromService()
        && (TcpSession.TYPES.contains(msg.type()) || "bye".equals(msg.type()) && tcpSessions.containsKey(id))) {
      return onTcpSignal(msg, id, body);
    }
    if (id == null || msg.isFromService() || !IceSession.TYPES.contains(msg.type())) {
      return false;
    }
    PeerId from = msg.fromPeer();
    QuicNativeSession quicNative = nativeSessions.get(id);
    if (quicNative != null) {
      if (quicNative.remotePeer().equals(from)) {
        quicNative.onSignal(msg.type(), body);
      } else {
        metrics.counter("p2p.session.foreign-signal").increment();
      }
      return true;
    }
    IceSession existing = sessions.get(id);
    if (existing != null) {
      if (existing.remotePeer().equals(from)) { // another peer cannot steer this session
        existing.onSignal(msg.type(), body);
      } else {
        metrics.counter("p2p.session.foreign-signal").increment();
      }
      return true;
    }
    if ("offer".equals(msg.type())) {
      PeerDescription offer;
      ConnectMethod method;
      try {
        offer = PeerDescription.fromJson(body);
        method = ConnectMethod.parse(body.getString("method", "ice"));
      } catch (IllegalArgumentException e) {
        metrics.counter("p2p.session.bad-signal", "type", "offer").increment();
        timeline.mark(actor, "bad offer", e.getMessage());
        return true;
      }
      decideIncoming(id, from).onSuccess(accepted -> {
        if (!accepted) {
          timeline.mark(actor, "offer rejected", "from " + from.value()
              + " (not in acceptFrom, or refused by the p2p.peer.incoming consumer)");
          signalling.send(from, "bye", new JsonObject().put("sessionId", id).put("reason", "rejected by the peer"));
          return;
        }
        if (method == ConnectMethod.QUIC_NATIVE) {
          QuicNativeSession n = quicNative(id, from, false);
          n.start(offer);
          n.result().onSuccess(d -> timeline.mark(actor, "session up", id.substring(0, 8) + " with "
              + from.value().substring(0, 12) + "… (quic-native)"));
          return;
        }
        IceSession s = session(id, from, IceRole.CONTROLLED, method);
        s.start(offer).onFailure(err -> s.fail(err.getMessage()));
        s.result().onSuccess(d -> timeline.mark(actor, "session up", id.substring(0, 8) + " with "
            + from.value().substring(0, 12) + "…"));
      });
    }
    return true; // other messages of unknown sessions: late or stray, dropped
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
          log.warn("incoming session {} from {}: accept hook failed ({}); rejecting", sessionId, from, err.getMessage());
          return Future.succeededFuture(false);
        });
  }

  private Future<JsonObject> connectQuicNative(PeerId target, long timeoutMs) {
    QuicNativeSession s = quicNative(UUID.randomUUID().toString(), target, true);
    timeline.mark(actor, "connect", "to " + target.value().substring(0, 12) + "…, method " + ConnectMethod.QUIC_NATIVE.label());
    long timer = vertx.setTimer(timeoutMs, t -> s.fail("no connection to " + target.value() + " within "
        + timeoutMs + " ms (is the peer online and running p2p-node peer?)"));
    s.start(null);
    return s.result().onComplete(x -> vertx.cancelTimer(timer));
  }

  private QuicNativeSession quicNative(String id, PeerId remote, boolean dialer) {
    QuicNativeSession s = new QuicNativeSession(vertx, id, signalling, remote, dialer, config.rendezvous(), gathering(),
        config.quicTimeoutMs(), new QuicNativeOptions(), metrics, timeline, actor);
    nativeSessions.put(id, s);
    s.result().onFailure(err -> nativeSessions.remove(id));
    return s;
  }

  private IceSession session(String id, PeerId remote, IceRole role, ConnectMethod method) {
    IceSession s = new IceSession(vertx, id, signalling.identity().peerId(), remote, role, method, signalling, gathering(), config.ice(),
        config.quicTimeoutMs(), metrics, timeline, actor);
    if (config.gathering().turnServers().isEmpty()) {
      // Relays came with a grant: when they all die, a fresh grant lists the live ones.
      s.relaySource(() -> signalling.renewRelayCredentials().map(PeerSessions::udpRelays));
    }
    sessions.put(id, s);
    s.result().onFailure(err -> sessions.remove(id));
    return s;
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
    return relays.isEmpty() ? g : new GatheringOptions(g.toJson()).turnServers(relays);
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
    IceSession ice = sessions.get(sessionId);
    if (ice != null) {
      return ice.pathJson();
    }
    if (tcpSessions.containsKey(sessionId)) {
      return new JsonObject().put("method", "tcp").put("path", "direct");
    }
    if (nativeSessions.containsKey(sessionId)) {
      return new JsonObject().put("method", "quic-native").put("path", "direct");
    }
    return null;
  }

  /** Signalling was lost: sessions that can no longer complete without it fail at once. */
  public void onSignallingLost() {
    List.copyOf(sessions.values()).forEach(IceSession::onSignallingLost);
  }

  public Future<Void> close() {
    List<Future<?>> all = new ArrayList<>();
    all.add(closedEvents.unregister());
    sessions.values().forEach(s -> all.add(s.close()));
    tcpSessions.values().forEach(s -> s.fail("the peer is shutting down"));
    tcpSessions.clear();
    nativeSessions.values().forEach(s -> all.add(s.close()));
    nativeSessions.clear();
    sessions.clear();
    return Future.join(all).mapEmpty();
  }
}
