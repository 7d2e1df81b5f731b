package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatBehavior;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.junit.LabTestSupport;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (tag "benchmark", excluded from {@code mvn verify}): time from {@code connect} to
 * the first echoed byte between two port-restricted cone NATs with 20 ms one-way delay on each router,
 * RUNS sessions from one warm process, every phase separately (median, min, max). Run with
 * {@code mvn -B -pl node test -Dgroups=benchmark -Dtest=ConnectLatencyLabBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * as root; the table goes to stdout and node/target/lab-connect-bench.md.
 */
@Tag("benchmark")
class ConnectLatencyLabBenchmark {
  private static final int RUNS = Integer.getInteger("bench.runs", 20);

  @Test
  void timeToFirstEchoedByte() throws Exception {
    Path ids = Files.createTempDirectory("p2p-bench-ids");
    try (NatLab lab = LabTestSupport.start(NatLab.builder()
        .peer("a", NatBehavior.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", NatBehavior.PORT_RESTRICTED, LinkConditions.delayMillis(20)))) {
      String server = lab.serverAddress().getHostAddress();
      LabProcesses.Running rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
          "rendezvous", "--bind", server);
      LabProcesses.Running peer = null;
      try {
        assertThat(rendezvous.awaitReady(Duration.ofSeconds(60))).isTrue();
        peer = new LabProcesses.Running(lab, lab.hostNamespace("b"), "peer id:", "peer",
            "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
            "--identity", ids.resolve("b.json").toString());
        assertThat(peer.awaitReady(Duration.ofSeconds(60))).isTrue();
        Matcher m = Pattern.compile("peer id: (pq1[a-z2-7]+)").matcher(peer.output());
        assertThat(m.find()).isTrue();
        ExecResult r = lab.run(lab.hostNamespace("a"), Duration.ofMinutes(10), LabProcesses.node("connect", m.group(1),
            "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478", "--send", "x",
            "--repeat", Integer.toString(RUNS), "--json"));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonObject doc = new JsonObject(r.stdout().substring(r.stdout().indexOf('{')));
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
            "Port-restricted <-> port-restricted, 20 ms one-way per router (host-to-host RTT about 80 ms), %d runs "
                + "from one warm process, ms since the connect call:%n%n| phase | median | min | max |%n|---|---:|---:|---:|%n", RUNS));
        doc.getJsonObject("summary").forEach(e -> {
          JsonObject p = (JsonObject) e.getValue();
          md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", e.getKey(), p.getDouble("median"),
              p.getDouble("min"), p.getDouble("max")));
        });
        System.out.println(md);
        Files.writeString(Path.of("target", "lab-connect-bench.md"), md);
      } finally {
        if (peer != null) {
          peer.stop();
        }
        rendezvous.stop();
      }
    } finally {
      try (var files = Files.list(ids)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(ids);
    }
  }
}
