package io.p2pquic.rendezvous.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.p2pquic.rendezvous.relay.RelayDirectory;
import io.p2pquic.rendezvous.relay.RelayEntry;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.p2pquic.rendezvous.turn.TurnServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.function.Function;

/**
 * The read-only operator API ({@code /api/v1/...}, JSON) and the dashboard ({@code /dashboard/}) of one
 * rendezvous node, mounted on its admin routes (docs/operator-api.md): registered peers, the sessions this
 * node relayed signalling for, the cluster's relays, this node's allocations and the STUN/TURN/signalling
 * rates, one at a time or all in one snapshot, and the snapshot pushed every second as Server-Sent Events
 * ({@code /api/v1/stream}) for the dashboard. Nothing here changes state.
 */
public final class OperatorApi {
  public static final String PREFIX = "/api/v1";
  /** Classpath folder of the dashboard's page, script and style. */
  static final String DASHBOARD_RESOURCES = "p2p-dashboard";
  /** Open streams at once; an operator needs a handful, more is someone holding connections. */
  static final int MAX_STREAMS = 16;
  static final long STREAM_INTERVAL_MS = 1_000;
  /** Rate samples: every 2 s, the last 5 minutes. */
  static final long SAMPLE_INTERVAL_MS = 2_000;
  static final int SAMPLES = 150;

  private final Vertx vertx;
  private final SignallingService signalling;
  private final RelayDirectory directory;
  private final TurnServer turn;
  private final MeterRegistry metrics;
  private final CounterRates rates;
  private final AdminTokenGate tokenGate;
  private final Counter streamsRefused;
  private int openStreams;
  private long sampler = -1;

  /**
   * @param directory null when this node hands out no relays
   * @param turn null when this node runs no relay
   * @param token admin.token, or null
   */
  public OperatorApi(Vertx vertx, SignallingService signalling, RelayDirectory directory, TurnServer turn,
      MeterRegistry metrics, String token) {
    this.vertx = vertx;
    this.signalling = signalling;
    this.directory = directory;
    this.turn = turn;
    this.metrics = metrics;
    this.rates = new CounterRates(metrics, SAMPLES);
    this.tokenGate = new AdminTokenGate(token, metrics);
    this.streamsRefused = Counter.builder("p2p.admin.streams.refused")
        .description("operator event streams refused because " + MAX_STREAMS + " were open").register(metrics);
  }

  /** Adds the routes (behind the token gate) and starts sampling the rates; call on the verticle's context. */
  public void mount(Router router) {
    router.route(PREFIX + "/*").handler(tokenGate::handle);
    router.route(PREFIX).handler(tokenGate::handle);
    router.route("/dashboard*").handler(tokenGate::handle);
    get(router, PREFIX, ctx -> Future.succeededFuture(index()));
    get(router, PREFIX + "/peers", ctx -> signalling.registeredPeers().map(p -> node().put("peers", p)));
    get(router, PREFIX + "/sessions", ctx -> signalling.relayedSessions().map(s -> node().put("sessions", s)));
    get(router, PREFIX + "/relays", ctx -> Future.succeededFuture(node().put("relays", relays())));
    get(router, PREFIX + "/allocations", ctx -> Future.succeededFuture(node().put("allocations", allocations())));
    get(router, PREFIX + "/counters", ctx -> Future.succeededFuture(node().put("counters", rates.toJson())));
    get(router, PREFIX + "/snapshot", ctx -> snapshot());
    router.route(PREFIX + "/stream").method(HttpMethod.GET).handler(this::stream);
    router.route(PREFIX + "/*").handler(ctx -> ctx.response().setStatusCode(404).putHeader("content-type",
        "application/json").end(new JsonObject().put("error", "no such endpoint; GET " + PREFIX + " lists them").encode()));
    router.route("/dashboard").handler(ctx -> {
      if (!"/dashboard".equals(ctx.request().path())) {
        ctx.next(); // the route also matches "/dashboard/"
        return;
      }
      String query = ctx.request().query();
      ctx.redirect("/dashboard/" + (query == null ? "" : "?" + query));
    });
    router.route("/dashboard/*").handler(OperatorApi::pageHeaders);
    router.route("/dashboard/*").method(HttpMethod.GET).handler(StaticHandler.create(DASHBOARD_RESOURCES)
        .setCachingEnabled(false).setDirectoryListing(false).setIncludeHidden(false));
    rates.sample(System.currentTimeMillis());
    sampler = vertx.setPeriodic(SAMPLE_INTERVAL_MS, t -> rates.sample(System.currentTimeMillis()));
  }

