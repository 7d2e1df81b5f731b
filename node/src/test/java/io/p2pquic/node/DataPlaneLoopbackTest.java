package io.p2pquic.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.p2pquic.rendezvous.RendezvousConfig;
import io.p2pquic.rendezvous.RendezvousVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data plane as a user runs it, with the jar's own commands as separate processes on loopback and a
 * real rendezvous: {@code expose} in front of a TCP server that speaks first (a banner) and echoes until
 * the client half-closes, {@code forward} on the other side, then {@code status}, {@code ping}, {@code pipe},
 * and the goodbye when a process stops.
 */
class DataPlaneLoopbackTest {
  private static final Pattern PEER_ID = Pattern.compile("peer id: (pq1[a-z2-7]+)");
  private static final byte[] BANNER = "HELLO\n".getBytes(StandardCharsets.US_ASCII);
  private static final long IDLE_TIMEOUT_MS = 4_000;
  private static Vertx vertx;
  private static String signal;
  private static String stun;
  private static ServerSocket target;
  private static final List<Child> children = new CopyOnWriteArrayList<>();
  private static final ExecutorService pool = Executors.newCachedThreadPool();
  private static Child expose;
  private static Child forward;
  private static String exposeId;
  private static int forwardPort;
  private static int forwardControl;
  private static int exposeControl;
  @TempDir static Path dir;

  /** A child JVM running this jar's CLI; output collected, ready once a line appears. */
  record Child(Process process, List<String> lines) {
    String output() {
      return String.join("\n", lines);
    }
  }

