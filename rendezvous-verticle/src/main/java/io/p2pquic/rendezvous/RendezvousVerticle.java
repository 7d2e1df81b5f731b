package io.p2pquic.rendezvous;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.p2pquic.rendezvous.stun.StunServer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public rendezvous node: STUN server (UDP and TCP), and on one HTTP port the signalling
 * WebSocket ({@code /signal}), {@code /health} and {@code /metrics} (Prometheus text).
 */
public final class RendezvousVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RendezvousVerticle.class);

  private final RendezvousConfig config;
  private final MeterRegistry metrics;
  private StunServer stun;
  private SignallingService signalling;
  private HttpServer http;

  public RendezvousVerticle(RendezvousConfig config, MeterRegistry metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    stun = new StunServer(vertx, config.stun(), metrics);
    signalling = new SignallingService(vertx, config.signalling(), metrics);
    Router router = Router.router(vertx);
    signalling.mount(router);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject()
        .put("status", "up")
        .put("node", signalling.nodeId())
        .put("stun", String.valueOf(stun.udpAddress()))));
    if (metrics instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(ctx -> ctx.response()
          .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
          .end(prometheus.scrape()));
    }
    HttpServerOptions options = config.signalling()
        .applyTo(new HttpServerOptions().setHost(config.httpBind()).setPort(config.httpPort()));
    return stun.start()
        .compose(v -> signalling.start())
        .compose(v -> vertx.createHttpServer(options).requestHandler(router).listen())
        .recover(err -> Future.failedFuture(new IllegalStateException(
            "rendezvous cannot start: " + err.getMessage() + " (STUN port " + config.stun().port()
                + ", HTTP port " + config.httpPort() + "; free them or pick others with --stun-port / --http-port)",
            err)))
        .onSuccess(server -> {
          http = server;
          log.info("rendezvous ready: signalling ws://{}:{}{}, STUN udp/tcp {}",
              config.httpBind(), server.actualPort(), config.signalling().path(), stun.udpAddress());
        });
  }

  @Override
  public Future<?> stop() {
    Future<Void> closing = http != null ? http.close() : Future.succeededFuture();
    return closing
        .compose(v -> signalling != null ? signalling.stop() : Future.succeededFuture())
        .compose(v -> stun != null ? stun.stop() : Future.succeededFuture());
  }

  /** The HTTP port actually bound (useful when configured as 0). */
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
