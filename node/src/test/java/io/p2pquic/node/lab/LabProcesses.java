package io.p2pquic.node.lab;

import io.p2pquic.natlab.NatLab;
import io.p2pquic.node.Main;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs the node's own command line inside lab namespaces, as a user would run the jar there. */
final class LabProcesses {
  private LabProcesses() {}

  static List<String> node(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** A long-running node process whose output is collected; started() waits for a log line. */
  static final class Running {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);

    Running(NatLab lab, String namespace, String readyText, String... args) throws Exception {
      process = lab.processBuilder(namespace, node(args)).redirectErrorStream(true).start();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
            if (line.contains(readyText)) {
              ready.countDown();
            }
          }
        } catch (Exception ignored) {
          // process ended
        }
      }, "lab-output-" + namespace);
      reader.setDaemon(true);
      reader.start();
    }

    boolean awaitReady(Duration timeout) throws InterruptedException {
      return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    String output() {
      return String.join("\n", lines);
    }
  }
}