  static Child start(String ready, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile()).start();
    Child c = new Child(p, new CopyOnWriteArrayList<>());
    children.add(c);
    java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(1);
    pool.submit(() -> {
      try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          c.lines.add(line);
          if (line.contains(ready)) {
            seen.countDown();
          }
        }
      }
      return null;
    });
    assertThat(seen.await(60, TimeUnit.SECONDS)).as(c.output()).isTrue();
    return c;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @BeforeAll
  static void up() throws Exception {
    vertx = Vertx.vertx();
    RendezvousVerticle rendezvous = new RendezvousVerticle(RendezvousConfig.fromJson(new JsonObject()
        .put("bind", "127.0.0.1").put("http", new JsonObject().put("port", 0)).put("stun", new JsonObject().put("port", 0))
        .put("signalling", new JsonObject().put("quicPort", -1))
        .put("turn", new JsonObject().put("grant", "all-registered"))), new SimpleMeterRegistry());
    vertx.deployVerticle(rendezvous).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    signal = "ws://127.0.0.1:" + rendezvous.httpPort() + "/signal";
    stun = "127.0.0.1:" + rendezvous.stunAddress().getPort();
    // The exposed service: a banner first (server speaks first, like SSH), then echo until the client's FIN.
    target = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    pool.submit(() -> {
      while (!target.isClosed()) {
        Socket s = target.accept();
        pool.submit(() -> {
          try (s) {
            OutputStream out = s.getOutputStream();
            out.write(BANNER);
            s.getInputStream().transferTo(out);
            s.shutdownOutput();
          }
          return null;
        });
      }
      return null;
    });
    exposeControl = freePort();
    expose = start("exposing tcp", "expose", "--tcp", Integer.toString(target.getLocalPort()), "--rendezvous", signal,
        "--stun", stun, "--include-loopback", "--identity", dir.resolve("expose.json").toString(),
        "--control-port", Integer.toString(exposeControl));
    Matcher m = PEER_ID.matcher(expose.output());
    assertThat(m.find()).isTrue();
    exposeId = m.group(1);
    forwardPort = freePort();
    forwardControl = freePort();
    forward = start("forwarding tcp", "forward", exposeId, "--listen", Integer.toString(forwardPort),
        "--rendezvous", signal, "--stun", stun, "--include-loopback", "--identity", dir.resolve("forward.json").toString(),
        "--control-port", Integer.toString(forwardControl));
  }

  @AfterAll
  static void down() throws Exception {
    for (Child c : children) {
      c.process.destroyForcibly();
    }
    if (target != null) {
      target.close();
    }
    pool.shutdownNow();
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Through the forward: reads the banner without writing first, sends, half-closes, reads the echo. */
  private static byte[] roundTrip(byte[] payload) throws Exception {
    try (Socket s = new Socket("127.0.0.1", forwardPort)) {
      s.setSoTimeout(120_000);
      InputStream in = s.getInputStream();
      assertThat(in.readNBytes(BANNER.length)).as("the server speaks first").isEqualTo(BANNER);
      Future<?> writer = pool.submit(() -> {
        s.getOutputStream().write(payload);
        s.shutdownOutput(); // half-close: the answer must still come back
        return null;
      });
      ByteArrayOutputStream got = new ByteArrayOutputStream(payload.length);
      in.transferTo(got);
      writer.get(120, TimeUnit.SECONDS);
      return got.toByteArray();
    }
  }

  private static String sha(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  void hundredMegabytesAndEightConcurrentConnectionsArriveIntactThroughForwardAndExpose() throws Exception {
    byte[] big = random(100 << 20, 1);
    long t0 = System.nanoTime();
    byte[] back = roundTrip(big);
    double s = (System.nanoTime() - t0) / 1e9;
    assertThat(back.length).isEqualTo(big.length);
    assertThat(sha(back)).isEqualTo(sha(big));
    System.out.printf("forward: 100 MiB each way in %.1f s (%.1f MiB/s each way)%n", s, 100 / s);

    List<Future<Boolean>> parallel = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] p = random(4 << 20, 100 + i);
      parallel.add(pool.submit(() -> sha(roundTrip(p)).equals(sha(p))));
    }
    for (Future<Boolean> f : parallel) {
      try {
        assertThat(f.get(180, TimeUnit.SECONDS)).isTrue();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new AssertionError("--- forward:\n" + forward.output() + "\n--- expose:\n" + expose.output(), e);
      }
    }
    // How often quiche lost a data-less FIN and the final-size notice ended the stream (informational:
    // the transfers above are what must hold).
    CommandLineTest.Result status = CommandLineTest.run("status", "--json", "--control-port",
        Integer.toString(forwardControl));
    assertThat(status.code()).as(status.err()).isZero();
    for (Object o : new JsonObject(status.out()).getJsonArray("sessions")) {
      System.out.println("forward: streams ended by a final-size notice: "
          + ((JsonObject) o).getLong("streamsEndedByNotice"));
    }
  }

  /**
   * A forwarded connection nobody types in (an idle SSH login) outlives the QUIC idle timeout: the
   * session's keepalive pings keep it open; before, the session closed after the idle timeout and took
   * the TCP connection with it.
   */
  @Test
  void anIdleForwardedConnectionOutlivesTheIdleTimeout() throws Exception {
    // A pair of its own with a short idle timeout, so that the test waits seconds, not minutes.
    Path quicConf = dir.resolve("peer-quic.json");
    java.nio.file.Files.writeString(quicConf, new JsonObject().put("quic", new JsonObject()
        .put("idleTimeoutMs", IDLE_TIMEOUT_MS).put("keepAliveIntervalMs", 1_000)).encode());
    Child quietExpose = start("exposing tcp", "expose", "--config", quicConf.toString(), "--tcp",
        Integer.toString(target.getLocalPort()), "--rendezvous", signal, "--stun", stun, "--include-loopback",
        "--identity", dir.resolve("quiet-expose.json").toString(), "--control-port", "0");
    Matcher m = PEER_ID.matcher(quietExpose.output());
    assertThat(m.find()).isTrue();
    int port = freePort();
    Child quietForward = start("forwarding tcp", "forward", m.group(1), "--config", quicConf.toString(), "--listen",
        Integer.toString(port), "--rendezvous", signal, "--stun", stun, "--include-loopback",
        "--identity", dir.resolve("quiet-forward.json").toString(), "--control-port", "0");
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      assertThat(in.readNBytes(BANNER.length)).isEqualTo(BANNER);
      out.write("before".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("before");
      Thread.sleep(IDLE_TIMEOUT_MS * 2 + 1_000);
      out.write("after".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).as(quietForward.output()).isEqualTo("after");
    } finally {
      quietForward.process().destroyForcibly();
      quietExpose.process().destroyForcibly();
    }
  }

  @Test
  void statusAndPingDescribeTheSessionThroughTheControlEndpoint() throws Exception {
    roundTrip("warm".getBytes(StandardCharsets.UTF_8));
    CommandLineTest.Result status = CommandLineTest.run("status", "--json", "--control-port", Integer.toString(forwardControl));
    assertThat(status.code()).as(status.err()).isZero();
    JsonObject doc = new JsonObject(status.out());
    assertThat(doc.getJsonObject("signalling").getString("state")).isEqualTo("registered");
    assertThat(doc.getJsonObject("nat").getString("natType")).as("measured or explained").isNotBlank();
    JsonObject session = doc.getJsonArray("sessions").getJsonObject(0);
    assertThat(session.getString("peer")).isEqualTo(exposeId);
    assertThat(session.getString("method")).isEqualTo("auto");
    assertThat(session.getString("path")).isEqualTo("direct");
    assertThat(session.getDouble("rttMs")).isPositive();
    assertThat(session.getLong("bytesSent")).isPositive();
    assertThat(session.getLong("bytesReceived")).isPositive();

    CommandLineTest.Result text = CommandLineTest.run("status", "--control-port", Integer.toString(forwardControl));
    assertThat(text.out()).contains("registered at " + signal, exposeId.substring(0, 12), "direct");

    CommandLineTest.Result ping = CommandLineTest.run("ping", exposeId, "--count", "3", "--interval", "100", "--json",
        "--control-port", Integer.toString(forwardControl));
    assertThat(ping.code()).as(ping.out()).isZero();
    List<JsonObject> replies = ping.out().lines().map(JsonObject::new).filter(j -> j.containsKey("seq")).toList();
    assertThat(replies).hasSize(3).allSatisfy(r -> {
      assertThat(r.getDouble("rttMs")).isPositive();
      assertThat(r.getString("path")).isEqualTo("direct");
    });
    CommandLineTest.Result untilDirect = CommandLineTest.run("ping", exposeId, "--until-direct", "--control-port",
        Integer.toString(forwardControl));
    assertThat(untilDirect.code()).isZero();
    assertThat(untilDirect.out()).contains("pong from " + exposeId.substring(0, 12)).contains("direct");

    // The endpoint itself: health, metrics (GET and HEAD), and nothing but loopback.
    var http = java.net.http.HttpClient.newHttpClient();
    var healthReply = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://127.0.0.1:" + forwardControl + "/health")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(healthReply.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(healthReply.body()).getString("status")).isEqualTo("up");
    var metricsReply = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://127.0.0.1:" + forwardControl + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(metricsReply.body()).contains("p2p_", "jvm_memory");
    var head = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
            "http://127.0.0.1:" + forwardControl + "/metrics")).method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
        .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (var a : java.util.Collections.list(nif.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof java.net.Inet4Address) {
          try (Socket probe = new Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> probe.connect(
                new java.net.InetSocketAddress(a, forwardControl), 1000)).as("control port on " + a)
                .isInstanceOf(java.io.IOException.class);
          }
        }
      }
    }

    CommandLineTest.Result health = CommandLineTest.run("status", "--control-port", Integer.toString(freePort()));
    assertThat(health.code()).isEqualTo(1);
    assertThat(health.err()).contains("no local peer answers", "--control-port");
  }

  @Test
  void pipeCarriesStdinToTheOtherStdoutAndBothExit() throws Exception {
    Child listener = start("waiting for", "pipe", "--listen", "--rendezvous", signal, "--stun", stun,
        "--include-loopback", "--identity", dir.resolve("pipe.json").toString(), "--quiet");
    Matcher m = PEER_ID.matcher(listener.output());
    assertThat(m.find()).isTrue();
    // The listener's stdout carries only the data: read it separately from its stderr.
    children.remove(listener);
    listener.process.destroyForcibly();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "pipe", "--listen",
        "--rendezvous", signal, "--stun", stun, "--include-loopback", "--identity", dir.resolve("pipe.json").toString(),
        "--quiet"));
    Path received = dir.resolve("received.bin");
    Path nothing = dir.resolve("empty-stdin");
    Files.write(nothing, new byte[0]); // the listener sends nothing back: its stdin ends at once
    Process l = new ProcessBuilder(cmd).redirectInput(nothing.toFile()).redirectOutput(received.toFile())
        .redirectError(dir.resolve("l.err").toFile()).directory(dir.toFile()).start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(dir.resolve("l.err")).contains("waiting for") && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    byte[] data = random(5 << 20, 7);
    Path input = dir.resolve("input.bin");
    Files.write(input, data);
    List<String> send = new ArrayList<>(cmd.subList(0, 5));
    send.addAll(List.of("pipe", m.group(1), "--rendezvous", signal, "--stun", stun, "--include-loopback", "--quiet"));
    Process s = new ProcessBuilder(send).redirectInput(input.toFile()).redirectErrorStream(true)
        .directory(dir.toFile()).start();
    String sOut = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(s.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(s.exitValue()).as(sOut).isZero();
    assertThat(l.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(dir.resolve("l.err"))).isTrue();
    assertThat(l.exitValue()).isZero();
    assertThat(sha(Files.readAllBytes(received))).isEqualTo(sha(data));
  }

  @Test
  void aStoppedForwardSaysGoodbyeSoTheExposingPeerFreesTheSessionAtOnce() throws Exception {
    int control = freePort();
    Child extra = start("forwarding tcp", "forward", exposeId, "--listen", Integer.toString(freePort()),
        "--rendezvous", signal, "--stun", stun, "--include-loopback", "--identity", dir.resolve("extra.json").toString(),
        "--control-port", Integer.toString(control));
    String extraId = extractPeerId(extra);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!exposeSessions().contains(extraId) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(exposeSessions()).contains(extraId);
    extra.process.destroy(); // SIGTERM
    long stopped = System.nanoTime();
    assertThat(extra.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    while (exposeSessions().contains(extraId) && System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(10)) {
      Thread.sleep(50);
    }
    double gone = (System.nanoTime() - stopped) / 1e9;
    assertThat(exposeSessions()).doesNotContain(extraId);
    assertThat(gone).as("freed by the goodbye, not the 30 s idle timeout").isLessThan(5.0);
  }

  private static String extractPeerId(Child c) {
    Matcher m = PEER_ID.matcher(c.output());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static String exposeSessions() {
    return new ControlClient(exposeControl).get("/status");
  }
}
