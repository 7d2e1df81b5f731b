package io.p2pquic.node.report;

import io.p2pquic.natlab.NatLab;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * This node's own command line run inside a lab namespace, as a user would run the jar there: a
 * long-running process whose output is collected, ready once a given line appears. The lab report and
 * the lab tests start rendezvous and peers with it.
 */
public class NodeProcess {
  public final Process process;
  public final List<String> lines = new CopyOnWriteArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);

  /** The command that runs this node's CLI with {@code args} (same JVM binary and class path as this one). */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.p2pquic.node.Main");
    cmd.addAll(List.of(args));
    return cmd;
  }

  public NodeProcess(NatLab lab, String namespace, String readyText, String... args) throws Exception {
    this(lab.processBuilder(namespace, command(args)), readyText, "lab-output-" + namespace);
  }

  /** Starts {@code builder} (its output merged into {@link #lines}); {@code name} names the reader thread. */
  public NodeProcess(ProcessBuilder builder, String readyText, String name) throws IOException {
    process = builder.redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
          if (line.contains(readyText)) {
            ready.countDown();
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, name);
    reader.setDaemon(true);
    reader.start();
  }

  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGTERM (the node's shutdown hook closes Vert.x and leaves a cluster), then SIGKILL after 15 s. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  public String output() {
    return String.join("\n", lines);
  }
}
