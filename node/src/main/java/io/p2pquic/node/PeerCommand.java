package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerId;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.PuncherVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "peer",
    mixinStandardHelpOptions = true,
    description = {
      "Run a peer: load (or create) its identity, gather host and server-reflexive candidates, register",
      "with the rendezvous and answer offers. Prints its peer id and a timeline; runs until Ctrl-C.",
      "With --offer PEER_ID it also sends an offer to that peer and prints the answer.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node peer --rendezvous ws://203.0.113.10:8088/signal --stun 203.0.113.10:3478",
      "  p2p-node peer --rendezvous ws://203.0.113.10:8088/signal --offer pq1...   (id printed by the other peer)",
      "",
      "Environment: P2P_RENDEZVOUS, P2P_IDENTITY, P2P_STUN (comma-separated) (flags win).",
    })
final class PeerCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration (default: conf/peer.json).")
  Path config;

  @Option(names = "--rendezvous", paramLabel = "ws://HOST:PORT/signal", defaultValue = "${env:P2P_RENDEZVOUS}",
      description = "Signalling endpoint of a rendezvous node.")
  String rendezvous;

  @Option(names = "--identity", paramLabel = "FILE", defaultValue = "${env:P2P_IDENTITY}",
      description = "Identity file (Ed25519 key pair, created with mode 0600 if missing; default p2p-identity.json).")
  String identity;

  @Option(names = "--stun", paramLabel = "HOST:PORT", split = ",", defaultValue = "${env:P2P_STUN}",
      description = "STUN server(s) for server-reflexive candidates (repeatable or comma-separated).")
  List<String> stun;

  @Option(names = "--port", paramLabel = "N", description = "Local UDP port (default: any free port).")
  Integer port;

  @Option(names = "--include-loopback", description = "Offer loopback addresses as host candidates (same-machine tests).")
  boolean includeLoopback;

  @Option(names = "--offer", paramLabel = "PEER_ID", description = "Send an offer to this peer after registering.")
  String offer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PeerConfig cfg = resolve();
    PeerId target = null;
    if (offer != null) {
      try {
        target = PeerId.parse(offer);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--offer " + offer + ": " + e.getMessage(), e);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    Timeline timeline = new Timeline().listener(e -> {
      out.println(e.format());
      out.flush();
    });
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = Vertx.vertx();
    PuncherVerticle peer = new PuncherVerticle(cfg, null, metrics, timeline, "peer");
    NodeRuntime.await(vertx.deployVerticle(peer), Duration.ofSeconds(30),
        "registering with " + cfg.rendezvous() + " (is the rendezvous running and reachable?)");
    out.println("peer id: " + peer.peerId().value());
    out.flush();
    if (target != null) {
      PeerDescription answer = NodeRuntime.await(peer.offer(target), Duration.ofMillis(cfg.answerTimeoutMs() + 5000),
          "waiting for the answer");
      out.println("answer: " + answer.toJson().encodePrettily());
      out.flush();
    }
    NodeRuntime.runUntilStopped(vertx);
    return ExitCodes.OK;
  }

  PeerConfig resolve() {
    JsonObject json = ConfigFiles.load("peer", config);
    if (rendezvous != null) json = ConfigFiles.with(json, "rendezvous", rendezvous);
    if (identity != null) json = ConfigFiles.with(json, "identity", identity);
    if (stun != null && !stun.isEmpty()) json = ConfigFiles.with(json, "gathering.stunServers", new JsonArray(stun));
    if (port != null) json = ConfigFiles.with(json, "gathering.port", port);
    if (includeLoopback) json = ConfigFiles.with(json, "gathering.includeLoopback", true);
    try {
      return PeerConfig.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }
}
