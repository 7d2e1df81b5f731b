package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.puncher.PeerConfig;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "peer",
    mixinStandardHelpOptions = true,
    description = {
      "Run a peer that stays registered and accepts sessions from other peers.",
      "Loads (or creates) its identity, registers with the rendezvous and registers again by itself after any "
          + "loss (rendezvous restart, network loss; it also starts while the rendezvous is still unreachable). "
          + "Each offer is answered, candidates trickle, ICE punches, QUIC comes up on the punched socket with both "
          + "peer ids pinned. With --echo every byte received on a session it accepted is sent back (tests, demos). Serves "
          + "'p2p-node status' and 'ping' on its local control endpoint (127.0.0.1, --control-port). Prints its "
          + "peer id and a timeline; runs until Ctrl-C, closing its sessions with a goodbye; exits 1 if another "
          + "process registers the same peer id.",
      "With --cluster it joins the Hazelcast cluster: services on other cluster nodes can then use this peer "
          + "through the event bus (p2p.peer.connect.<peer id>, p2p.session.*; docs/api.md).",
      "With --bridge-port it also serves the TCP event-bus bridge: programs in any language connect to it and "
          + "use this peer's p2p addresses only (connect, session send/data/close, session events), session data "
          + "as base64 in JSON (docs/bridge.md; example client: examples/python/p2p_bridge.py). The bridge has no "
          + "authentication: it listens on 127.0.0.1 unless --bridge-bind says otherwise.",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node peer --rendezvous ws://203.0.113.10:8088/signal --stun 203.0.113.10:3478",
      "  p2p-node connect pq1... --rendezvous ws://203.0.113.10:8088/signal --send hello   (needs --echo here)",
      "  p2p-node peer --rendezvous ws://203.0.113.10:8088/signal --cluster --cluster-config conf/cluster.xml",
      "                                                             serve services on other cluster nodes",
      "  p2p-node peer --rendezvous ws://203.0.113.10:8088/signal --bridge-port 7000",
      "  python3 examples/python/p2p_bridge.py --bridge 127.0.0.1:7000 pq1...   (a non-JVM client of this peer)",
      "",
      "Environment: P2P_RENDEZVOUS, P2P_IDENTITY, P2P_STUN (comma-separated), P2P_CLUSTER, P2P_BRIDGE_PORT "
          + "(flags win).",
    })
final class PeerCommand implements Callable<Integer> {
  @Mixin PeerOptions peerOptions;

  @Mixin LongRunningPeerOptions longRunning;


  @Option(names = "--echo", negatable = true, defaultValue = "false", fallbackValue = "true",
      description = "Echo every byte received on a session this peer accepted back to the sender (tests and demos; default: off).")
  boolean echo;


  @Option(names = "--cluster", defaultValue = "${env:P2P_CLUSTER}", fallbackValue = "true", arity = "0..1",
      description = "Join the Hazelcast cluster described by --cluster-config: the peer's scoped addresses and its "
          + "sessions become reachable from services on other nodes (p2p.peer.connect stays local).")
  Boolean cluster;

  @Option(names = "--cluster-config", paramLabel = "FILE", description = "Hazelcast XML (default: conf/cluster.xml).")
  Path clusterConfig;

  @Option(names = "--bridge-port", paramLabel = "N", defaultValue = "${env:P2P_BRIDGE_PORT}",
      description = "Serve the TCP event-bus bridge on this port (bridge.port; default -1 = off; env P2P_BRIDGE_PORT): "
          + "other programs, in any language, use this peer through it. Only the p2p addresses of this peer are "
          + "reachable; no authentication, so keep it on loopback (docs/bridge.md).")
  Integer bridgePort;

  @Option(names = "--bridge-bind", paramLabel = "ADDR",
      description = "Address the bridge listens on (bridge.bind; default 127.0.0.1). Anything but loopback lets every "
          + "host that reaches it act as this peer: firewall the port.")
  String bridgeBind;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PeerConfig cfg = peerOptions.resolve(longRunning.identity, cluster, json -> bridgeFlags(longRunning.apply(json)));
    PrintWriter out = spec.commandLine().getOut();
    Timeline timeline = new Timeline().listener(e -> {
      out.println(e.format());
      out.flush();
    });
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = NodeRuntime.vertx(cfg.cluster(), clusterConfig);
    PeerNode node = NodeRuntime.await(PeerNode.start(vertx, cfg, null, metrics, timeline, "peer", echo, true),
        Duration.ofSeconds(30), "starting the peer");
    node.startControl(vertx);
    NodeRuntime.await(node.startBridge(vertx), Duration.ofSeconds(10), "starting the event-bus bridge");
    out.println("peer id: " + node.puncher.peerId().value());
    out.flush();
    return NodeRuntime.runUntilStopped(vertx, node, spec.commandLine().getErr());
  }

  /** {@code json} with --bridge-port / --bridge-bind applied when given. */
  private io.vertx.core.json.JsonObject bridgeFlags(io.vertx.core.json.JsonObject json) {
    io.vertx.core.json.JsonObject out = json;
    if (bridgePort != null) out = ConfigFiles.with(out, "bridge.port", bridgePort);
    if (bridgeBind != null) out = ConfigFiles.with(out, "bridge.bind", bridgeBind);
    return out;
  }
}
