package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Everything in one process on loopback, no setup: a rendezvous and two peers that connect over QUIC.",
      "A rendezvous (STUN + signalling) and two peers, alice and bob. Both register (proving their keys); alice "
          + "connects to bob: candidates trickle through the rendezvous, ICE checks run on one UDP socket per side, "
          + "and QUIC (TLS 1.3, each peer id pinned in the handshake) comes up on the very socket ICE punched. "
          + "alice sends a message, bob echoes it. Prints the timeline as it happens, then the phase timings.",
    },
    footer = {"", "Example:", "  java -jar node/target/p2p-node.jar demo --json > timeline.json"})
final class DemoCommand implements Callable<Integer> {
  static final String MESSAGE = "hello from alice over p2p-quic";

  @Option(names = "--json", description = "Print the timeline and the session description as JSON at the end instead of live lines.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Timeline timeline = new Timeline();
    if (!json) {
      out.println("p2p-quic demo: rendezvous + alice + bob in one process on 127.0.0.1");
      timeline.listener(e -> {
        out.println(e.format());
        out.flush();
      });
    }
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = NodeRuntime.vertx();
    List<PeerNode> peers = new java.util.ArrayList<>();
    try {
      RendezvousConfig rc = RendezvousConfig.fromJson(new JsonObject()
          .put("bind", "127.0.0.1")
          .put("http", new JsonObject().put("port", 0))
          .put("stun", new JsonObject().put("port", 0))
          // The demo's peers are its own: the relay serves them (a real relay is closed by default).
          .put("turn", new JsonObject().put("grant", "all-registered")));
      RendezvousVerticle rendezvous = new RendezvousVerticle(rc, metrics);
      NodeRuntime.await(vertx.deployVerticle(rendezvous), Duration.ofSeconds(30), "starting the rendezvous");
      String signal = "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal";
      String stun = "127.0.0.1:" + rendezvous.stunAddress().getPort();
      timeline.mark("rendezvous", "ready", "STUN udp/tcp " + stun + ", signalling " + signal);

      PeerConfig cfg = new PeerConfig().setRendezvous(signal)
          .setGathering(new GatheringOptions().setStunServers(List.of(stun)).setIncludeLoopback(true).setIpv6(false));
      PeerNode alice = NodeRuntime.await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false),
          Duration.ofSeconds(30), "starting alice");
      peers.add(alice);
      PeerNode bob = NodeRuntime.await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true),
          Duration.ofSeconds(30), "starting bob");
      peers.add(bob);

      long connectAt = System.nanoTime();
      JsonObject session = NodeRuntime.await(alice.puncher.connect(bob.puncher.peerId(), 20_000),
          Duration.ofSeconds(30), "connecting alice to bob");
      long t0 = System.nanoTime();
      Buffer echoed = NodeRuntime.await(PeerNode.echo(vertx, session,
          Buffer.buffer(MESSAGE, "UTF-8")), Duration.ofSeconds(10), "waiting for bob's echo");
      timeline.mark("alice", "echo received", "\"" + echoed.toString(StandardCharsets.UTF_8) + "\" in "
          + Math.round((System.nanoTime() - t0) / 1e5) / 10.0 + " ms");
      session.getJsonObject("timings").put("firstByteMs", Math.round((System.nanoTime() - connectAt) / 1e5) / 10.0);
      timeline.mark("demo", "done", session.getJsonObject("selectedPair").getString("local") + " <-> "
          + session.getJsonObject("selectedPair").getString("remote"));
      if (json) {
        out.println(new JsonObject().put("timeline", timeline.toJson()).put("session", session)
            .put("echo", echoed.toString(StandardCharsets.UTF_8)).encodePrettily());
      } else {
        out.printf("%nsession %s: %s, pair %s -> %s, rtt %s ms%n", session.getString("sessionId"),
            session.getString("path"), session.getJsonObject("selectedPair").getString("local"),
            session.getJsonObject("selectedPair").getString("remote"), session.getValue("rttMs"));
        out.println("phases since connect: " + PeerNode.phases(session));
      }
      out.flush();
      return ExitCodes.OK;
    } finally {
      // Peers first: the rendezvous going away under them would read as a lost connection.
      NodeRuntime.await(Future.join(peers.stream().map(p -> p.goodbye("the demo is over")).toList())
          .compose(x -> Future.join(peers.stream().map(p -> p.undeploy(vertx)).toList())), Duration.ofSeconds(10),
          "stopping the peers");
      NodeRuntime.awaitCleanup(vertx.close(), Duration.ofSeconds(10), "stopping");
    }
  }
}
