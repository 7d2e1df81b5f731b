package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "rendezvous",
    mixinStandardHelpOptions = true,
    description = {
      "Run a public rendezvous node: STUN server on UDP and TCP (RFC 8489; RFC 5780 with --alt-address),",
      "signalling WebSocket at ws://BIND:HTTP_PORT/signal, /health and /metrics (Prometheus).",
      "Peers must be able to reach both ports. Stops cleanly on Ctrl-C / SIGTERM.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node rendezvous                                        STUN 3478, HTTP 8088 on all addresses",
      "  p2p-node rendezvous --bind 203.0.113.10 --alt-address 203.0.113.11   NAT discovery server",
      "  p2p-node rendezvous --cluster --cluster-config conf/cluster.xml      join other nodes",
      "",
      "  P2P_TURN_SECRET_FILE=/run/secrets/turn p2p-node rendezvous --cluster   relays share a secret",
      "",
      "Environment: P2P_BIND, P2P_STUN_PORT, P2P_HTTP_PORT, P2P_ALT_ADDRESS, P2P_CLUSTER,",
      "P2P_TURN_SECRET_FILE (flags win).",
    })
final class RendezvousCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration (default: conf/rendezvous.json).")
  Path config;

  @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "${env:P2P_BIND}",
      description = "Address to listen on (default 0.0.0.0; must be specific with --alt-address).")
  String bind;

  @Option(names = "--stun-port", paramLabel = "N", defaultValue = "${env:P2P_STUN_PORT}",
      description = "STUN port, UDP and TCP (default 3478).")
  Integer stunPort;

  @Option(names = "--http-port", paramLabel = "N", defaultValue = "${env:P2P_HTTP_PORT}",
      description = "HTTP/WebSocket port for signalling, /health and /metrics (default 8088).")
  Integer httpPort;

  @Option(names = "--alt-address", paramLabel = "ADDR", defaultValue = "${env:P2P_ALT_ADDRESS}",
      description = "Second address of this host: enables RFC 5780 NAT behaviour discovery (CHANGE-REQUEST, OTHER-ADDRESS).")
  String altAddress;

  @Option(names = "--alt-port", paramLabel = "N", description = "Second STUN port for RFC 5780 (default: STUN port + 1).")
  Integer altPort;

  @Option(names = "--cluster", defaultValue = "${env:P2P_CLUSTER}", fallbackValue = "true", arity = "0..1",
      description = "Join the Hazelcast cluster described by --cluster-config (peer registry and delivery become cluster-wide).")
  Boolean cluster;

  @Option(names = "--cluster-config", paramLabel = "FILE", description = "Hazelcast XML (default: conf/cluster.xml).")
  Path clusterConfig;

  // A file, not the secret itself: a command line is visible to every user of the host (ps).
  @Option(names = "--turn-secret-file", paramLabel = "FILE", defaultValue = "${env:P2P_TURN_SECRET_FILE}",
      description = {"File holding the TURN REST shared secret (turn.authSecret; first line, trimmed).",
          "Every rendezvous and relay node of a cluster needs the same secret. Several lines rotate: newest first (it signs new credentials), older ones still verify."})
  Path turnSecretFile;

  @Override
  public Integer call() {
    RendezvousConfig cfg = resolve();
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = NodeRuntime.vertx(cfg.cluster(), clusterConfig);
    NodeRuntime.await(
        vertx.deployVerticle(new RendezvousVerticle(cfg, metrics)),
        Duration.ofSeconds(30),
        "starting the rendezvous");
    NodeRuntime.runUntilStopped(vertx);
    return ExitCodes.OK;
  }

  /** The non-empty lines of a secret file, newest first (several: rotation; the first signs new credentials). */
  private static io.vertx.core.json.JsonArray readSecrets(Path file) {
    java.util.List<String> lines;
    try {
      lines = java.nio.file.Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
    } catch (java.io.IOException e) {
      throw new ConfigException("--turn-secret-file " + file + " cannot be read: " + e.getMessage()
          + " (a file holding the TURN shared secret, one per line)", e);
    }
    if (lines.isEmpty()) {
      throw new ConfigException("--turn-secret-file " + file + " is empty: put the TURN shared secret on its first line");
    }
    return new io.vertx.core.json.JsonArray(lines);
  }

  /** conf file, then flags/env on top; every problem becomes a ConfigException naming the key. */
  RendezvousConfig resolve() {
    JsonObject json = ConfigFiles.load("rendezvous", config);
    if (bind != null) json = ConfigFiles.with(json, "bind", bind);
    if (stunPort != null) json = ConfigFiles.with(json, "stun.port", stunPort);
    if (httpPort != null) json = ConfigFiles.with(json, "http.port", httpPort);
    if (altAddress != null) json = ConfigFiles.with(json, "stun.alternateAddress", altAddress);
    if (altPort != null) json = ConfigFiles.with(json, "stun.alternatePort", altPort);
    if (cluster != null) json = ConfigFiles.with(json, "cluster", cluster);
    if (turnSecretFile != null) json = ConfigFiles.with(json, "turn.authSecret", readSecrets(turnSecretFile));
    try {
      return RendezvousConfig.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }
}
