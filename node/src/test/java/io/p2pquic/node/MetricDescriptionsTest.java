package io.p2pquic.node;

import static io.p2pquic.testsupport.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2pquic.api.Addresses;
import io.p2pquic.api.timeline.Timeline;
import io.p2pquic.identity.PeerIdentity;
import io.p2pquic.puncher.PeerConfig;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: every p2p metric a running rendezvous and two peers register (a relayed-then-direct session,
 * an echo) carries HELP text on /metrics, and the process and JVM metrics are there too.
 */
class MetricDescriptionsTest {

  @Test
  void everyP2pMetricOfARunningNodeHasHelpText() throws Exception {
    PrometheusMeterRegistry metrics = NodeRuntime.metrics();
    Vertx vertx = NodeRuntime.vertx(false, null, metrics);
    try {
      RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(LoopbackCast.rendezvousJson(new JsonObject()
          .put("turn", new JsonObject().put("grant", "all-registered")
              .put("allowedPeerRanges", new JsonArray(List.of("127.0.0.0/8", "192.0.2.0/24", "10.0.0.0/8",
                  "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")))))), metrics);
      await(vertx.deployVerticle(rendezvous));
      PeerConfig cfg = LoopbackCast.peerConfig(rendezvous);
      Timeline timeline = new Timeline();
      PeerNode alice = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "alice", false));
      PeerNode bob = await(PeerNode.start(vertx, cfg, PeerIdentity.generate(), metrics, timeline, "bob", true));
      JsonObject s = await(vertx.eventBus().<JsonObject>request(Addresses.peerConnect(alice.puncher.peerId()),
              new JsonObject().put("peer", bob.puncher.peerId().value()).put("method", "auto").put("timeoutMs", 15_000),
              new DeliveryOptions().setSendTimeout(20_000)).map(m -> m.body()));
      assertThat(await(PeerNode.echo(vertx, s, Buffer.buffer("metrics"))).toString()).isEqualTo("metrics");

      TreeSet<String> undescribed = new TreeSet<>();
      for (Meter m : metrics.getMeters()) {
        if (m.getId().getName().startsWith("p2p.") && (m.getId().getDescription() == null || m.getId().getDescription().isBlank())) {
          undescribed.add(m.getId().getName());
        }
      }
      assertThat(undescribed).as("p2p meters without HELP text: add them to MetricDescriptions").isEmpty();
      assertThat(metrics.find("p2p.turn.relayed.bytes").counters()).isNotEmpty()
          .allSatisfy(c -> assertThat(c.getId().getBaseUnit()).isEqualTo("bytes"));
      assertThat(metrics.getMeters().stream().filter(m -> m.getId().getName().startsWith("p2p.")).count())
          .as("a session registers many p2p meters").isGreaterThan(30);
      String scrape = metrics.scrape();
      assertThat(scrape.lines().filter(l -> l.startsWith("# HELP p2p_"))
          .filter(l -> l.split(" ", 4).length < 4 || l.split(" ", 4)[3].isBlank()).toList()).isEmpty();
      assertThat(scrape).contains("process_cpu_usage").contains("process_uptime_seconds").contains("jvm_gc_")
          .contains("jvm_memory_used_bytes");
      // Vert.x's own metrics (vertx-micrometer) share the registry: the signalling WebSocket, the event bus.
      assertThat(scrape).contains("vertx_http_server_active_ws_connections").contains("vertx_eventbus_handlers");
      // Not the HTTP client's: they stalled the peer's signalling reconnects (NodeRuntime.vertx).
      assertThat(scrape).doesNotContain("vertx_http_client_");
      // Connect histograms: one successful session on each side, every phase, Prometheus buckets.
      for (String side : List.of("dialer", "listener")) {
        assertThat(metrics.get("p2p.session.connect").tag("method", "auto").tag("side", side).timers())
            .as(side).singleElement().satisfies(t -> {
              assertThat(t.count()).isEqualTo(1);
              assertThat(t.getId().getTag("outcome")).startsWith("connected-");
            });
        assertThat(metrics.get("p2p.session.phase").tag("side", side).tag("phase", "handshake-done").timer().count())
            .isEqualTo(1);
      }
      assertThat(scrape).as("a unit does not rename a family").contains("p2p_turn_relayed_bytes_total{")
          .doesNotContain("bytes_bytes");
      assertThat(scrape).contains("p2p_session_connect_seconds_bucket{").contains("p2p_session_phase_seconds_bucket{");

      // The Grafana dashboard in the repository asks only for metrics that exist: p2p families from the
      // catalogue (some only appear after rare events), the others from this node's scrape.
      String dashboard = java.nio.file.Files.readString(repoRoot().resolve("docs/grafana/p2p-quic.json"));
      new JsonObject(dashboard); // valid JSON
      java.util.Set<String> catalogue = new java.util.HashSet<>();
      MetricDescriptions.HELP.keySet().forEach(n -> catalogue.add(n.replaceAll("[.-]", "_")));
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b((?:p2p|vertx|jvm|process)_[a-z0-9_]+)").matcher(dashboard);
      TreeSet<String> unknown = new TreeSet<>();
      int referenced = 0;
      while (m.find()) {
        referenced++;
        String name = m.group(1);
        String family = name.replaceAll("(_seconds)?(_bucket|_count|_sum|_total)$", "");
        boolean known = name.startsWith("p2p_") ? catalogue.contains(family) : scrape.contains("\n" + name);
        if (!known) {
          unknown.add(name);
        }
      }
      assertThat(referenced).isGreaterThan(20);
      assertThat(unknown).as("metrics the Grafana dashboard asks for that no meter provides").isEmpty();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  static java.nio.file.Path repoRoot() {
    java.nio.file.Path dir = java.nio.file.Path.of("").toAbsolutePath();
    while (!java.nio.file.Files.exists(dir.resolve("docs/ARCHITECTURE.md"))) {
      dir = dir.getParent();
    }
    return dir;
  }
}
