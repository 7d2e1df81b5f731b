package io.p2pquic.node.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2pquic.natlab.ExecResult;
import io.p2pquic.natlab.LinkConditions;
import io.p2pquic.natlab.NatLab;
import io.p2pquic.natlab.RouterNat;
import io.p2pquic.natlab.junit.LabTestSupport;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test (tag "benchmark"): where one warm session's time goes. Two port-restricted NATs
 * with 20 ms one-way per router (as {@link ConnectLatencyLabBenchmark}); a {@code connect} with three
 * warm-up sessions, then the dialer's and the listener's timelines to stdout and, when tcpdump is
 * installed, packet captures of both hosts and the server ({@code tcpdump -tt}: one clock for all) in
 * node/target/lab-capture-{dialer,listener,server}.txt. {@code -Dbench.method=auto} for another method.
 * Run as root: {@code mvn -B -pl node test -Dgroups=benchmark -Dexcluded.groups=none
 * -Dtest=ConnectCaptureLabBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class ConnectCaptureLabBenchmark {
  @Test
  void timelinesAndCapturesOfOneWarmSession(@TempDir Path dir) throws Exception {
    String method = System.getProperty("bench.method", "ice");
    boolean tcpdump = new File("/usr/bin/tcpdump").canExecute() || new File("/usr/sbin/tcpdump").canExecute();
    try (NatLab lab = LabTestSupport.start(NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20))
        .peer("b", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(20)))) {
      String server = lab.serverAddress().getHostAddress();
      Path conf = dir.resolve("rendezvous.json");
      // QUIC signalling on too, for -Dbench.method=quic-native.
      Files.writeString(conf, LabCast.turnConfig()
          .put("signalling", new io.vertx.core.json.JsonObject().put("quicPort", 8089)).encode());
      LabProcesses.Running rendezvous = new LabProcesses.Running(lab, lab.serverNamespace(), "rendezvous ready",
          "rendezvous", "--config", conf.toString(), "--bind", server);
      LabProcesses.Running peer = null;
      List<Process> dumps = new ArrayList<>();
      try {
        assertThat(rendezvous.awaitReady(Duration.ofSeconds(60))).isTrue();
        peer = new LabProcesses.Running(lab, lab.hostNamespace("b"), "peer id:", "peer", "--echo",
            "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
            "--identity", dir.resolve("b.json").toString());
        assertThat(peer.awaitReady(Duration.ofSeconds(60))).isTrue();
        Matcher m = Pattern.compile("peer id: (pq1[a-z2-7]+)").matcher(peer.output());
        assertThat(m.find()).isTrue();
        if (tcpdump) {
          String[][] where = {{lab.hostNamespace("a"), "dialer"}, {lab.hostNamespace("b"), "listener"},
              {lab.serverNamespace(), "server"}};
          for (String[] w : where) {
            dumps.add(new ProcessBuilder("ip", "netns", "exec", w[0], "tcpdump", "-i", "any", "-tt", "-n", "-l", "udp or tcp")
                .redirectOutput(Path.of("target", "lab-capture-" + w[1] + ".txt").toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start());
          }
          Thread.sleep(1_500); // tcpdump is listening
        } else {
          System.out.println("no tcpdump on this machine (apt-get install tcpdump): timelines only");
        }
        ExecResult r = lab.run(lab.hostNamespace("a"), Duration.ofMinutes(5), LabProcesses.node("connect",
            m.group(1), "--rendezvous", "ws://" + server + ":8088/signal", "--stun", server + ":3478",
            "--method", method, "--send", "x", "--warmup", "3"));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Thread.sleep(1_000);
        System.out.println("=== dialer (a)\n" + r.stdout());
        String out = peer.output();
        System.out.println("=== listener (b), last part\n" + out.substring(Math.max(0, out.length() - 12_000)));
      } finally {
        dumps.forEach(Process::destroy);
        if (peer != null) {
          peer.stop();
        }
        rendezvous.stop();
      }
    }
  }
}
