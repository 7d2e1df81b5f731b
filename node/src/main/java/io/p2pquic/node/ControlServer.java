package io.p2pquic.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.session.ConnectMethod;
import io.p2pquic.puncher.signalling.SignallingState;
import io.p2pquic.rendezvous.admin.OperatorApi;
import io.p2pquic.quic.session.LiveSession;
import io.p2pquic.quic.session.PeerSession;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-running peer's local control endpoint: HTTP on 127.0.0.1 only (never another interface), for
 * {@code p2p-node status} and {@code p2p-node ping} and for scraping. {@code GET /health} (200 registered,
 * 503 otherwise), {@code GET|HEAD /metrics} (Prometheus text), {@code GET /status} (JSON), {@code GET
 * /ping?peer=ID&count=N&intervalMs=MS&untilDirect=true} (one JSON object per line per reply, then a summary),
 * {@code GET /status/stream} (the status as Server-Sent Events, every second) and the dashboard at
 * {@code /dashboard/}.
 */
final class ControlServer {
  private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
  static final String HOST = "127.0.0.1";

  private final Vertx vertx;
  private final PeerNode node;
  private final MeterRegistry metrics;
  private static final int MAX_STREAMS = 8;
  /** Open {@code /status/stream} responses; touched on the server's context only. */
  private int openStreams;
  /** NAT behaviour (RFC 5780) measured once against the first STUN server at start; null until then. */
  private volatile JsonObject nat;

  private ControlServer(Vertx vertx, PeerNode node, MeterRegistry metrics) {
    this.vertx = vertx;
    this.node = node;
    this.metrics = metrics;
  }

