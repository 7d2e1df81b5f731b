package io.p2pquic.natlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2pquic.natlab.cli.LabCommand;
import io.p2pquic.natlab.junit.LabTestSupport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Up, teardown (also after a failed up), stale-lab cleanup, and the CLI round trip. */
class LabLifecycleTest {

  @BeforeEach
  void requireLab() {
    LabTestSupport.requireLab();
  }

  @Test
  void closeRemovesNamespacesForwardersProcessesAndFiles() throws Exception {
    NatLab lab = NatLab.builder()
        .peer("a", RouterNat.PORT_RESTRICTED, LinkConditions.delayMillis(5))
        .peer("b", RouterNat.SYMMETRIC)
        .build();
    assertThat(NatLab.namespacesWithPrefix(lab.prefix())).as("build() creates nothing").isEmpty();
    Process sleeper;
    long forwarder;
    try {
      lab.up();
      assertThat(NatLab.namespacesWithPrefix(lab.prefix()))
          .containsExactlyInAnyOrderElementsOf(lab.namespaces()).hasSize(6);
      assertThat(lab.isAlive()).isTrue();
      forwarder = lab.forwarderPid("a").orElseThrow();
      assertThat(NatLab.processAlive(forwarder)).isTrue();
      assertThat(Files.exists(NatLab.RUN_DIR.resolve(lab.prefix().substring(0, 8)))).isTrue();
      sleeper = lab.exec(lab.hostNamespace("b"), List.of("sleep", "60"));
      assertThat(lab.describe()).contains(lab.hostNamespace("a"), "203.0.113.101", "symmetric",
          "pid " + forwarder, "[alive]");
    } finally {
      lab.close();
    }
    assertThat(NatLab.namespacesWithPrefix(lab.prefix())).isEmpty();
    assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).as("exec'd process killed").isTrue();
    assertThat(NatLab.processAlive(forwarder)).as("forwarder gone").isFalse();
    assertThat(Files.exists(NatLab.RUN_DIR.resolve(lab.prefix().substring(0, 8)))).isFalse();
    assertThat(lab.isAlive()).isFalse();
    lab.close(); // idempotent
    assertThatThrownBy(lab::up).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void failedUpTearsDownAndNamesTheCommand() {
    AtomicInteger tapCommands = new AtomicInteger();
    CommandRunner failing = (command, stdin, timeout) -> {
      // fail the inet-side TAP of the delayed peer: half the lab exists by then
      if (command.contains("tuntap") && command.contains("t-b") && tapCommands.incrementAndGet() == 1) {
        return new ExecResult(2, "", "RTNETLINK answers: injected failure");
      }
      return Shell.SYSTEM.run(command, stdin, timeout);
    };
    NatLab lab = NatLab.builder()
        .peer("a", RouterNat.FULL_CONE)
        .peer("b", RouterNat.ADDRESS_RESTRICTED, LinkConditions.delayMillis(5))
        .runner(failing)
        .build();
    assertThatThrownBy(lab::up).isInstanceOf(LabException.class)
        .hasMessageContaining("tuntap add dev t-b")
        .hasMessageContaining("injected failure")
        .satisfies(e -> assertThat(((LabException) e).command()).contains("t-b"));
    assertThat(NatLab.namespacesWithPrefix(lab.prefix())).isEmpty();
    assertThat(lab.isUp()).isFalse();
  }

  @Test
  void cleanupStaleRemovesLabsWhoseOwnerDied() throws Exception {
    NatLab lab = NatLab.builder().peer("a", RouterNat.PORT_RESTRICTED).build();
    try {
      lab.up();
      Process dead = new ProcessBuilder("true").start();
      dead.waitFor();
      Path stateFile = NatLab.RUN_DIR.resolve(lab.prefix().substring(0, 8)).resolve("lab.json");
      LabState s = LabState.fromJson(Files.readString(stateFile));
      new LabState(s.prefix(), dead.pid(), 0, false, s.createdAt(), s.peers(), s.forwarderPids())
          .write(stateFile);
      assertThat(NatLab.cleanupStale()).containsExactlyInAnyOrderElementsOf(lab.namespaces());
      assertThat(NatLab.namespacesWithPrefix(lab.prefix())).isEmpty();
    } finally {
      lab.close();
    }
  }

  @Test
  void cleanupStaleSparesLabsWhoseOwnerLives() {
    NatLab lab = NatLab.builder().peer("a", RouterNat.SYMMETRIC).build();
    try {
      lab.up();
      assertThat(NatLab.cleanupStale()).doesNotContainAnyElementsOf(lab.namespaces());
      assertThat(lab.isAlive()).isTrue();
    } finally {
      lab.close();
    }
  }

  @Test
  void cliUpStatusDown(@TempDir Path dir) {
    Path state = dir.resolve("lab.json");
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new LabCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    int rc = cli.execute("up", "--peers", "a=symmetric,b=full-cone", "--delay", "a=5",
        "--state-file", state.toString());
    assertThat(rc).as(out.toString()).isZero();
    NatLab lab = NatLab.attach(state);
    try {
      long fwd = lab.forwarderPid("a").orElseThrow();
      assertThat(lab.isAlive()).isTrue();
      out.getBuffer().setLength(0);
      assertThat(cli.execute("status", "--state-file", state.toString())).as(out.toString()).isZero();
      assertThat(out.toString()).contains(lab.prefix(), "symmetric", "full-cone", "pid " + fwd,
          "[alive]", "203.0.113.10 (primary)");
      out.getBuffer().setLength(0);
      assertThat(cli.execute("status", "--host", "b", "--state-file", state.toString())).isZero();
      assertThat(out.toString().strip()).isEqualTo(lab.hostNamespace("b"));
      // a second up on the same state file refuses
      out.getBuffer().setLength(0);
      assertThat(cli.execute("up", "--peers", "c", "--state-file", state.toString())).isEqualTo(1);
      assertThat(out.toString()).contains("already up");
      out.getBuffer().setLength(0);
      assertThat(cli.execute("down", "--state-file", state.toString())).isZero();
      assertThat(NatLab.namespacesWithPrefix(lab.prefix())).isEmpty();
      assertThat(ProcessHandle.of(fwd).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(state).doesNotExist();
      assertThat(cli.execute("status", "--state-file", state.toString())).isEqualTo(1);
    } finally {
      lab.close();
    }
  }

  @Test
  void runReturnsExitCodeAndOutput() {
    NatLab lab = NatLab.builder().peer("a", RouterNat.NONE).build();
    try {
      lab.up();
      ExecResult r = lab.run(lab.hostNamespace("a"), Duration.ofSeconds(5),
          List.of("sh", "-c", "cat /proc/sys/net/ipv6/conf/all/disable_ipv6; ip -4 -o addr show eth0; exit 3"));
      assertThat(r.exitCode()).isEqualTo(3);
      assertThat(r.stdout()).startsWith("1\n").contains("10.1.0.2/24");
      assertThatThrownBy(() -> lab.exec("not-a-lab-namespace", List.of("true")))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      lab.close();
    }
  }
}
