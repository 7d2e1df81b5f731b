package io.p2pquic.rendezvous;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.rendezvous.relay.RelayDirectory;
import io.p2pquic.rendezvous.relay.RelayEntry;
import io.p2pquic.rendezvous.relay.RelayGrants;
import io.p2pquic.rendezvous.relay.SecretId;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.turn.TurnServer;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public rendezvous node: STUN server (UDP and TCP) with the TURN relay on the same sockets, and on
 * one HTTP port the signalling WebSocket ({@code /signal}), {@code /health} and {@code /metrics}
 * (Prometheus text). Registered peers get time-limited TURN credentials in their {@code registered} reply,
 * listing relays from the cluster-wide {@link RelayDirectory} (this node's relay among them when it runs one).
 */
public final class RendezvousVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RendezvousVerticle.class);

  /** Set by the constructor, or read from {@code config()} in {@link #start()} (no-arg constructor). */
  private RendezvousConfig config;
  private MeterRegistry metrics;
  private StunServer stun;
  private TurnServer turn;
  private SignallingService signalling;
  private io.p2pquic.rendezvous.signalling.QuicSignallingListener quicSignalling;
  private RelayDirectory directory;
  private RelayGrants grants;
  private HttpServer http;
  /** The HTTP listener's servers on the other event loops (http.eventLoops). */
  private final List<HttpServer> extraHttp = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ServerCertificate certificate;
  private HttpServer adminServer;
  private io.p2pquic.rendezvous.admin.OperatorApi operatorApi;
  private io.p2pquic.rendezvous.ConnectionLimiter httpConnections;

  /** Gauge of live relays in the directory (this node's included). */
  public static final String RELAYS_KNOWN = "p2p.relays.known";

  /** Makes the UDP sockets when set ({@link #udpSockets}); else the Vert.x transport's. */
  private java.util.function.Function<String, io.netty.channel.socket.DatagramChannel> udpSockets;

  /**
   * For tests: every UDP socket of this rendezvous (STUN, TURN relays, QUIC signalling) is made by
   * {@code sockets}, given the host to bind, instead of the Vert.x transport, e.g. channels of an
   * in-memory network; HTTP and TCP stay real. Set before deploying.
   */
  public RendezvousVerticle udpSockets(java.util.function.Function<String, io.netty.channel.socket.DatagramChannel> sockets) {
    this.udpSockets = sockets;
    return this;
  }

  public RendezvousVerticle(RendezvousConfig config, MeterRegistry metrics) {
    this.config = config;
    this.metrics = metrics;
    limitConnections();
  }

  /**
   * For {@code vertx.deployVerticle("io.p2pquic.rendezvous.RendezvousVerticle", new DeploymentOptions()
   * .setConfig(json))}: {@link #start()} reads the deployment's config as {@code conf/rendezvous.json} is
   * read (an unknown key or bad value fails the deployment, naming the key) and reports to
   * {@link io.p2pquic.api.deployment.DeploymentMetrics#registryFor the Vert.x instance's registry}.
   */
  public RendezvousVerticle() {
  }

  private void limitConnections() {
    this.httpConnections = new io.p2pquic.rendezvous.ConnectionLimiter(
        config.signalling().maxConnections(), config.signalling().maxConnectionsPerIp());
    metrics.gauge("p2p.signalling.connections.open", httpConnections,
        io.p2pquic.rendezvous.ConnectionLimiter::open);
  }

  @Override
  public Future<?> start() {
    if (config == null) {
      try {
        config = RendezvousConfig.fromJson(config());
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new IllegalArgumentException("rendezvous deployment config: " + e.getMessage(), e));
      }
      metrics = io.p2pquic.api.deployment.DeploymentMetrics.registryFor(vertx);
      limitConnections();
    }
    if (config.turn().enabled()) {
      turn = new TurnServer(vertx, config.turn(), config.stun().bind(), config.stun().software(), metrics);
    }
    stun = new StunServer(vertx, config.stun(), metrics, turn);
    if (udpSockets != null) {
      stun.udpSockets(udpSockets);
    }
    signalling = new SignallingService(vertx, config.signalling(), metrics);
    if (config.issuesRelayGrants()) {
      directory = new RelayDirectory(vertx, config.relays(), signalling.nodeId(), turn != null ? this::localRelay : null);
      grants = turn != null
          ? new RelayGrants(directory, turn::issueCredentials, turn.secretIds().get(0), turn.config().realm(),
              turn.config().credentialTtlSeconds()).bandwidthBytesPerSecond(turn.config().bandwidthBytesPerSecond())
          : signallingOnlyGrants();
      signalling.relayCredentials((peer, token) -> {
        RelayCredentials c = relayCredentials(peer.value(), token);
        return c == null ? null : c.toJson();
      });
      LOG.info("relay grants: {}", config.turn().grantsAll()
          ? "every registered peer (turn.grant all-registered: anyone who makes a key pair may use the relays)"
          : config.turn().grantPeers().isEmpty()
              ? "nobody (the relay is closed: set turn.grant to a list of peer ids, or --grant all-registered)"
              : config.turn().grantPeers().size() + " listed peer(s) (turn.grant)");
      Gauge.builder(RELAYS_KNOWN, directory, RelayDirectory::size)
          .description("live TURN relays in the cluster-wide directory").register(metrics);
      if (turn != null && turn.generatedSecret() && vertx.isClustered()) {
        LOG.warn("TURN: this clustered node runs with a random secret (no turn.authSecret): peers registered here "
            + "get credentials for this node's relay only, and peers of other nodes are never sent here. Set the "
            + "same turn.authSecret on every relay and rendezvous node of the cluster.");
      }
    } else if (vertx.isClustered()) {
      LOG.info("relay: turn.enabled is false and no turn.authSecret is set: this node issues no relay credentials "
          + "(set turn.authSecret to hand out the cluster's relays)");
    }
    Router router = Router.router(vertx);
    signalling.mount(router);
    AdminConfig admin = config.admin();
    Router adminRouter = admin.port() >= 0 ? Router.router(vertx) : router;
    if (admin.port() < 0) {
      // Shared port: only loopback, private ranges (admin.allow) and the host itself read them.
      router.route("/health").handler(this::adminGate);
      router.route("/metrics").handler(this::adminGate);
      router.route(io.p2pquic.rendezvous.admin.OperatorApi.PREFIX).handler(this::adminGate);
      router.route(io.p2pquic.rendezvous.admin.OperatorApi.PREFIX + "/*").handler(this::adminGate);
      router.route("/dashboard*").handler(this::adminGate);
    }
    // GET and HEAD (monitoring probes use HEAD; Vert.x answers HEAD with the headers only).
    adminRouter.route("/health").method(io.vertx.core.http.HttpMethod.GET).method(io.vertx.core.http.HttpMethod.HEAD)
        .handler(ctx -> ctx.json(new JsonObject()
        .put("status", "up")
        .put("node", signalling.nodeId())
        .put("stun", String.valueOf(stun.udpAddress()))
        .put("turn", turn != null ? turn.allocationCount() + " allocations" : "off")
        .put("relays", directory != null ? directory.size() : 0)));
    if (metrics instanceof PrometheusMeterRegistry prometheus) {
      adminRouter.route("/metrics").method(io.vertx.core.http.HttpMethod.GET).method(io.vertx.core.http.HttpMethod.HEAD)
          .handler(ctx -> ctx.response()
          .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
          .end(prometheus.scrape()));
    }
    operatorApi = new io.p2pquic.rendezvous.admin.OperatorApi(vertx, signalling, directory, turn, metrics,
        admin.token());
    operatorApi.mount(adminRouter);
    HttpServerOptions options = config.signalling()
        .applyTo(new HttpServerOptions().setHost(config.httpBind()).setPort(config.httpPort()));
    // Reading or generating the certificate touches files and may make a key: off the event loop.
    Future<ServerCertificate> tls = !config.httpTls().enabled() ? Future.succeededFuture()
        : vertx.executeBlocking(() -> ServerCertificate.loadOrCreate(java.nio.file.Path.of(config.httpTls().certFile()),
            java.nio.file.Path.of(config.httpTls().keyFile()), certificateNames(config.httpBind())), false);
    // Each listener's failure names its port and the flag, variable and key that set it.
    return tls.compose(c -> {
      if (c != null) {
        certificate = c;
        options.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
            .setCertPath(c.certFile().toString()).setKeyPath(c.keyFile().toString()));
      }
      return stun.start().recover(err -> failStart(err, "STUN/TURN port " + config.stun().port() + " (udp+tcp)",
          "--stun-port, P2P_STUN_PORT or stun.port"));
    })
        .compose(v -> directory != null ? directory.start() : Future.succeededFuture())
        .compose(v -> signalling.start())
        .compose(v -> startQuicSignalling()
            .recover(err -> failStart(err, "QUIC signalling port " + config.signalling().quicPort() + " (udp)",
                "--quic-port, P2P_QUIC_PORT or signalling.quicPort; -1 turns QUIC signalling off")))
        .compose(v -> vertx.createHttpServer(options).connectionHandler(this::admitConnection)
            .requestHandler(router).listen()
            .recover(err -> failStart(err, "HTTP port " + config.httpPort() + " (signalling, /health, /metrics)",
                "--http-port, P2P_HTTP_PORT or http.port")))
        .compose(server -> moreHttpLoops(options, router, server.actualPort()).map(server))
        .compose(server -> admin.port() < 0 ? Future.succeededFuture(server)
            : vertx.createHttpServer(new HttpServerOptions().setHost(admin.bind()).setPort(admin.port())
                    .setIdleTimeout(60).setSsl(options.isSsl()).setKeyCertOptions(options.getKeyCertOptions()))
                .requestHandler(adminRouter).listen()
                .recover(err -> failStart(err, "admin port " + admin.port() + " on " + admin.bind()
                    + " (/health, /metrics, /api/v1, /dashboard)", "admin.port, admin.bind; -1 serves them on the HTTP port"))
                .map(a -> {
                  adminServer = a;
                  return server;
                }))
        .recover(err -> (directory != null ? directory.stop() : Future.<Void>succeededFuture())
            .transform(x -> Future.failedFuture(err)))
        .onSuccess(server -> {
          http = server;
          LOG.info("rendezvous ready: signalling {}://{}:{}{}{}, STUN udp/tcp {}", certificate != null ? "wss" : "ws",
              config.httpBind(), server.actualPort(), config.signalling().path(),
              certificate != null ? "#" + certificate.pin().fragment() : "", stun.udpAddress());
        });
  }

  /**
   * The same HTTP listener on the other event loops ({@code http.eventLoops}): Vert.x shares one port among
   * servers of one instance and hands each new connection to the next, each served by the loop that made it.
   * A listener on port 0 (any free port, as tests use) keeps one loop: Vert.x does not share a port chosen
   * by the system under the number asked for.
   */
  private Future<Void> moreHttpLoops(HttpServerOptions options, Router router, int port) {
    if (config.httpPort() == 0) {
      return Future.succeededFuture();
    }
    List<ContextInternal> loops = EventLoopContexts.spread(vertx, (ContextInternal) context, config.httpEventLoops());
    List<Future<HttpServer>> started = new ArrayList<>();
    for (ContextInternal loop : loops.subList(1, loops.size())) {
      Promise<HttpServer> p = Promise.promise();
      loop.runOnContext(v -> vertx.createHttpServer(new HttpServerOptions(options).setPort(port))
          .connectionHandler(this::admitConnection).requestHandler(router).listen().onComplete(p));
      started.add(p.future().onSuccess(extraHttp::add));
    }
    return Future.all(started).mapEmpty();
  }

  /** Connection caps of the HTTP/WebSocket listener: over them the connection is closed at once. */
  private void admitConnection(io.vertx.core.http.HttpConnection conn) {
    java.net.InetAddress ip = io.p2pquic.api.net.SocketAddresses.toInet(conn.remoteAddress()).getAddress();
    if (!httpConnections.tryAcquire(ip)) {
      metrics.counter("p2p.signalling.connections.refused").increment();
      conn.close();
      return;
    }
    conn.closeHandler(v -> httpConnections.release(ip));
  }

  private static <T> Future<T> failStart(Throwable err, String what, String setBy) {
    return Future.failedFuture(new IllegalStateException("rendezvous cannot start: " + what + " on "
        + "the configured address: " + err.getMessage() + " (free it or pick another with " + setBy + ")", err));
  }

  /** The QUIC signalling transport (method quic-native) when {@code signalling.quicPort} is not -1. */
  private Future<Void> startQuicSignalling() {
    if (config.signalling().quicPort() < 0) {
      return Future.succeededFuture();
    }
    quicSignalling = new io.p2pquic.rendezvous.signalling.QuicSignallingListener(vertx, signalling, config.httpBind(),
        config.signalling().quicPort());
    if (udpSockets != null) {
      quicSignalling.udpSockets(udpSockets);
    }
    return quicSignalling.start().mapEmpty();
  }

  /** The bound QUIC signalling address, null when off. */
  public InetSocketAddress quicSignallingAddress() {
    return quicSignalling == null ? null : quicSignalling.address();
  }

  @Override
  public Future<?> stop() {
    if (operatorApi != null) {
      operatorApi.stop();
    }
    List<Future<Void>> extra = new ArrayList<>();
    for (HttpServer s : extraHttp) {
      extra.add(s.close());
    }
    Future<Void> closing = Future.join(extra).<Void>mapEmpty().otherwiseEmpty()
        .compose(v -> http != null ? http.close() : Future.<Void>succeededFuture())
        .compose(v -> adminServer != null ? adminServer.close() : Future.succeededFuture());
    return closing
        .compose(v -> quicSignalling != null ? quicSignalling.stop() : Future.succeededFuture())
        .compose(v -> signalling != null ? signalling.stop() : Future.succeededFuture())
        .compose(v -> directory != null ? directory.stop() : Future.succeededFuture())
        .compose(v -> stun != null ? stun.stop() : Future.succeededFuture());
  }

  /**
   * The {@code turn} grant a peer registering as {@code userId} gets: credentials and the relays of the
   * directory that accept them; null when this node issues no grants, {@code turn.grant} does not name
   * the peer, or no relay is known.
   */
  public RelayCredentials relayCredentials(String userId) {
    return relayCredentials(userId, null);
  }

  /**
   * As {@link #relayCredentials(String)}, for a peer that registered with {@code grantToken}: a valid token
   * of an issuer in {@code turn.grantIssuers} admits a peer {@code turn.grant} does not name.
   */
  public RelayCredentials relayCredentials(String userId, String grantToken) {
    if (grants == null || !(config.turn().grants(userId) || validToken(userId, grantToken))) {
      if (grants != null) {
        metrics.counter("p2p.relay.grants.refused").increment();
      }
      return null;
    }
    return grants.issue(userId);
  }

  private boolean validToken(String userId, String token) {
    if (token == null || config.turn().grantIssuers().isEmpty()) {
      return false;
    }
    try {
      io.p2pquic.api.signalling.RelayGrantToken.verify(token, io.p2pquic.identity.PeerId.parse(userId),
          config.turn().grantIssuers(), Instant.now());
      metrics.counter("p2p.relay.grants.token", "outcome", "accepted").increment();
      return true;
    } catch (IllegalArgumentException e) {
      metrics.counter("p2p.relay.grants.token", "outcome", "refused").increment();
      LOG.info("relay grant token of {} refused: {}", userId, e.getMessage());
      return false;
    }
  }

  /** This node's relay as announced in the directory: advertised address, STUN port, current load. */
  private RelayEntry localRelay() {
    List<String> transports = new ArrayList<>();
    transports.add("udp");
    if (stun.tcpAddress() != null) {
      transports.add("tcp"); // the STUN server binds TCP on the UDP port
    }
    return new RelayEntry(signalling.nodeId(), turn.advertisedAddress().getHostAddress(), stun.udpAddress().getPort(),
        transports, turn.allocationCount(), turn.config().maxAllocations(), System.currentTimeMillis(),
        turn.secretIds(), turn.bytesRelayed());
  }

  /** Grants of a node without a relay: signed with {@code turn.authSecret}, listing the cluster's relays. */
  private RelayGrants signallingOnlyGrants() {
    byte[] secret = config.turn().authSecrets().get(0).getBytes(StandardCharsets.UTF_8);
    int ttl = config.turn().credentialTtlSeconds();
    return new RelayGrants(directory,
        user -> TurnRestCredentials.issue(secret, user, Instant.now().plusSeconds(ttl)),
        SecretId.of(secret), config.turn().realm(), ttl);
  }

  /** The relay directory, or null when this node issues no relay grants. */
  public RelayDirectory relayDirectory() {
    return directory;
  }

  /** The TURN relay, or null when {@code turn.enabled} is false. */
  public TurnServer turn() {
    return turn;
  }

  /** The HTTP port actually bound (useful when configured as 0). */
  /** Refuses /health, /metrics, the operator API and the dashboard on the public port to clients outside admin.allow (counted). */
  private void adminGate(io.vertx.ext.web.RoutingContext ctx) {
    java.net.InetAddress remote = io.p2pquic.api.net.SocketAddresses.toInet(ctx.request().remoteAddress()).getAddress();
    java.net.InetAddress local = io.p2pquic.api.net.SocketAddresses.toInet(ctx.request().localAddress()).getAddress();
    if (config.admin().allows(remote, local)) {
      ctx.next();
      return;
    }
    metrics.counter("p2p.admin.refused").increment();
    ctx.response().setStatusCode(403).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", "not served to " + remote.getHostAddress()
            + ": admin.allow lists who may read /health, /metrics, /api/v1 and /dashboard here"
            + " (or give them a port of their own, admin.port)")
            .encode());
  }

  /** How many event loops serve the HTTP/WebSocket port (see {@code http.eventLoops}). */
  public int httpEventLoops() {
    return http == null ? 0 : 1 + extraHttp.size();
  }

  /** The admin listener's port when admin.port is 0 or more, else -1 (on the HTTP port). */
  public int adminPort() {
    return adminServer != null ? adminServer.actualPort() : -1;
  }

  /** The HTTP listener's certificate with TLS on (http.tls.enabled), else null. */
  public ServerCertificate certificate() {
    return certificate;
  }

  /** subjectAltNames of a self-signed certificate: the bind address unless a wildcard, and loopback. */
  private static java.util.List<String> certificateNames(String bind) {
    java.util.List<String> names = new java.util.ArrayList<>();
    if (!"0.0.0.0".equals(bind) && !"::".equals(bind) && !"[::]".equals(bind)) {
      names.add(bind);
    }
    names.add("localhost");
    names.add("127.0.0.1");
    return names;
  }

  public int httpPort() {
    return http.actualPort();
  }

  public InetSocketAddress stunAddress() {
    return stun.udpAddress();
  }

  public SignallingService signalling() {
    return signalling;
  }
}