  public void stop() {
    if (sampler >= 0) {
      vertx.cancelTimer(sampler);
      sampler = -1;
    }
  }

  private static void get(Router router, String path, Function<RoutingContext, Future<JsonObject>> body) {
    router.route(path).method(HttpMethod.GET).handler(ctx -> body.apply(ctx).onComplete(ar -> {
      HttpServerResponse r = ctx.response().putHeader("content-type", "application/json")
          .putHeader("Cache-Control", "no-store");
      if (ar.succeeded()) {
        r.end(ar.result().encodePrettily());
      } else {
        r.setStatusCode(503).end(new JsonObject().put("error", String.valueOf(ar.cause().getMessage())).encode());
      }
    }));
  }

  private JsonObject node() {
    return new JsonObject().put("node", signalling.nodeId()).put("at", System.currentTimeMillis());
  }

  private static JsonObject index() {
    JsonArray endpoints = new JsonArray();
    for (String p : new String[] {"peers", "sessions", "relays", "allocations", "counters", "snapshot", "stream"}) {
      endpoints.add(PREFIX + "/" + p);
    }
    return new JsonObject().put("version", 1).put("endpoints", endpoints).put("dashboard", "/dashboard/");
  }

  /** Everything at once: what the dashboard's stream sends. */
  public Future<JsonObject> snapshot() {
    return Future.all(signalling.registeredPeers(), signalling.relayedSessions()).map(all -> node()
        .put("peers", all.<JsonArray>resultAt(0))
        .put("sessions", all.<JsonArray>resultAt(1))
        .put("relays", relays())
        .put("allocations", allocations())
        .put("counters", rates.toJson()));
  }

  private JsonArray relays() {
    JsonArray out = new JsonArray();
    if (directory == null) {
      return out;
    }
    for (RelayEntry e : directory.live()) {
      out.add(new JsonObject().put("node", e.nodeId()).put("address", e.host() + ":" + e.port())
          .put("transports", new JsonArray(new java.util.ArrayList<>(e.transports())))
          .put("allocations", e.allocations()).put("maxAllocations", e.maxAllocations())
          .put("load", Math.round(e.load() * 1000) / 1000.0).put("bytesRelayed", e.bytesRelayed())
          .put("updatedAt", e.updatedAt()).put("local", e.nodeId().equals(signalling.nodeId())));
    }
    return out;
  }

  private JsonObject allocations() {
    if (turn == null) {
      return new JsonObject().put("enabled", false).put("count", 0).put("bytesRelayed", 0);
    }
    return new JsonObject().put("enabled", true).put("count", turn.allocationCount())
        .put("max", turn.config().maxAllocations()).put("bytesRelayed", turn.bytesRelayed())
        .put("packetsRelayed", (long) metrics.find("p2p.turn.relayed.packets").counters().stream()
            .mapToDouble(Counter::count).sum());
  }

  /**
   * Headers of every dashboard file (this one and a peer's): only our own script, style and stream, so
   * nothing the page shows can run or load anything else; then the next handler.
   */
  public static void pageHeaders(RoutingContext ctx) {
    ctx.response().putHeader("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  /** Server-Sent Events: one snapshot now, then one every second, until the client goes. */
  private void stream(RoutingContext ctx) {
    if (openStreams >= MAX_STREAMS) {
      streamsRefused.increment();
      ctx.response().setStatusCode(503).putHeader("Retry-After", "10").putHeader("content-type", "application/json")
          .end(new JsonObject().put("error", MAX_STREAMS + " event streams are open on this node already").encode());
      return;
    }
    openStreams++;
    HttpServerResponse r = ctx.response().setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    r.write("retry: 2000\n\n");
    Runnable push = () -> {
      // A client that does not read falls behind by skipping snapshots, never by queueing them.
      if (r.closed() || r.writeQueueFull()) {
        return;
      }
      snapshot().onSuccess(s -> {
        if (!r.closed()) {
          r.write("data: " + s.encode() + "\n\n");
        }
      });
    };
    push.run();
    long timer = vertx.setPeriodic(STREAM_INTERVAL_MS, t -> push.run());
    boolean[] counted = {true};
    r.closeHandler(v -> {
      vertx.cancelTimer(timer);
      if (counted[0]) {
        counted[0] = false;
        openStreams--;
      }
    });
  }
}
