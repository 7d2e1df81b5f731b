package io.p2pquic.natlab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs natprobe.py (test resource) inside lab namespaces and parses its key=value output. */
final class Probe {

  static final int PORT1 = 3478;
  static final int PORT2 = 3479;

  private static Path script;

  private Probe() {
  }

  static synchronized Path script() {
    if (script == null) {
      try (InputStream in = Probe.class.getResourceAsStream("natprobe.py")) {
        Path p = Files.createTempFile("natprobe", ".py");
        Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        p.toFile().deleteOnExit();
        script = p;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return script;
  }

  static List<String> cmd(String... args) {
    List<String> c = new ArrayList<>(List.of(Tools.python(), script().toString()));
    c.addAll(Arrays.asList(args));
    return c;
  }

  /** Starts the responder on the given addresses and both ports; returns once it is bound. */
  static Process startServer(NatLab lab, String ns, String... ips) throws IOException {
    Process p = lab.exec(ns, cmd("server", String.join(",", ips), PORT1 + "," + PORT2));
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    String line = r.readLine();
    if (!"READY".equals(line)) {
      throw new IllegalStateException("probe server did not start: " + line + " "
          + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return p;
  }

  static Map<String, String> run(NatLab lab, String ns, Duration timeout, String... args) {
    ExecResult r = lab.run(ns, timeout, cmd(args));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("natprobe " + String.join(" ", args) + " failed: "
          + r.stderr());
    }
    return parse(r.stdout());
  }

  static Map<String, String> parse(String out) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        m.merge(line.substring(0, eq), line.substring(eq + 1), (a, b) -> a + " " + b);
      }
    }
    return m;
  }

  /** Mapping/filtering report of the host of {@code peer}, see natprobe.py client mode. */
  static Map<String, String> client(NatLab lab, String peer, int localPort) {
    return run(lab, lab.hostNamespace(peer), Duration.ofSeconds(30), "client",
        lab.serverAddress().getHostAddress(), lab.serverAlternateAddress().getHostAddress(),
        Integer.toString(PORT1), Integer.toString(PORT2), Integer.toString(localPort));
  }

  /** Round trips (ms) of {@code count} sequential UDP echoes; lost ones are NaN. */
  static double[] rtts(NatLab lab, String ns, String ip, int count, double timeoutSeconds) {
    Map<String, String> m = run(lab, ns, Duration.ofSeconds(60), "rtt", ip,
        Integer.toString(PORT1), Integer.toString(count), Double.toString(timeoutSeconds));
    String all = m.getOrDefault("rtt_ms", "");
    return Arrays.stream(all.split(" ")).filter(s -> !s.isEmpty())
        .mapToDouble(s -> s.equals("lost") ? Double.NaN : Double.parseDouble(s)).toArray();
  }

  static Map<String, String> burst(NatLab lab, String ns, String ip, int count, int gapMs,
      double waitSeconds) {
    return run(lab, ns, Duration.ofSeconds(60), "burst", ip, Integer.toString(PORT1),
        Integer.toString(count), Integer.toString(gapMs), Double.toString(waitSeconds));
  }

  /** Both hosts punch towards each other at the same time; returns both reports. */
  static List<Map<String, String>> punch(NatLab lab, String x, int xPort, String xTargetIp,
      int xTargetPort, String y, int yPort, String yTargetIp, int yTargetPort)
      throws IOException, InterruptedException {
    Process px = lab.exec(lab.hostNamespace(x), cmd("punch", Integer.toString(xPort), xTargetIp,
        Integer.toString(xTargetPort), "20", "50"));
    Process py = lab.exec(lab.hostNamespace(y), cmd("punch", Integer.toString(yPort), yTargetIp,
        Integer.toString(yTargetPort), "20", "50"));
    List<Map<String, String>> out = new ArrayList<>();
    for (Process p : List.of(px, py)) {
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("punch failed: "
            + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      out.add(parse(stdout));
    }
    return out;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
