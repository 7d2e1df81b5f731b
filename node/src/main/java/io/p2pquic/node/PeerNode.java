package io.p2pquic.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.PuncherVerticle;
import io.p2pquic.puncher.session.ConnectMethod;
import io.p2pquic.quic.session.PeerSession;
import io.p2pquic.quic.session.QuicVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/** A peer in this JVM: the puncher and the quic-verticle sharing one identity. */
final class PeerNode {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PeerNode.class);
  final PuncherVerticle puncher;
  final QuicVerticle quic;
  final PeerConfig config;
  final MeterRegistry metrics;
  /** Connects under way, by target: callers that need a session meanwhile join it instead of punching twice. */
  private final java.util.Map<PeerId, Future<PeerSession>> connecting = new java.util.concurrent.ConcurrentHashMap<>();

  private PeerNode(PuncherVerticle puncher, QuicVerticle quic, PeerConfig config, MeterRegistry metrics) {
    this.puncher = puncher;
    this.quic = quic;
    this.config = config;
    this.metrics = metrics;
  }

  /**
   * Closes every QUIC session with a CONNECTION_CLOSE while the session sockets are still open (before
   * Vert.x undeploys the verticles, whose order it does not promise), so the far side frees them at once.
   * Bounded to 2 s.
   */
  Future<Void> goodbye(String reason) {
    return quic.closeSessions(reason);
  }

  /**
   * Undeploys this peer's verticles (after {@link #goodbye}), so that in a process that also runs the
   * rendezvous the peer is gone before the rendezvous (no "signalling lost, reconnecting" at exit).
   */
  Future<Void> undeploy(Vertx vertx) {
    return (quic.deploymentID() == null ? Future.<Void>succeededFuture() : vertx.undeploy(quic.deploymentID()))
        .recover(err -> Future.succeededFuture())
        .compose(v -> puncher.deploymentID() == null ? Future.<Void>succeededFuture() : vertx.undeploy(puncher.deploymentID()))
        .recover(err -> Future.succeededFuture());
  }

  /** The local control endpoint (status, ping, health, metrics) on 127.0.0.1:control.port; 0 = none. */
  void startControl(Vertx vertx) {
    NodeRuntime.await(ControlServer.start(vertx, this, metrics, config.controlPort()), java.time.Duration.ofSeconds(10),
        "starting the control endpoint");
  }

  /**
   * The TCP event-bus bridge (docs/bridge.md) on {@code bridge.bind}:{@code bridge.port} when the port is set;
   * completes with its deployment id, or null when it is off. Fails when the port cannot be bound: the
   * operator asked for it, and a service relying on it should not find a peer that silently lacks it.
   */
  Future<String> startBridge(Vertx vertx) {
    if (config.bridgePort() == PeerConfig.BRIDGE_OFF) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(new io.p2pquic.node.bridge.EventBusBridgeVerticle(puncher.peerId(), config.bridgeBind(),
        config.bridgePort(), () -> quic.sessions().stream().map(io.p2pquic.quic.session.LiveSession::sessionId).toList()));
  }

  static Future<PeerNode> start(Vertx vertx, PeerConfig config, PeerIdentity identity, MeterRegistry metrics,
      Timeline timeline, String name, boolean echo) {
    return start(vertx, config, identity, metrics, timeline, name, echo, false);
  }

  /**
   * @param longRunning a peer that stays up: it starts even while the rendezvous is unreachable and
   *     registers (again) whenever it can; false for one-shot commands, which fail fast instead
   */
  static Future<PeerNode> start(Vertx vertx, PeerConfig config, PeerIdentity identity, MeterRegistry metrics,
      Timeline timeline, String name, boolean echo, boolean longRunning) {
    PuncherVerticle puncher = new PuncherVerticle(config, identity, metrics, timeline, name).retryAtStart(longRunning);
    return vertx.deployVerticle(puncher).compose(id -> {
      QuicVerticle quic = new QuicVerticle(puncher.identity(), config.quic(), echo);
      return vertx.deployVerticle(quic).map(x -> new PeerNode(puncher, quic, config, metrics));
    });
  }

  /** Why forward, pipe and ping refuse method tcp, and what to do instead. */
  static final String STREAMS_NEED_QUIC = "method tcp carries a single TLS byte stream (connect --send and the "
      + "session's event-bus addresses work over it), but forward, pipe and ping need QUIC streams: use auto, ice, "
      + "relay, dcutr or quic-native";

  /**
   * A live session with {@code target} (the newest one), or a new one made with {@code method}. Streams of
   * {@code forward} and {@code pipe} share it: one punched path per peer pair.
   */
  Future<PeerSession> session(Vertx vertx, PeerId target, ConnectMethod method, long timeoutMs) {
    if (method == ConnectMethod.TCP) {
      return Future.failedFuture(new IllegalArgumentException(STREAMS_NEED_QUIC));
    }
    PeerSession open = openSession(target);
    if (open != null) {
      return Future.succeededFuture(open);
    }
    Future<PeerSession> pending = connecting.get(target);
    if (pending != null) {
      return pending;
    }
    Promise<PeerSession> made = Promise.promise();
    Future<PeerSession> raced = connecting.putIfAbsent(target, made.future());
    if (raced != null) {
      return raced;
    }
    attempt(vertx, target, method, System.currentTimeMillis() + timeoutMs, 1_000, made, null);
    made.future().onComplete(ar -> connecting.remove(target, made.future()));
    return made.future();
  }

  /**
   * One connect within what is left of the caller's timeout; a failed one is tried again after a
   * doubling pause while time remains: a rendezvous restart or a lost answer during the punch costs a
   * retry, not the caller's connection.
   */
  private void attempt(Vertx vertx, PeerId target, ConnectMethod method, long deadline, long pause,
      Promise<PeerSession> made, Throwable last) {
    long remaining = deadline - System.currentTimeMillis();
    if (remaining < 1_000 || puncher.replaced().isComplete()) {
      made.fail(last != null ? last : new IllegalStateException("no connection to " + target.value()
          + " within the timeout (is the peer online and running p2p-node peer?)"));
      return;
    }
    puncher.connect(target, remaining, method).<PeerSession>compose(d -> {
      PeerSession s = quic.quicSession(d.getString("sessionId"));
      return s != null ? Future.succeededFuture(s)
          : Future.failedFuture("session " + d.getString("sessionId") + " closed right after it came up");
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        made.complete(ar.result());
        return;
      }
      // A session made meanwhile another way (the peer dialled us) serves as well as our own.
      PeerSession other = openSession(target);
      if (other != null) {
        made.complete(other);
        return;
      }
      long left = deadline - System.currentTimeMillis();
      if (left < pause + 1_000 || puncher.replaced().isComplete()) {
        made.fail(ar.cause());
        return;
      }
      LOG.info("connect to {} failed ({}); trying again in {} ms", target.shortId(), ar.cause().getMessage(), pause);
      vertx.setTimer(pause, t -> attempt(vertx, target, method, deadline, pause * 2, made, ar.cause()));
    });
  }

  private PeerSession openSession(PeerId target) {
    PeerSession newest = null;
    for (PeerSession s : quic.quicSessions()) {
      if (s.remotePeer().equals(target) && s.isOpen()) {
        newest = s;
      }
    }
    return newest;
  }

  /**
   * Sends {@code payload} on a session's default stream and completes once as many bytes came back
   * (the remote peer echoes), with the bytes received.
   */
  static Future<Buffer> echo(Vertx vertx, JsonObject session, Buffer payload) {
    PeerId local = PeerId.parse(session.getString("localPeer"));
    String sessionId = session.getString("sessionId");
    Promise<Buffer> done = Promise.promise();
    Buffer received = Buffer.buffer();
    MessageConsumer<Buffer> consumer = vertx.eventBus().consumer(Addresses.sessionData(local, sessionId), msg -> {
      received.appendBuffer(msg.body());
      if (received.length() >= payload.length()) {
        done.tryComplete(received.copy()); // a copy: more may arrive before the consumer is unregistered
      }
    });
    consumer.completion()
        .compose(v -> vertx.eventBus().request(Addresses.sessionSend(local, sessionId), payload))
        .onFailure(done::tryFail);
    return done.future().onComplete(x -> consumer.unregister());
  }

  /**
   * Sends {@code payload} on the session's default stream through the local stream API (back-pressured
   * writes, no event-bus request that could time out on a slow path) and completes with as many bytes as
   * came back (the peer echoes). {@code progress} counts bytes each way.
   */
  Future<Buffer> echoOverStream(Vertx vertx, JsonObject session, Buffer payload, TransferProgress progress) {
    return echoOverStream(vertx, session, payload, progress, DEFAULT_FIRST_ECHO_MILLIS);
  }

  /** How long an echo may take to start before the peer is taken for one that does not echo. */
  static final long DEFAULT_FIRST_ECHO_MILLIS = 20_000;

  /**
   * As above; fails when no echoed byte arrives within {@code firstEchoMillis} of sending: a peer that
   * accepted the session but does not run {@code --echo} would otherwise leave the caller waiting for its
   * whole timeout.
   */
  Future<Buffer> echoOverStream(Vertx vertx, JsonObject session, Buffer payload, TransferProgress progress,
      long firstEchoMillis) {
    PeerSession s = quic.quicSession(session.getString("sessionId"));
    if (s == null) {
      return echo(vertx, session, payload); // not this JVM's, or a tcp session: the event-bus API
    }
    return s.defaultStream().compose(stream -> {
      Promise<Buffer> done = Promise.promise();
      Buffer received = Buffer.buffer(payload.length());
      long noEcho = vertx.setTimer(firstEchoMillis, t -> {
        if (received.length() == 0) {
          done.tryFail("nothing came back within " + firstEchoMillis / 1000.0 + " s of sending: the peer accepted the "
              + "session but does not echo (run it with 'p2p-node peer --echo', or use forward/pipe for other peers)");
        }
      });
      done.future().onComplete(x -> vertx.cancelTimer(noEcho));
      stream.handler(data -> {
        received.appendBuffer(data);
        if (progress != null) {
          progress.received(data.length());
        }
        if (received.length() >= payload.length()) {
          done.tryComplete(received);
        }
      });
      stream.closeHandler(v -> done.tryFail("the session's stream closed after " + received.length() + " of "
          + payload.length() + " bytes came back"));
      stream.resume();
      writeChunks(stream, payload, 0, progress, done);
      return done.future();
    });
  }

  private static void writeChunks(io.p2pquic.quic.QuicPeerStream stream, Buffer payload, int from,
      TransferProgress progress, Promise<Buffer> done) {
    int at = from;
    while (at < payload.length()) {
      int end = Math.min(payload.length(), at + 64 * 1024);
      stream.write(payload.getBuffer(at, end)).onFailure(done::tryFail);
      if (progress != null) {
        progress.sent(end - at);
      }
      at = end;
      if (stream.writeQueueFull()) {
        int next = at;
        stream.drainHandler(v -> {
          stream.drainHandler(null);
          writeChunks(stream, payload, next, progress, done);
        });
        return;
      }
    }
  }

  /**
   * For a session that is relayed: "relay HOST:PORT limits this session to N MiB/s; a direct path was not
   * found" when the grant announced a bandwidth limit, else null. The user learns why a transfer is slow.
   */
  Future<String> relayLimitNote(String sessionId) {
    var creds = puncher.signalling() == null ? null : puncher.signalling().relayCredentials();
    long limit = creds == null ? 0 : creds.bandwidthBytesPerSecond();
    return puncher.pathOf(sessionId).map(path -> {
      if (limit <= 0 || path == null || !"relayed".equals(path.getString("path"))) {
        return null;
      }
      String via = path.getString("via");
      String relay = via != null && !via.startsWith("the peer") ? via : path.getString("remote") + " (the peer's relay)";
      return "relay " + relay + " limits this session to " + TransferProgress.size(limit) + "/s; a direct path was "
          + "not found";
    });
  }

  static String phases(JsonObject description) {
    JsonObject t = description.getJsonObject("timings", new JsonObject());
    return "gathered " + t.getValue("gatheredMs", "-") + " ms, signalled " + t.getValue("signalledMs", "-")
        + " ms, checks done " + t.getValue("checksDoneMs", "-") + " ms, handshake done "
        + t.getValue("handshakeDoneMs", "-") + " ms"
        + (t.containsKey("firstByteMs") ? ", first byte " + t.getValue("firstByteMs") + " ms" : "")
        + (t.containsKey("upgradeMs") ? ", upgraded to direct " + t.getValue("upgradeMs") + " ms" : "");
  }
}
