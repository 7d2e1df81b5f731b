package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (tag "benchmark", excluded from {@code mvn verify}): time from {@code connect} to
 * the first echoed byte with 20 ms one-way delay on each router, RUNS sessions per case from one warm
 * process, every phase separately (median, min, max). Cases: method {@code ice}, {@code auto},
 * {@code quic-native} and {@code tcp} between two port-restricted cone NATs (direct), {@code auto} between two symmetric NATs (through
 * the rendezvous's TURN relay), and {@code dcutr} between the port-restricted pair (relayed first;
 * {@code upgradeMs} is when DCUtR selected the direct pair). Run with
 * {@code mvn -B -pl node test -Dgroups=benchmark -Dexcluded.groups=none -Dtest=ConnectLatencyLabBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * as root; the tables go to stdout and node/target/lab-connect-bench.md.
 */
@Tag("benchmark")
class ConnectLatencyLabBenchmark {
  private static final int RUNS = Integer.getInteger("bench.runs", 20);

  record Case(String title, String from, String to, String method) {}

  @Test
  void timeToFirstEchoedByte(@TempDir Path dir) throws Exception {
    List<Case> cases = List.of(
        new Case("method ice, port-restricted <-> port-restricted (direct)", "a", "b", "ice"),
        new Case("method auto, port-restricted <-> port-restricted (direct)", "a", "b", "auto"),
        new Case("method quic-native, port-restricted <-> port-restricted (direct)", "a", "b", "quic-native"),
        new Case("method tcp, port-restricted <-> port-restricted (direct)", "a", "b", "tcp"),
        new Case("method auto, symmetric <-> symmetric (relayed)", "c", "d", "auto"),
        new Case("method dcutr, port-restricted <-> port-restricted (relayed, then DCUtR to direct)", "a", "b", "dcutr"));
    try (NatLab lab = LabTestSupport.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("c", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20))
        .peer("d", RouterNat.SYMMETRIC, LinkConditions.delayMillis(20)))) {
      String server = lab.serverAddress().getHostAddress();
      Path conf = dir.resolve("rendezvous.json");
      Files.writeString(conf, LabCast.turnConfig()
          .put("signalling", new io.vertx.core.json.JsonObject().put("quicPort", 8089)).encode());
      LabProcesses.Running rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
          "rendezvous", "--config", conf.toString(), "--bind", server);
      Map<String, LabProcesses.Running> echo = new HashMap<>();
      Map<String, String> ids = new HashMap<>();
      try {
        assertThat(rendezvous.awaitReady(Duration.ofSeconds(60))).isTrue();
        for (String p : List.of("b", "d")) {
          LabProcesses.Running peer = new LabProcesses.Running(lab, lab.hostNamespace(p), "peer id:", "peer", "--echo",
              "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
              "--identity", dir.resolve(p + ".json").toString());
          echo.put(p, peer);
          assertThat(peer.awaitReady(Duration.ofSeconds(60))).isTrue();
          Matcher m = Pattern.compile("peer id: (pq1[a-z2-7]+)").matcher(peer.output());
          assertThat(m.find()).isTrue();
          ids.put(p, m.group(1));
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
            "20 ms one-way per router (host-to-host RTT about 80 ms), %d runs per case from one warm process,"
                + " ms since the connect call.%n", RUNS));
        for (Case c : cases) {
          ExecResult r = lab.run(lab.hostNamespace(c.from()), Duration.ofMinutes(10), LabProcesses.node("connect",
              ids.get(c.to()), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
              "--method", c.method(), "--send", "x", "--repeat", Integer.toString(RUNS), "--json"));
          assertThat(r.exitCode()).as(r.stderr()).isZero();
          JsonObject doc = new JsonObject(r.stdout().substring(r.stdout().indexOf('{')));
          Map<String, Integer> paths = new java.util.TreeMap<>();
          Map<String, Integer> upgrades = new java.util.TreeMap<>();
          doc.getJsonArray("runs").forEach(run -> {
            paths.merge(((JsonObject) run).getString("path"), 1, Integer::sum);
            JsonObject dcutr = ((JsonObject) run).getJsonObject("dcutr");
            if (dcutr != null) {
              upgrades.merge(dcutr.getString("path"), 1, Integer::sum);
            }
          });
          md.append(String.format(Locale.ROOT, "%n%s; paths at connect: %s%s%n%n| phase | median | min | max |%n"
              + "|---|---:|---:|---:|%n", c.title(), paths, upgrades.isEmpty() ? "" : "; after DCUtR: " + upgrades));
          doc.getJsonObject("summary").forEach(e -> {
            JsonObject p = (JsonObject) e.getValue();
            md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", e.getKey(), p.getDouble("median"),
                p.getDouble("min"), p.getDouble("max")));
          });
        }
        System.out.println(md);
        Files.writeString(Path.of("target", "lab-connect-bench.md"), md);
      } finally {
        for (LabProcesses.Running p : echo.values()) {
          p.stop();
        }
        rendezvous.stop();
      }
    }
  }
}
