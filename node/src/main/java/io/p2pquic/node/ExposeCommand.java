package io.p2pquic.node;

import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.quic.session.StreamKind;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "expose",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a local TCP port to other peers: each 'p2p-node forward' connection becomes a TCP connection here.",
      "Runs a peer like 'p2p-node peer' (registers, stays registered, accepts sessions). Every incoming forward "
          + "stream is connected to --tcp HOST:PORT (default host 127.0.0.1); bytes flow both ways with "
          + "back-pressure, and a half-close on either side is passed on. If the target refuses, the forward "
          + "side's connection is closed and this log names the target. Restrict who may connect with --allow "
          + "(default: the acceptFrom list of conf/peer.json, \"*\" = every peer).",
    },
    footer = {
      "",
      "Examples:",
      "  p2p-node expose --tcp 22 --rendezvous ws://203.0.113.10:8088/signal        share this host's SSH",
      "  p2p-node expose --tcp 192.168.1.5:8080 --allow pq1abc...                    one peer, a LAN web server",
      "  p2p-node forward pq1... --listen 2222                                        (on the other machine)",
    })
final class ExposeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ExposeCommand.class);
  /** Stream reset code: the exposed target refused the connection. */
  static final int TARGET_UNREACHABLE = 0x21;

  @Mixin PeerOptions peerOptions;

  @Mixin LongRunningPeerOptions longRunning;


  @Option(names = "--tcp", required = true, paramLabel = "[HOST:]PORT",
      description = "The TCP service to expose (a port alone means 127.0.0.1).")
  String tcp;

  @Option(names = "--allow", paramLabel = "PEER_ID", split = ",",
      description = "Peers allowed to open sessions (repeatable or comma-separated; default: acceptFrom).")
  List<String> allow;


  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    TcpEndpoint target = TcpEndpoint.parse("--tcp", tcp);
    PeerConfig cfg = peerOptions.resolve(longRunning.identity, null, json -> longRunning.apply(
        allow == null || allow.isEmpty() ? json : ConfigFiles.with(json, "acceptFrom", new JsonArray(allow))));
    PrintWriter out = spec.commandLine().getOut();
    Timeline timeline = NodeRuntime.printingTimeline(out);
    Vertx vertx = NodeRuntime.vertx(cfg.cluster(), null);
    PeerNode node = NodeRuntime.await(PeerNode.start(vertx, cfg, null, NodeRuntime.metrics(), timeline, "expose", false,
        true), Duration.ofSeconds(30), "starting the peer");
    var client = vertx.createNetClient();
    node.quic.streamService(StreamKind.TCP, (session, stream, preamble, early) ->
        client.connect(target.port(), target.host())
            .onSuccess(socket -> {
              socket.pause();
              TcpStreamBridge.join(socket, stream, early, n -> { }, n -> { });
            })
            .onFailure(err -> {
              LOG.warn("expose: the target {} refused a connection from {}: {}", target, session.remotePeer().shortId(),
                  err.getMessage());
              stream.reset(TARGET_UNREACHABLE);
            }));
    node.startControl(vertx);
    out.println("peer id: " + node.puncher.peerId().value());
    out.println("exposing tcp " + target + " to peers allowed by acceptFrom " + cfg.acceptFrom()
        + "; on the other machine: p2p-node forward " + node.puncher.peerId().value() + " --listen PORT");
    out.flush();
    return NodeRuntime.runUntilStopped(vertx, node, spec.commandLine().getErr());
  }
}
