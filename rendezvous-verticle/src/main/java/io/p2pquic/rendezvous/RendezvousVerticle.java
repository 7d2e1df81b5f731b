package io.p2pquic.rendezvous;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.signalling.SignallingService;
import io.p2pquic.api.signalling.RelayCredentials;
import io.p2pquic.rendezvous.stun.StunServer;
import io.p2pquic.rendezvous.turn.TurnServer;
import io.p2pquic.stun.turn.TurnRestCredentials;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public rendezvous node: STUN server (UDP and TCP) with the TURN relay on the same sockets, and on
 * one HTTP port the signalling WebSocket ({@code /signal}), {@code /health} and {@code /metrics}
 * (Prometheus text). Registered peers get time-limited TURN credentials in their {@code registered} reply.
 */
public final class RendezvousVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RendezvousVerticle.class);

  private final RendezvousConfig config;
  private final MeterRegistry metrics;
  private StunServer stun;
  private TurnServer turn;
  private SignallingService signalling;
  private HttpServer http;

  public RendezvousVerticle(RendezvousConfig config, MeterRegistry metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    if (config.turn().enabled()) {
      turn = new TurnServer(vertx, config.turn(), config.stun().bind(), config.stun().software(), metrics);
    }
    stun = new StunServer(vertx, config.stun(), metrics, turn);
    signalling = new SignallingService(vertx, config.signalling(), metrics);
    if (turn != null) {
      signalling.relayCredentials(peer -> relayCredentials(peer.value()).toJson());
    }
    Router router = Router.router(vertx);
    signalling.mount(router);
    router.get("/health").handler(ctx -> ctx.json(new JsonObject()
        .put("status", "up")
        .put("node", signalling.nodeId())
        .put("stun", String.valueOf(stun.udpAddress()))
        .put("turn", turn != null ? turn.allocationCount() + " allocations" : "off")));
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

  /** TURN credentials for {@code userId} and the ways to reach this node's relay (UDP, and TCP if on). */
  public RelayCredentials relayCredentials(String userId) {
    TurnRestCredentials c = turn.issueCredentials(userId);
    String host = turn.advertisedAddress().getHostAddress();
    int port = stun.udpAddress().getPort();
    List<RelayCredentials.Relay> relays = new ArrayList<>();
    relays.add(new RelayCredentials.Relay(host, port, "udp"));
    if (stun.tcpAddress() != null) {
      relays.add(new RelayCredentials.Relay(host, stun.tcpAddress().getPort(), "tcp"));
    }
    return new RelayCredentials(c.username(), c.password(), turn.config().realm(),
        turn.config().credentialTtlSeconds(), c.expiresAt().getEpochSecond(), relays);
  }

  /** The TURN relay, or null when {@code turn.enabled} is false. */
  public TurnServer turn() {
    return turn;
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
