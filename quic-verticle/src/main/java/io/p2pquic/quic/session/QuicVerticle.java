package io.p2pquic.quic.session;

import io.p2pquic.api.Addresses;
import io.p2pquic.api.session.ConnectFailure;
import io.p2pquic.api.session.PunchedPath;
import io.p2pquic.api.session.PunchedPaths;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.quic.PeerCertificates;
import io.p2pquic.quic.QuicOptions;
import io.p2pquic.quic.QuicPeerConnection;
import io.p2pquic.quic.QuicPeerEndpoint;
import io.p2pquic.quic.QuicPeerServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adopts punched channels ({@link Addresses#quicAdopt}) and runs QUIC on them: the ICE controlling
 * side dials, the other accepts only the peer it punched to (its peer id pinned in the TLS handshake).
 * Each connection becomes a {@link PeerSession} reachable on the event bus.
 */
public final class QuicVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(QuicVerticle.class);

  /** Set by the constructor, or read from {@code config()} in {@link #start()} (no-arg constructor). */
  private PeerIdentity identity;
  private QuicOptions options;
  private boolean echo;
  /** Every live session, QUIC and TCP alike, by session id. */
  private final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();
  private final Map<StreamKind, StreamService> services = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong refusedStreams = new java.util.concurrent.atomic.AtomicLong();

  public QuicVerticle(PeerIdentity identity, QuicOptions options, boolean echo) {
    this.identity = identity;
    this.options = options;
    this.echo = echo;
    if (echo) {
      services.put(StreamKind.ECHO, ECHO_SERVICE);
    }
  }

  /**
   * For {@code vertx.deployVerticle("io.p2pquic.quic.session.QuicVerticle", new DeploymentOptions()
   * .setConfig(json))}: {@link #start()} reads {@link QuicVerticleConfig} from the deployment's config (an
   * unknown key fails the deployment, naming it) and loads the key pair from its {@code identity} file, or
   * creates it there: give it the file of the PuncherVerticle it serves.
   */
  public QuicVerticle() {
  }

  /** Sends every byte of an {@code echo} stream back, back-pressured both ways; FIN answered with FIN. */
  private static final StreamService ECHO_SERVICE = (session, stream, preamble, early) -> {
    if (early.length() > 0) {
      stream.write(early);
    }
    stream.pipeTo(stream);
  };

  /** Reads the deployment config and the key file (off the event loop) when no constructor gave them. */
  private Future<Void> configureFromDeployment() {
    if (identity != null) {
      return Future.succeededFuture();
    }
    QuicVerticleConfig deployed;
    try {
      deployed = QuicVerticleConfig.fromJson(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("quic deployment config: " + e.getMessage(), e));
    }
    options = deployed.quic();
    echo = deployed.echo();
    if (echo) {
      services.putIfAbsent(StreamKind.ECHO, ECHO_SERVICE); // a service set before deployment wins
    }
    return vertx.executeBlocking(() -> PeerIdentity.loadOrCreate(java.nio.file.Path.of(deployed.identity())))
        .map(loaded -> {
          identity = loaded;
          return null;
        });
  }

  /** Serves incoming streams of {@code kind} with {@code service} (one per kind; the last one wins). */
  public QuicVerticle streamService(StreamKind kind, StreamService service) {
    services.put(kind, service);
    return this;
  }

  /** Live sessions of every method (tcp included), for status output and the bridge's session list. */
  public java.util.Collection<LiveSession> sessions() {
    return java.util.List.copyOf(sessions.values());
  }

  /** Live QUIC sessions: those that carry streams (forward, pipe) and QUIC pings; every method but tcp. */
  public java.util.List<PeerSession> quicSessions() {
    return sessions.values().stream().filter(PeerSession.class::isInstance).map(PeerSession.class::cast).toList();
  }

  /** Incoming streams reset so far: no preamble, unknown kind, or no service for it. */
  public long refusedStreams() {
    return refusedStreams.get();
  }

  @Override
  public Future<?> start() {
    // The TLS certificate (an ECDSA key bound to the identity) is made once per identity and cached;
    // making it here, off the event loop, keeps that cost out of the first session's handshake.
    return configureFromDeployment()
        .compose(v -> io.p2pquic.quic.QuicNativeLibrary.check())
        .compose(v -> vertx.executeBlocking(() -> PeerCertificates.current(identity), false))
        .compose(cert -> vertx.eventBus().<JsonObject>localConsumer(Addresses.quicAdopt(identity.peerId()), this::adopt)
            .completion())
        .compose(v -> vertx.eventBus().<JsonObject>localConsumer(Addresses.tlsAdopt(identity.peerId()), this::adoptStream)
            .completion());
  }

  private void adopt(Message<JsonObject> msg) {
    String sessionId = msg.body().getString("sessionId");
    PunchedPath path = sessionId == null ? null : PunchedPaths.take(vertx, identity.peerId(), sessionId);
    if (path == null) {
      msg.fail(404, "no punched path for session " + sessionId);
      return;
    }
    long start = System.nanoTime();
    // The dialer may allow the handshake longer than handshakeTimeoutMs (what is left of its connect timeout).
    Long clientTimeout = msg.body().getLong("timeoutMs");
    QuicOptions clientOptions = clientTimeout != null && clientTimeout > options.handshakeTimeoutMs()
        ? new QuicOptions(options).setHandshakeTimeoutMs(clientTimeout) : options;
    Future<QuicPeerConnection> connected = path.quicClient()
        ? QuicPeerEndpoint.connect(vertx, path.channel(), path.remote(), identity, path.remotePeer(), clientOptions)
        : accept(path, msg.body().getLong("timeoutMs", options.handshakeTimeoutMs() + 2_000));
    connected
        .compose(conn -> {
          // Echo only on sessions this peer accepted: two echoing peers would otherwise send every byte
          // back and forth for as long as the session lives.
          PeerSession session = new PeerSession(vertx, identity.peerId(), sessionId, conn, echo && !conn.isClient(), services::get,
              refusedStreams::incrementAndGet, msg.body().getString("method"), options.keepAliveIntervalMs());
          sessions.put(sessionId, session);
          conn.closeFuture().onComplete(x -> sessions.remove(sessionId, session));
          // "connected" and the reply go out once the session's addresses are registered (cluster-wide
          // when clustered), so whoever hears of the session can use it straight away.
          return session.start().map(conn).recover(err -> {
            conn.close(0, "session addresses not registered: " + err.getMessage());
            return Future.failedFuture(err);
          });
        })
        // The handshake's RTT goes into the event (the puncher reports it to the rendezvous's operator API).
        .compose(conn -> conn.stats().map(st -> (Double) st.rttMillis())
            .otherwise((Double) null).map(rtt -> java.util.Map.entry(conn, java.util.Optional.ofNullable(rtt))))
        .onSuccess(up -> {
          QuicPeerConnection conn = up.getKey();
          double ms = (System.nanoTime() - start) / 1e6;
          vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "connected")
              .put("sessionId", sessionId).put("localPeer", identity.peerId().value()).put("peer", conn.remotePeerId().value())
              .put("rttMs", up.getValue().orElse(null)));
          msg.reply(new JsonObject().put("sessionId", sessionId).put("peer", conn.remotePeerId().value())
              .put("handshakeMs", Math.round(ms * 10) / 10.0).put("alpn", conn.applicationProtocol())
              .put("role", conn.isClient() ? "client" : "server"));
        })
        .onFailure(err -> {
          LOG.warn("QUIC on session {} with {} failed: {}", sessionId, path.remotePeer(), err.getMessage());
          msg.fail(failureCode(err), "QUIC handshake with " + path.remotePeer().value()
              + (path.remote() != null ? " at " + path.remote() : "") + " failed: " + err.getMessage());
        });
  }

  /**
   * A TCP connection from a simultaneous open: TLS 1.3 with the peer id pinned on both sides (the dialer
   * is the TLS client), then the session's addresses, as for QUIC.
   */
  private void adoptStream(Message<JsonObject> msg) {
    String sessionId = msg.body().getString("sessionId");
    io.p2pquic.api.session.PunchedStream punched = sessionId == null ? null
        : PunchedPaths.takeStream(vertx, identity.peerId(), sessionId);
    if (punched == null) {
      msg.fail(404, "no TCP connection for session " + sessionId);
      return;
    }
    long start = System.nanoTime();
    io.p2pquic.quic.PeerTlsStream.handshake(punched.channel(), identity, punched.remotePeer(), punched.tlsClient(),
            msg.body().getLong("timeoutMs", options.handshakeTimeoutMs()))
        .compose(stream -> {
          TlsStreamSession session = new TlsStreamSession(vertx, identity.peerId(), sessionId, stream,
              echo && !punched.tlsClient());
          sessions.put(sessionId, session);
          stream.closeFuture().onComplete(x -> sessions.remove(sessionId, session));
          return session.start().map(stream).recover(err -> {
            stream.close();
            return Future.failedFuture(err);
          });
        })
        .onSuccess(stream -> {
          double ms = (System.nanoTime() - start) / 1e6;
          vertx.eventBus().publish(Addresses.SESSION_EVENTS, new JsonObject().put("type", "connected")
              .put("sessionId", sessionId).put("localPeer", identity.peerId().value()).put("peer", stream.remotePeerId().value()));
          msg.reply(new JsonObject().put("sessionId", sessionId).put("peer", stream.remotePeerId().value())
              .put("handshakeMs", Math.round(ms * 10) / 10.0).put("role", punched.tlsClient() ? "client" : "server"));
        })
        .onFailure(err -> {
          LOG.warn("TLS on session {} with {} failed: {}", sessionId, punched.remotePeer(), err.getMessage());
          msg.fail(failureCode(err), "TLS handshake with " + punched.remotePeer().value() + " over TCP failed: "
              + err.getMessage());
        });
  }

  /** The adopt request's failure code: the far end proved another peer id (525), or the handshake failed (524). */
  private static int failureCode(Throwable err) {
    return (io.p2pquic.quic.PeerCertificateException.isPeerIdMismatch(err) ? ConnectFailure.IDENTITY_MISMATCH
        : ConnectFailure.HANDSHAKE_FAILED).code();
  }

  /** Accepts exactly the punched-to peer on the channel; the first such connection wins. */
  private Future<QuicPeerConnection> accept(PunchedPath path, long timeoutMs) {
    Promise<QuicPeerConnection> first = Promise.promise();
    QuicPeerServer server = QuicPeerEndpoint.server(vertx, path.channel(), identity,
        id -> id.equals(path.remotePeer()), options);
    server.connectionHandler(first::tryComplete);
    server.rejectionHandler(r -> LOG.warn("session {}: rejected a QUIC handshake: {}", path.sessionId(), r));
    long timer = vertx.setTimer(timeoutMs, t -> first.tryFail(
        "no QUIC handshake from " + path.remotePeer().value() + " within " + timeoutMs + " ms"));
    return server.start().compose(v -> first.future()).onComplete(x -> vertx.cancelTimer(timer));
  }

  /** Says goodbye ({@link #closeSessions}, "peer stopped"). */
  @Override
  public Future<?> stop() {
    return closeSessions("peer stopped");
  }

  /**
   * Closes every session: a QUIC connection with a CONNECTION_CLOSE carrying {@code reason}, a TCP one with
   * TLS close_notify and FIN, so the other side frees it at once instead of after its idle timeout. Bounded
   * to 2 s: a peer that cannot be reached any more does not hold the shutdown.
   */
  public Future<Void> closeSessions(String reason) {
    java.util.List<Future<Void>> closing = sessions.values().stream()
        .map(s -> s.close(reason).otherwiseEmpty()).toList();
    Promise<Void> done = Promise.promise();
    long bound = vertx.setTimer(2_000, t -> done.tryComplete());
    Future.join(closing).onComplete(ar -> {
      vertx.cancelTimer(bound);
      done.tryComplete();
    });
    return done.future();
  }

  /** The peer id this verticle serves (known once started when deployed with a config). */
  public io.p2pquic.identity.PeerId peerId() {
    return identity.peerId();
  }

  /** A live session by id (QUIC or TCP), for code in the same JVM; null when there is none. */
  public LiveSession session(String sessionId) {
    return sessions.get(sessionId);
  }

  /** A live QUIC session by id; null when there is none or the session runs over TCP. */
  public PeerSession quicSession(String sessionId) {
    return sessions.get(sessionId) instanceof PeerSession s ? s : null;
  }
}