  /** Listens on 127.0.0.1:port; a port in use is logged (naming the key and flag) and the peer runs on. */
  static Future<HttpServer> start(Vertx vertx, PeerNode node, MeterRegistry metrics, int port) {
    if (port <= 0) {
      return Future.succeededFuture();
    }
    ControlServer c = new ControlServer(vertx, node, metrics);
    c.measureNat();
    Router router = Router.router(vertx);
    router.route(HttpMethod.GET, "/health").handler(c::health);
    router.route("/metrics").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(c::metrics);
    router.route(HttpMethod.GET, "/status").handler(ctx -> c.status().onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.json(ar.result());
      } else {
        ctx.response().setStatusCode(500).end(ar.cause().getMessage());
      }
    }));
    router.route(HttpMethod.GET, "/ping").handler(c::ping);
    router.route(HttpMethod.GET, "/status/stream").handler(c::statusStream);
    c.mountDashboard(router);
    return vertx.createHttpServer().requestHandler(router).listen(port, HOST)
        .onSuccess(s -> LOG.info("control endpoint http://{}:{}/status (health, metrics, ping; dashboard: /dashboard/)", HOST,
            s.actualPort()))
        .recover(err -> {
          LOG.warn("control endpoint not started: {}:{} is taken ({}); status and ping will not reach this peer. "
              + "Pick another port with --control-port or control.port in conf/peer.json (0 turns it off)",
              HOST, port, err.getMessage());
          return Future.succeededFuture();
        });
  }

  /** Runs nat-check once in the background; a server without an alternate address gives a reason, not a type. */
  private void measureNat() {
    var servers = node.config.gathering().stunServers();
    if (servers.isEmpty()) {
      nat = new JsonObject().put("natType", "UNKNOWN").put("reason", "no STUN server configured");
      return;
    }
    io.p2pquic.puncher.nat.NatCheck.run(vertx, servers.get(0), new io.p2pquic.puncher.nat.NatCheckOptions())
        .onSuccess(b -> nat = new JsonObject().put("natType", b.natType().name()).put("mapping", b.mapping().name())
            .put("filtering", b.filtering().name()).put("reason", b.reason()))
        .onFailure(err -> nat = new JsonObject().put("natType", "UNKNOWN").put("reason", err.getMessage()));
  }

  private boolean registered() {
    return node.puncher.signalling() != null && node.puncher.signalling().state() == SignallingState.REGISTERED;
  }

  private void health(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("status", registered() ? "up" : "not registered")
        .put("peerId", node.puncher.peerId().value())
        .put("signalling", node.puncher.signalling().stateJson());
    ctx.response().setStatusCode(registered() ? 200 : 503).putHeader("content-type", "application/json")
        .end(body.encode());
  }

  private void metrics(RoutingContext ctx) {
    HttpServerResponse r = ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8");
    String text = metrics instanceof PrometheusMeterRegistry p ? p.scrape() : "";
    if (ctx.request().method() == HttpMethod.HEAD) {
      r.putHeader("content-length", Integer.toString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length))
          .end();
    } else {
      r.end(text);
    }
  }

  /** Registration and every session: peer, method, path, RTT, bytes each way, age. */
  Future<JsonObject> status() {
    JsonObject doc = new JsonObject()
        .put("peerId", node.puncher.peerId().value())
        .put("signalling", node.puncher.signalling().stateJson())
        .put("refusedStreams", node.quic.refusedStreams())
        .put("nat", nat != null ? nat : new JsonObject().put("natType", "UNKNOWN").put("reason", "being measured"));
    List<Future<JsonObject>> sessions = new ArrayList<>();
    for (LiveSession s : node.quic.sessions()) {
      sessions.add(describe(s));
    }
    return Future.join(sessions).map(cf -> {
      JsonArray list = new JsonArray();
      for (Future<JsonObject> f : sessions) {
        if (f.succeeded()) {
          list.add(f.result());
        }
      }
      return doc.put("sessions", list);
    });
  }

  private Future<JsonObject> describe(LiveSession s) {
    JsonObject j = new JsonObject().put("sessionId", s.sessionId()).put("peer", s.remotePeer().value())
        .put("ageSeconds", (System.currentTimeMillis() - s.startedAtMillis()) / 1000);
    if (s.method() != null) {
      j.put("method", s.method());
    }
    return node.puncher.pathOf(s.sessionId())
        .map(path -> path == null ? j.put("path", "unknown") : j.mergeIn(path))
        .compose(x -> s.traffic().map(t -> {
          j.put("rttMs", t.rttMs()).put("bytesSent", t.bytesSent()).put("bytesReceived", t.bytesReceived());
          if (s instanceof PeerSession quic) {
            j.put("streamsEndedByNotice", quic.connection().streamsEndedByNotice());
          }
          return j;
        }).otherwise(j));
  }

  /**
   * The peer's dashboard at {@code /dashboard/}: its sessions (method, path, remote, RTT, bytes) and byte
   * rates, pushed by {@link #statusStream}. The page shares the rendezvous dashboard's style sheet.
   */
  private void mountDashboard(Router router) {
    router.route(HttpMethod.GET, "/dashboard").handler(ctx -> {
      if ("/dashboard".equals(ctx.request().path())) {
        ctx.redirect("/dashboard/");
      } else {
        ctx.next(); // Vert.x Web lets the route match "/dashboard/" too
      }
    });
    router.route("/dashboard/*").handler(OperatorApi::pageHeaders);
    // The style sheet and the shared script come from the rendezvous dashboard's folder.
    router.route(HttpMethod.GET, "/dashboard/dashboard.css")
        .handler(ctx -> ctx.response().putHeader("content-type", "text/css; charset=utf-8")
            .sendFile("p2p-dashboard/dashboard.css"));
    router.route(HttpMethod.GET, "/dashboard/common.js")
        .handler(ctx -> ctx.response().putHeader("content-type", "text/javascript; charset=utf-8")
            .sendFile("p2p-dashboard/common.js"));
    router.route("/dashboard/*").method(HttpMethod.GET).handler(StaticHandler.create("p2p-peer-dashboard")
        .setCachingEnabled(false).setDirectoryListing(false).setIncludeHidden(false));
  }

  /** Server-Sent Events: {@link #status()} now and every second until the client goes (at most 8 streams). */
  private void statusStream(RoutingContext ctx) {
    if (openStreams >= MAX_STREAMS) {
      ctx.response().setStatusCode(503).putHeader("Retry-After", "10").putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", MAX_STREAMS + " status streams are open already").encode());
      return;
    }
    openStreams++;
    HttpServerResponse r = ctx.response().setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("Cache-Control", "no-store");
    r.write("retry: 2000\n\n");
    Runnable push = () -> {
      // A client that does not read falls behind by skipping snapshots, never by queueing them.
      if (!r.closed() && !r.writeQueueFull()) {
        status().onSuccess(doc -> {
          if (!r.closed()) {
            r.write("data: " + doc.encode() + "\n\n");
          }
        });
      }
    };
    push.run();
    long timer = vertx.setPeriodic(1_000, t -> push.run());
    r.closeHandler(v -> {
      vertx.cancelTimer(timer);
      openStreams--;
    });
  }

  /** NDJSON: one line per reply ({seq, rttMs, path, via, remote}), then {done, replies, direct}. */
  private void ping(RoutingContext ctx) {
    HttpServerResponse r = ctx.response().setChunked(true).putHeader("content-type", "application/x-ndjson");
    PeerId target;
    try {
      target = PeerId.parse(ctx.request().getParam("peer"));
    } catch (RuntimeException e) {
      r.setStatusCode(400).end(new JsonObject().put("error", "peer must be a peer id (pq1...)").encode() + "\n");
      return;
    }
    int count = Integer.parseInt(ctx.request().getParam("count", "5"));
    long interval = Long.parseLong(ctx.request().getParam("intervalMs", "1000"));
    boolean untilDirect = Boolean.parseBoolean(ctx.request().getParam("untilDirect", "false"));
    ConnectMethod method;
    try {
      method = ConnectMethod.parse(ctx.request().getParam("method", "auto"));
    } catch (IllegalArgumentException e) {
      r.setStatusCode(400).end(new JsonObject().put("error", "method: " + e.getMessage()).encode() + "\n");
      return;
    }
    node.puncher.registered()
        .compose(reg -> node.session(vertx, target, method, 20_000))
        // A request the peer refuses as such (method tcp: no QUIC datagrams) is 400; a failed connect is 502.
        .onFailure(err -> r.setStatusCode(err instanceof IllegalArgumentException ? 400 : 502)
            .end(new JsonObject().put("error", err.getMessage()).encode() + "\n"))
        .onSuccess(session -> pingLoop(r, session, 1, count, interval, untilDirect, 0));
  }

  private void pingLoop(HttpServerResponse r, PeerSession session, int seq, int count, long interval,
      boolean untilDirect, int replies) {
    session.ping(2_000).compose(rtt -> node.puncher.pathOf(session.sessionId()).map(path -> new JsonObject()
            .put("seq", seq).put("rttMs", rtt).mergeIn(path == null ? new JsonObject() : path)))
        .recover(err -> Future.succeededFuture(new JsonObject().put("seq", seq).put("error", err.getMessage())))
        .onSuccess(line -> {
          r.write(line.encode() + "\n");
          boolean direct = "direct".equals(line.getString("path")) && !line.containsKey("error");
          int got = replies + (line.containsKey("error") ? 0 : 1);
          if (seq >= count || (untilDirect && direct) || r.closed()) {
            r.end(new JsonObject().put("done", true).put("replies", got).put("direct", direct).encode() + "\n");
            return;
          }
          vertx.setTimer(interval, t -> pingLoop(r, session, seq + 1, count, interval, untilDirect, got));
        });
  }
}
