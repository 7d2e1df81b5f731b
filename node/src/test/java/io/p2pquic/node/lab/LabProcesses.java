package io.p2pquic.node.lab;

import io.p2pquic.natlab.NatLab;
import io.p2pquic.node.report.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Runs the node's own command line inside lab namespaces (the lab report's {@link NodeProcess}). */
final class LabProcesses {
  private LabProcesses() {}

  static List<String> node(String... args) {
    return NodeProcess.command(args);
  }

  /** A file of {@code megabytes} MiB of seeded random bytes in {@code dir}. */
  static Path randomFile(Path dir, String name, int megabytes) throws Exception {
    byte[] b = new byte[megabytes << 20];
    new Random(megabytes).nextBytes(b);
    Path f = dir.resolve(name);
    Files.write(f, b);
    return f;
  }

  /** Waits until {@code p} printed {@code text} (false at the timeout or when it exited without it). */
  static boolean waitFor(Running p, String text, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (p.output().contains(text) || !p.process.isAlive()) {
        return p.output().contains(text);
      }
      Thread.sleep(50);
    }
    return false;
  }

  /** Stops the node processes that started (nulls are skipped), then kills the helper. */
  static void stopAll(Process helper, Running... nodes) throws InterruptedException {
    for (Running r : nodes) {
      if (r != null) {
        r.stop();
      }
    }
    helper.destroyForcibly();
  }

  /** One of the test's Python helpers (src/test/resources/lab) in a lab namespace, output merged. */
  static Process python(NatLab lab, String namespace, String script, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3",
        Path.of("src/test/resources/lab/" + script).toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    return lab.processBuilder(namespace, cmd).redirectErrorStream(true).start();
  }

  /** A long-running node process whose output is collected; awaitReady waits for a log line. */
  static final class Running extends NodeProcess {
    Running(NatLab lab, String namespace, String readyText, String... args) throws Exception {
      super(lab, namespace, readyText, args);
    }
  }
}
