package io.p2pquic.puncher;

import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.signalling.Registration;
import io.p2pquic.api.signalling.SignallingMessage;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.session.ConnectMethod;
import io.p2pquic.puncher.session.PeerSessions;
import io.p2pquic.puncher.signalling.SignallingClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer: its identity, its registration with the rendezvous, and its punching sessions. Other
 * services connect through {@link Addresses#PEER_CONNECT}; incoming offers become sessions too. Each
 * validated path goes to the quic-verticle ({@link Addresses#quicAdopt}).
 *
 * <p>Everything it does is marked on the {@link Timeline} it is given under its {@code name}.
 */
public final class PuncherVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PuncherVerticle.class);

  /** Set by the constructor, or read from {@code config()} in {@link #start()} (no-arg constructor). */
  private PeerConfig config;
  private MeterRegistry metrics;
  private Timeline timeline;
  private String name;
  private PeerIdentity identity;
  private SignallingClient signalling;
  private long renewalTimer = -1;
  private PeerSessions sessions;
  private volatile Registration registration;
  private boolean retryAtStart;
  private io.p2pquic.puncher.transport.DatagramChannels datagramChannels; // null: DatagramChannels.of(vertx)
  private final Promise<String> replaced = Promise.promise();
  private final Promise<Registration> firstRegistration = Promise.promise();

  /** @param identity the peer's key pair, or null to load (or create) {@link PeerConfig#identity()} */
  public PuncherVerticle(PeerConfig config, PeerIdentity identity, MeterRegistry metrics, Timeline timeline, String name) {
    this.config = config;
    this.identity = identity;
    this.metrics = metrics;
    this.timeline = timeline;
    this.name = name;
  }

  /**
   * For {@code vertx.deployVerticle("io.p2pquic.puncher.PuncherVerticle", new DeploymentOptions()
   * .setConfig(json))}: {@link #start()} reads the deployment's config as {@code conf/peer.json} is read (an
   * unknown key or bad value fails the deployment, naming the key), loads the key pair from its
   * {@code identity} file or creates it there, reports to
   * {@link io.p2pquic.api.deployment.DeploymentMetrics#registryFor the Vert.x instance's registry} and marks
   * its timeline under the name {@code peer}. Deploy a {@code QuicVerticle} with the same {@code identity}
   * next to it (docs/api.md, "Deploying the verticles yourself").
   */
  public PuncherVerticle() {
  }

  /**
   * A long-running peer: start even when the rendezvous cannot be reached yet, and register as soon as it
   * can (the start future does not wait for the registration). One-shot users (connect) leave it off and
   * fail fast with the reason.
   */
  public PuncherVerticle retryAtStart(boolean retry) {
    this.retryAtStart = retry;
    return this;
  }

  /**
   * For tests: the sessions' UDP channels come from {@code channels} (a virtual network's) instead of
   * real NIO sockets. Set before deployment.
   */
  public PuncherVerticle datagramChannels(io.p2pquic.puncher.transport.DatagramChannels channels) {
    this.datagramChannels = java.util.Objects.requireNonNull(channels, "channels");
    return this;
  }

  @Override
  public Future<?> start() {
    if (config == null) {
      try {
        config = PeerConfig.fromJson(config());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new IllegalArgumentException("peer deployment config: " + e.getMessage(), e));
      }
      metrics = io.p2pquic.api.deployment.DeploymentMetrics.registryFor(vertx);
      timeline = new Timeline();
      name = "peer";
    }
    Future<PeerIdentity> id = identity != null
        ? Future.succeededFuture(identity)
        : vertx.executeBlocking(() -> {
          PeerIdentity loaded = PeerIdentity.loadOrCreate(Path.of(config.identity()));
          String exposed = io.p2pquic.api.config.SecretFiles.exposure(Path.of(config.identity()));
          if (exposed != null) {
            org.slf4j.LoggerFactory.getLogger(PuncherVerticle.class).warn("identity: {}", exposed);
          }
          return loaded;
        });
    return id
        .compose(loaded -> {
          identity = loaded;
          timeline.mark(name, "identity", identity.peerId().value());
          signalling = new SignallingClient(vertx, config.rendezvous(), identity, metrics, config.signalling())
              .messageHandler(this::onSignal)
              .registrationHandler(this::onRegistered)
              .stateHandler(this::onSignallingState)
              .closeHandler(reason -> {
                if (!"client".equals(reason)) { // our own close at shutdown is not news
                  timeline.mark(name, "signalling closed", reason);
                }
              });
          // real sockets (with port mapping), or a test's virtual network
          sessions = datagramChannels == null ? new PeerSessions(vertx, signalling, config, metrics, timeline, name)
              : new PeerSessions(vertx, signalling, config, metrics, timeline, name, datagramChannels);
          if (retryAtStart) {
            signalling.connectAndRetry().onFailure(err -> LOG.debug("{}: registration given up: {}", name, err.getMessage()));
            return Future.succeededFuture();
          }
          return signalling.connect().<Void>mapEmpty().recover(this::slowFirstRegistration);
        })
        .compose(reg -> {
          var bus = vertx.eventBus();
          // The plain addresses stay node-local: in a cluster Vert.x would round-robin them over every
          // peer of every node, so a request would connect from a random peer. The scoped ones name
          // this peer, so they are cluster-wide (consumer(), which is local anyway when Vert.x is not
          // clustered): a service on another node can use this peer. Completion waits until the
          // subscription is in the cluster's registry, so "started" means reachable.
          return Future.all(
              bus.<JsonObject>localConsumer(Addresses.PEER_CONNECT, this::onConnectRequest).completion(),
              bus.<JsonObject>consumer(Addresses.peerConnect(identity.peerId()), this::onConnectRequest).completion(),
              bus.<JsonObject>localConsumer(Addresses.PEER_RESTART, this::onRestartRequest).completion(),
              bus.<JsonObject>consumer(Addresses.peerRestart(identity.peerId()), this::onRestartRequest).completion());
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(renewalTimer);
    Future<Void> s = sessions != null ? sessions.close() : Future.succeededFuture();
    return s.compose(v -> signalling != null ? signalling.close() : Future.succeededFuture());
  }

  public PeerId peerId() {
    return identity.peerId();
  }

  public PeerIdentity identity() {
    return identity;
  }

  public Registration registration() {
    return registration;
  }

  /** The signalling client: its state, rendezvous and registration for status output. */
  public SignallingClient signalling() {
    return signalling;
  }

  /** The live sessions, for status output. */
  public PeerSessions sessions() {
    return sessions;
  }

  /**
   * Completes with the reason when another process registered this peer id at the rendezvous: this peer
   * stopped signalling for good (a long-running command should exit with that message).
   */
  public Future<String> replaced() {
    return replaced.future();
  }

  /** Where a session's packets go now (see PeerSessions#pathOf), read on this verticle's event loop. */
  public Future<JsonObject> pathOf(String sessionId) {
    Promise<JsonObject> p = Promise.promise();
    context.runOnContext(v -> p.complete(sessions.pathOf(sessionId)));
    return p.future();
  }

  /** A one-shot command's first registration may retry this long after a timed-out attempt. */
  static final long SLOW_REGISTRATION_MILLIS = 20_000;

  /**
   * A one-shot command fails fast when the rendezvous refuses or cannot be resolved, but a first attempt
   * that only timed out (a slow or lossy path: at 20 % loss the WebSocket and TCP handshakes alone can
   * take longer than {@code connectTimeoutMs}) is retried by the client's reconnect loop, and waited for
   * up to {@link #SLOW_REGISTRATION_MILLIS} more.
   */
  private Future<Void> slowFirstRegistration(Throwable err) {
    boolean timedOut = err instanceof io.p2pquic.api.signalling.SignallingException se
        && io.p2pquic.api.signalling.ErrorCode.TIMEOUT.wire().equals(se.code());
    if (!timedOut || !config.signalling().reconnect()) {
      return Future.failedFuture(err);
    }
    timeline.mark(name, "registration slow", err.getMessage() + "; trying again for up to "
        + SLOW_REGISTRATION_MILLIS / 1000 + " s");
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(SLOW_REGISTRATION_MILLIS, t -> done.tryFail(new io.p2pquic.api.signalling.SignallingException(
        io.p2pquic.api.signalling.ErrorCode.TIMEOUT.wire(), "no registration with " + config.rendezvous() + " after "
        + (config.signalling().connectTimeoutMs() + SLOW_REGISTRATION_MILLIS) / 1000 + " s (last error: "
        + signalling.lastError() + "); check that the rendezvous is reachable over TCP from here", null)));
    firstRegistration.future().onSuccess(r -> {
      vertx.cancelTimer(timer);
      done.tryComplete();
    });
    return done.future();
  }

  /** Completes with the first registration (at once if registered already). */
  public Future<Registration> registered() {
    return firstRegistration.future();
  }

  private void onRegistered(Registration reg) {
    firstRegistration.tryComplete(reg);
    boolean again = registration != null;
    registration = reg;
    timeline.mark(name, again ? "registered again" : "registered", "observed " + reg.observedAddress() + " via "
        + config.rendezvous());
    vertx.cancelTimer(renewalTimer);
    scheduleRelayRenewal(signalling.relayCredentials());
  }

  private void onSignallingState(io.p2pquic.puncher.signalling.SignallingState state) {
    switch (state) {
      case RECONNECTING -> {
        timeline.mark(name, registration == null ? "rendezvous unreachable" : "signalling lost",
            signalling.lastError() + "; " + (registration == null ? "retrying with backoff"
                : "reconnecting with backoff (sessions keep running)"));
        if (sessions != null) {
          sessions.onSignallingLost();
        }
      }
      case REPLACED -> {
        timeline.mark(name, "replaced", signalling.lastError());
        replaced.tryComplete(signalling.lastError());
      }
      default -> { }
    }
  }

  /** Punches to {@code target} and brings QUIC up; the session description as in docs/api.md. */
  public Future<JsonObject> connect(PeerId target, long timeoutMs) {
    return sessions.connect(target, timeoutMs);
  }

  /** As {@link #connect(PeerId, long)} with an explicit {@link ConnectMethod}. */
  public Future<JsonObject> connect(PeerId target, long timeoutMs, ConnectMethod method) {
    return sessions.connect(target, timeoutMs, method);
  }

  /**
   * Renews the relay credentials at 80% of their lifetime so that sessions started by a long-running
   * peer still allocate (credentials are time-limited by design); retries every 30 s on failure.
   */
  private void scheduleRelayRenewal(io.p2pquic.api.signalling.RelayCredentials grant) {
    if (grant == null || grant.expiresAt() <= 0) {
      return;
    }
    long remainingMs = grant.expiresAt() * 1000 - System.currentTimeMillis();
    long delay = Math.max(1_000, remainingMs * 8 / 10);
    renewalTimer = vertx.setTimer(delay, t -> signalling.renewRelayCredentials()
        .onSuccess(fresh -> {
          timeline.mark(name, "relay credentials renewed", "valid " + fresh.ttlSeconds() + " s");
          scheduleRelayRenewal(fresh);
        })
        .onFailure(err -> {
          LOG.warn("{}: relay credentials could not be renewed ({}); retrying in 30 s", name, err.getMessage());
          renewalTimer = vertx.setTimer(30_000, x -> scheduleRelayRenewal(grant));
        }));
  }

  private void onRestartRequest(Message<JsonObject> msg) {
    String id = msg.body() == null ? null : msg.body().getString("sessionId");
    if (id == null) {
      msg.fail(400, "\"sessionId\" is required");
      return;
    }
    sessions.restartIce(id, msg.body().getString("reason", "asked through " + Addresses.PEER_RESTART))
        .onSuccess(msg::reply)
        .onFailure(err -> msg.fail(409, "ICE restart of session " + id + " failed: " + err.getMessage()));
  }

  private void onConnectRequest(Message<JsonObject> msg) {
    JsonObject req = msg.body();
    PeerId target;
    try {
      target = PeerId.parse(req == null ? null : req.getString("peer"));
    } catch (RuntimeException e) {
      msg.fail(io.p2pquic.api.session.ConnectFailure.INVALID_REQUEST.code(), "\"peer\" must be a peer id (pq1...): " + e.getMessage());
      return;
    }
    ConnectMethod method;
    try {
      method = ConnectMethod.parse(req.getString("method", ConnectMethod.AUTO.label()));
    } catch (IllegalArgumentException e) {
      msg.fail(io.p2pquic.api.session.ConnectFailure.INVALID_REQUEST.code(), e.getMessage());
      return;
    }
    long timeout = req.getLong("timeoutMs", config.connectTimeoutMs());
    // The failure code says why (ConnectFailure, docs/api.md); the message says what to do next.
    sessions.connect(target, timeout, method).onSuccess(msg::reply)
        .onFailure(err -> msg.fail(io.p2pquic.api.session.ConnectFailure.of(err).code(), err.getMessage()));
  }

  private void onSignal(SignallingMessage msg) {
    if (!sessions.onSignal(msg)) {
      LOG.debug("{}: {} from {} is not a session message; ignored", name, msg.type(), msg.from());
    }
  }
}
