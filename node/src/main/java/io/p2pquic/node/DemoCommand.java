package io.p2pquic.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.puncher.PeerDescription;
import io.p2pquic.puncher.PuncherVerticle;
import io.p2pquic.puncher.ice.GatheringOptions;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
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
      "Everything in one process on loopback, no setup: a rendezvous (STUN + signalling) and two peers,",
      "alice and bob. Both register (proving their keys), gather host and server-reflexive candidates,",
      "and exchange an offer and an answer through the rendezvous. Prints a timeline as it happens.",
    },
    footer = {"", "Example:", "  java -jar node/target/p2p-node.jar demo --json > timeline.json"})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print the timeline and descriptions as JSON at the end instead of live lines.")
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
    Vertx vertx = Vertx.vertx();
    try {
      RendezvousConfig rc = RendezvousConfig.fromJson(new JsonObject()
          .put("bind", "127.0.0.1")
          .put("http", new JsonObject().put("port", 0))
          .put("stun", new JsonObject().put("port", 0)));
      RendezvousVerticle rendezvous = new RendezvousVerticle(rc, metrics);
      NodeRuntime.await(vertx.deployVerticle(rendezvous), Duration.ofSeconds(30), "starting the rendezvous");
      String signal = "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal";
      String stun = "127.0.0.1:" + rendezvous.stunAddress().getPort();
      timeline.mark("rendezvous", "ready", "STUN udp/tcp " + stun + ", signalling " + signal);

      PuncherVerticle alice = peer(signal, stun, metrics, timeline, "alice");
      PuncherVerticle bob = peer(signal, stun, metrics, timeline, "bob");
      NodeRuntime.await(vertx.deployVerticle(alice), Duration.ofSeconds(30), "starting alice");
      NodeRuntime.await(vertx.deployVerticle(bob), Duration.ofSeconds(30), "starting bob");

      PeerDescription answer = NodeRuntime.await(alice.offer(bob.peerId()), Duration.ofSeconds(30), "exchanging offer/answer");
      PeerDescription offer = bob.remoteDescription(alice.peerId());
      timeline.mark("demo", "done", "alice knows " + answer.candidates().size() + " candidates of bob, bob knows "
          + offer.candidates().size() + " of alice");
      if (json) {
        out.println(new JsonObject()
            .put("timeline", timeline.toJson())
            .put("alice", new JsonObject().put("peerId", alice.peerId().value()).put("description", offer.toJson()))
            .put("bob", new JsonObject().put("peerId", bob.peerId().value()).put("description", answer.toJson()))
            .encodePrettily());
      } else {
        out.printf("%nalice %s%n", alice.peerId().value());
        offer.candidates().forEach(c -> out.println("  " + c.toSdp()));
        out.printf("bob   %s%n", bob.peerId().value());
        answer.candidates().forEach(c -> out.println("  " + c.toSdp()));
        out.printf("%nregistered, gathered and signalled in %.1f ms%n", timeline.at("done"));
      }
      out.flush();
      return ExitCodes.OK;
    } finally {
      NodeRuntime.await(vertx.close(), Duration.ofSeconds(10), "stopping");
    }
  }

  private static PuncherVerticle peer(
      String signal, String stun, PrometheusMeterRegistry metrics, Timeline timeline, String name) {
    PeerConfig cfg = new PeerConfig()
        .setRendezvous(signal)
        .setGathering(new GatheringOptions().stunServers(List.of(stun)).includeLoopback(true));
    return new PuncherVerticle(cfg, PeerIdentity.generate(), metrics, timeline, name);
  }
}
